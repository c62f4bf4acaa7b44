import '@fontsource/biz-udpgothic/400.css';
import '@fontsource/biz-udpgothic/700.css';
import './console.css';
import { mount } from 'svelte';
import Console from './Console.svelte';

const target = document.getElementById('console');
if (target === null) {
  throw new Error('console.html has no #console element to mount into');
}

export default mount(Console, { target });
