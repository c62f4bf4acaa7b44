/**
 * The tablet put away or taken out again. Two sources say so: the web view's own
 * `visibilitychange` (the page is hidden when the window is minimised or the app paused), and
 * the Rust side's window events (`waitWindowChange`), which also see what a web view may not
 * report. Both lead to the same two calls: `onHidden` (the app locks through its one lock path,
 * keeping what is being typed) and `onShown` (the app looks for the office and syncs). Repeats are
 * passed on as they come; the handlers are idempotent (a locked app does not lock again).
 */
import type { WindowChange } from '../bindings';

export type LifecycleHandlers = { onHidden: () => void; onShown: () => void };

/** The Rust side's long wait for the next window change (`waitWindowChange` in ipc.ts). */
export type WaitChange = (after: number) => Promise<WindowChange>;

export type LifecycleWatch = { stop: () => void };

/** How long to wait before asking again when the Rust side could not answer. */
export const RETRY_MS = 1000;

export function watchLifecycle(
  handlers: LifecycleHandlers,
  wait: WaitChange | null,
  doc: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'> = document,
): LifecycleWatch {
  let stopped = false;
  const onVisibility = (): void => {
    if (doc.visibilityState === 'hidden') {
      handlers.onHidden();
    } else {
      handlers.onShown();
    }
  };
  doc.addEventListener('visibilitychange', onVisibility);

  const loop = async (): Promise<void> => {
    let seen = 0;
    while (!stopped && wait !== null) {
      let change: WindowChange;
      try {
        change = await wait(seen);
      } catch {
        // No answer (a web view without the app, a reload): try again in a moment.
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      if (stopped) {
        return;
      }
      seen = change.seq;
      if (change.visibility === 'hidden') {
        handlers.onHidden();
      } else {
        handlers.onShown();
      }
    }
  };
  void loop();

  return {
    stop: () => {
      stopped = true;
      doc.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
