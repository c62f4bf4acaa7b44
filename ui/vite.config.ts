import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Drops the WOFF fallbacks from @fontsource's @font-face rules. Every webview Tauri runs on reads
 * WOFF2, and the app embeds dist/, so the unused WOFF copies would add about 5 MB to the binary.
 */
function woff2Only(): Plugin {
  return {
    name: 'outreach-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]@fontsource[\\/].*\.css$/.test(id)) {
        return null;
      }
      return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\('woff'\)/g, ''), map: null };
    },
  };
}

export default defineConfig({
  plugins: [woff2Only(), svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**'] },
  },
  build: {
    // The CSP (`default-src 'self'`) refuses data: URLs, so every asset, fonts included, must be a file.
    assetsInlineLimit: 0,
    // Two pages: the tablet app (index.html, embedded by src-tauri) and the office console
    // (console.html, served by the office server from dist/).
    rollupOptions: {
      input: {
        // Relative to the project root (ui/), where every npm script runs.
        main: 'index.html',
        console: 'console.html',
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
