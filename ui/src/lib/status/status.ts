/** Pure logic behind the status bar: what to say about the office server, and the polling loop. */
import type { AppInfo, IpcError, ServerStatus } from '../bindings';
import { t } from '../i18n/ja';

/** How often the office server is probed. */
export const STATUS_POLL_MS = 10_000;

/** `checking` until the first answer; `unset` while the tablet's server is not known (not enrolled, or not yet signed in). */
export type ServerTone = 'checking' | 'connected' | 'disconnected' | 'unset';

/** What the status bar shows about the office server. */
export type ServerView = { tone: ServerTone; label: string; detail: string | null };

/**
 * Describes the office server from the latest answers. `error` is the rejection of the last
 * `serverStatus()` call and wins over an older `status`, which may no longer be true.
 */
export function describeServer(
  info: AppInfo | null,
  status: ServerStatus | null,
  error: IpcError | null,
): ServerView {
  if (info !== null && info.serverUrl === null) {
    // An enrolled tablet keeps its server inside the encrypted vault: known after a sign-in.
    return { tone: 'unset', label: info.hasVault ? t.status.afterSignIn : t.status.unset, detail: null };
  }
  if (error !== null) {
    return { tone: 'disconnected', label: t.status.disconnected, detail: error.message };
  }
  if (status === null) {
    return { tone: 'checking', label: t.status.checking, detail: null };
  }
  if (status.reachable) {
    const version = status.serverVersion;
    return {
      tone: 'connected',
      label: t.status.connected,
      detail: version === null ? null : t.status.serverVersion(version),
    };
  }
  return {
    tone: 'disconnected',
    label: t.status.disconnected,
    detail: status.message ?? t.status.unknownReason,
  };
}

/**
 * Runs `task` now and then `intervalMs` after each run finishes, so a slow probe never overlaps
 * the next one. Returns a function that stops the loop.
 */
export function poll(task: () => Promise<void>, intervalMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    try {
      await task();
    } catch {
      // A failed run must not end polling: the next one may succeed, and the task shows its own errors.
    } finally {
      if (!stopped) {
        timer = setTimeout(run, intervalMs);
      }
    }
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
