/**
 * The one door to the Rust side. Every Tauri command the UI uses has a typed function here,
 * and every rejection leaves this module as an `IpcError` whose `message` can be shown to staff.
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type { AppInfo, EnrolRequest, IpcError, ServerStatus, SignedIn, SignInRequest, SyncStatus } from './bindings';
import { t } from './i18n/ja';

/** The error used when a rejection is not an `IpcError` (a panic message, a missing command, a bug). */
export const UNEXPECTED_ERROR: Readonly<IpcError> = Object.freeze({
  code: 'internal',
  message: t.error.unexpected,
});

/** True when `value` has the `{code, message}` shape the Rust side rejects with. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.message === 'string';
}

/**
 * Turns any rejection into an `IpcError`: a real one is returned as is; anything else
 * becomes {@link UNEXPECTED_ERROR}, because its text was never meant for staff.
 */
export function toIpcError(reason: unknown): IpcError {
  return isIpcError(reason) ? reason : { ...UNEXPECTED_ERROR };
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** The app's version, device name and enrolled server (`null` until the tablet is enrolled). */
export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/** Probes the office server itself; resolves with `reachable: false` when it cannot be reached. */
export function serverStatus(): Promise<ServerStatus> {
  return call<ServerStatus>('server_status');
}

/** Checks the staff member's ID and password offline and opens the tablet's store. */
export function signIn(request: SignInRequest): Promise<SignedIn> {
  return call<SignedIn>('sign_in', { request });
}

/** Signs the staff member out: the Rust side closes the vault and its key leaves memory. */
export function signOut(): Promise<void> {
  return call<void>('sign_out');
}

/** Locks after idle time; `unsaved` (the screen's input, serialised) is kept encrypted until the same staff member signs in again. Resolves with whether it was kept. */
export function lockSession(unsaved: string): Promise<boolean> {
  return call<boolean>('lock_session', { unsaved });
}

/** The input kept at this staff member's last idle lock, or `null`. */
export function takeUnsaved(): Promise<string | null> {
  return call<string | null>('take_unsaved');
}

/**
 * Enrols this tablet with the office from the QR code's text, creates its vault from the office's
 * roster and signs the first staff member in. Rejects with a Japanese message for each failure.
 */
export function enrol(request: EnrolRequest): Promise<SignedIn> {
  return call<SignedIn>('enrol', { request });
}

/** Where background sync stands: phase, progress, the outbox by state, the last success. */
export function syncStatus(): Promise<SyncStatus> {
  return call<SyncStatus>('sync_status');
}

/** Starts a sync run now instead of at the next scheduled check. */
export function syncNow(): Promise<void> {
  return call<void>('sync_now');
}

/**
 * Reads a QR code from one grey camera frame (one byte per pixel, row by row). Sent as the raw
 * request body, not JSON: a 640 × 480 frame is 300 KB. Resolves with the text, or `null`.
 */
export async function decodeQr(luma: Uint8Array, width: number, height: number): Promise<string | null> {
  try {
    return await invoke<string | null>('decode_qr', luma, {
      headers: { 'x-frame-width': String(width), 'x-frame-height': String(height) },
    });
  } catch (reason) {
    throw toIpcError(reason);
  }
}
