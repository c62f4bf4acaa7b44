import { describe, expect, it, vi } from 'vitest';
import type { WindowChange } from '../bindings';
import { watchLifecycle } from './lifecycle';

/** A document whose visibility the test sets. */
function fakeDocument(): EventTarget & { visibilityState: DocumentVisibilityState; set: (v: DocumentVisibilityState) => void } {
  const target = new EventTarget() as EventTarget & {
    visibilityState: DocumentVisibilityState;
    set: (v: DocumentVisibilityState) => void;
  };
  target.visibilityState = 'visible';
  target.set = (v) => {
    target.visibilityState = v;
    target.dispatchEvent(new Event('visibilitychange'));
  };
  return target;
}

/** The Rust side's wait, answered by the test one change at a time. */
function fakeWait(): { wait: (after: number) => Promise<WindowChange>; send: (c: WindowChange) => void; asked: number[] } {
  const asked: number[] = [];
  let answer: ((c: WindowChange) => void) | null = null;
  return {
    asked,
    wait: (after) => {
      asked.push(after);
      return new Promise((resolve) => (answer = resolve));
    },
    send: (c) => answer?.(c),
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('lifecycle', () => {
  it('locks when the page is hidden and looks for the office when it is shown', () => {
    const doc = fakeDocument();
    const onHidden = vi.fn();
    const onShown = vi.fn();
    const watch = watchLifecycle({ onHidden, onShown }, null, doc as unknown as Document);
    doc.set('hidden');
    expect(onHidden).toHaveBeenCalledTimes(1);
    doc.set('visible');
    expect(onShown).toHaveBeenCalledTimes(1);
    watch.stop();
    doc.set('hidden');
    expect(onHidden).toHaveBeenCalledTimes(1);
  });

  it('follows the window changes the Rust side reports, asking each time for the next one', async () => {
    const doc = fakeDocument();
    const rust = fakeWait();
    const onHidden = vi.fn();
    const onShown = vi.fn();
    const watch = watchLifecycle({ onHidden, onShown }, rust.wait, doc as unknown as Document);
    await flush();
    expect(rust.asked).toEqual([0]);
    rust.send({ seq: 1, visibility: 'hidden' });
    await flush();
    expect(onHidden).toHaveBeenCalledTimes(1);
    expect(rust.asked).toEqual([0, 1]);
    rust.send({ seq: 2, visibility: 'shown' });
    await flush();
    expect(onShown).toHaveBeenCalledTimes(1);
    watch.stop();
    rust.send({ seq: 3, visibility: 'hidden' });
    await flush();
    expect(onHidden).toHaveBeenCalledTimes(1);
  });

  it('asks again after a failed wait', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const wait = (): Promise<WindowChange> => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('no app')) : new Promise(() => undefined);
      };
      const watch = watchLifecycle({ onHidden: vi.fn(), onShown: vi.fn() }, wait, fakeDocument() as unknown as Document);
      await vi.advanceTimersByTimeAsync(1_500);
      expect(calls).toBe(2);
      watch.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
