/**
 * The one door to the Rust side. Every Tauri command the UI uses has a typed function here,
 * and every rejection leaves this module as an `IpcError` whose `message` can be shown to staff.
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type {
  AmendRequest,
  AppInfo,
  CaptureOptions,
  EnrolRequest,
  IpcError,
  NewTripRequest,
  PhotoCheck,
  PostalAddress,
  RecordCheck,
  Reenrolled,
  ReenrolRequest,
  RecordInput,
  RecordView,
  ServerStatus,
  SignedIn,
  SignInRequest,
  SyncStatus,
  TripDetail,
  TripView,
  TripsToday,
  WindowChange,
} from './bindings';
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

/**
 * The window's first visibility change after the one numbered `after` (0: none yet); pending
 * until there is one. The Rust side sees minimise, hide and the app's pause (see lifecycle.ts).
 */
export function waitWindowChange(after: number): Promise<WindowChange> {
  return call<WindowChange>('wait_window_change', { after });
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

/** Enrols this tablet again with a new code from the office; everything in the vault is kept. */
export function reenrol(request: ReenrolRequest): Promise<Reenrolled> {
  return call<Reenrolled>('reenrol', { request });
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

/** Today's trips with each one's tally, and the day's totals by mode. */
export function tripsToday(): Promise<TripsToday> {
  return call<TripsToday>('trips_today');
}

/** Makes a trip for today on this tablet (when the office pushed none). */
export function createTrip(request: NewTripRequest): Promise<TripView> {
  return call<TripView>('create_trip', { request });
}

/** A trip and its records (newest first) with each one's sync state. */
export function tripDetail(tripId: string): Promise<TripDetail> {
  return call<TripDetail>('trip_detail', { tripId });
}

/** The identity documents, the rule in force and the 窓口受取 reasons. */
export function captureOptions(): Promise<CaptureOptions> {
  return call<CaptureOptions>('capture_options');
}

/** What the rules say about the record on screen; writes nothing. */
export function checkRecord(input: RecordInput): Promise<RecordCheck> {
  return call<RecordCheck>('check_record', { input });
}

/** Saves the record on screen as a draft; resolves once it is on disk. */
export function saveRecord(input: RecordInput): Promise<RecordCheck> {
  return call<RecordCheck>('save_record', { input });
}

/** Finalizes a saved draft when nothing stops it; resolves with the verdict either way. */
export function finalizeRecord(recordId: string): Promise<RecordCheck> {
  return call<RecordCheck>('finalize_record', { recordId });
}

/** Opens a record with all its versions (audited for finalized records). */
export function openRecord(recordId: string): Promise<RecordView> {
  return call<RecordView>('open_record', { recordId });
}

/** Amends a finalized record with a reason; the earlier version stays. */
export function amendRecord(request: AmendRequest): Promise<RecordCheck> {
  return call<RecordCheck>('amend_record', { request });
}

/** The 申請書ID inside a QR code's text; rejects with a message when it holds none. */
export function applicationIdFromQr(text: string): Promise<string> {
  return call<string>('application_id_from_qr', { text });
}

/** A 和暦 date as `YYYY-MM-DD`; rejects with a message for an impossible date. */
export function warekiToDate(era: string, year: number, month: number, day: number): Promise<string> {
  return call<string>('wareki_to_date', { era, year, month, day });
}

/** The addresses a 郵便番号 stands for (offline data). */
export function lookupPostal(code: string): Promise<PostalAddress[]> {
  return call<PostalAddress[]>('lookup_postal', { code });
}

/**
 * Checks an ID photo (JPEG or PNG bytes from the camera or a file) against the J-LIS rules. The
 * photo stays in the app's memory until the record is saved with the returned token.
 */
export async function checkPhoto(bytes: Uint8Array): Promise<PhotoCheck> {
  try {
    return await invoke<PhotoCheck>('check_photo', bytes);
  } catch (reason) {
    throw toIpcError(reason);
  }
}
