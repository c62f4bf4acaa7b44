/**
 * What each screen is typing but has not saved, so that an idle lock can keep it
 * (encrypted, in the vault) and give it back after the same staff member signs in.
 * A screen registers a getter and a restorer under its own key while it is shown.
 */
type Entry = { get: () => unknown; restore: (value: unknown) => void };

const entries = new Map<string, Entry>();
let pending: Record<string, unknown> = {};

/** Registers a screen's unsaved input; returns the function that unregisters it. */
export function registerUnsaved(key: string, entry: Entry): () => void {
  entries.set(key, entry);
  if (key in pending) {
    entry.restore(pending[key]);
    delete pending[key];
  }
  return () => {
    entries.delete(key);
  };
}

/** Everything registered, as one JSON text for the vault. */
export function collectUnsaved(): string {
  const all: Record<string, unknown> = {};
  for (const [key, entry] of entries) {
    all[key] = entry.get();
  }
  return JSON.stringify(all);
}

/**
 * Hands kept input back: to screens already registered now, to the others when they
 * register. Text that is not a JSON object is ignored.
 */
export function restoreUnsaved(json: string | null): void {
  if (json === null) {
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return;
  }
  pending = { ...(parsed as Record<string, unknown>) };
  for (const [key, entry] of entries) {
    if (key in pending) {
      entry.restore(pending[key]);
      delete pending[key];
    }
  }
}

/** Forgets everything: at sign-out nothing of the last person may stay in memory. */
export function clearUnsaved(): void {
  entries.clear();
  pending = {};
}
