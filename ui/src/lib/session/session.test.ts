import { afterEach, describe, expect, it, vi } from 'vitest';
import { startIdleTimer } from './idle';
import { clearUnsaved, collectUnsaved, registerUnsaved, restoreUnsaved } from './unsaved';

afterEach(() => {
  vi.useRealTimers();
  clearUnsaved();
});

describe('idle timer', () => {
  it('fires once after the idle time, and activity restarts the count', () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    const onIdle = vi.fn();
    startIdleTimer(300, onIdle, target);
    vi.advanceTimersByTime(299_000);
    target.dispatchEvent(new Event('pointerdown'));
    vi.advanceTimersByTime(299_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    target.dispatchEvent(new Event('keydown'));
    vi.advanceTimersByTime(600_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('never fires once stopped', () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const timer = startIdleTimer(1, onIdle, new EventTarget());
    timer.stop();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});

describe('unsaved input', () => {
  it('round-trips through JSON to screens registered before and after the restore', () => {
    let name = '新井 陽菜';
    registerUnsaved('record', { get: () => ({ name }), restore: (v) => (name = (v as { name: string }).name) });
    const kept = collectUnsaved();
    name = '';
    clearUnsaved();

    let restored = '';
    registerUnsaved('record', { get: () => ({}), restore: (v) => (restored = (v as { name: string }).name) });
    restoreUnsaved(kept);
    expect(restored).toBe('新井 陽菜');

    let late: unknown = null;
    restoreUnsaved(JSON.stringify({ photo: { step: 2 } }));
    registerUnsaved('photo', { get: () => null, restore: (v) => (late = v) });
    expect(late).toEqual({ step: 2 });
  });

  it('ignores text that is not a JSON object and forgets everything on clear', () => {
    const restore = vi.fn();
    registerUnsaved('a', { get: () => 1, restore });
    restoreUnsaved('not json');
    restoreUnsaved('[1,2]');
    restoreUnsaved(null);
    expect(restore).not.toHaveBeenCalled();
    clearUnsaved();
    expect(collectUnsaved()).toBe('{}');
  });
});
