/**
 * Locks the tablet after a period without touch, pen or keyboard input. The timer is
 * restarted by any such event on `target`; `stop` removes every listener.
 */
export type IdleTimer = { stop: () => void };

const ACTIVITY = ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const;

export function startIdleTimer(seconds: number, onIdle: () => void, target: EventTarget = window): IdleTimer {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    if (handle !== undefined) {
      clearTimeout(handle);
    }
    handle = setTimeout(() => {
      stop();
      onIdle();
    }, seconds * 1000);
  };
  const stop = (): void => {
    if (handle !== undefined) {
      clearTimeout(handle);
      handle = undefined;
    }
    for (const type of ACTIVITY) {
      target.removeEventListener(type, arm);
    }
  };
  for (const type of ACTIVITY) {
    target.addEventListener(type, arm, { passive: true });
  }
  arm();
  return { stop };
}
