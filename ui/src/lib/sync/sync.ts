/** Pure logic behind the sync panel: what to say about sync, the outbox and switching off. */
import type { OutboxCounts, SyncStatus } from '../bindings';
import { t } from '../i18n/ja';

/** How often the panel asks the Rust side where sync stands. */
export const SYNC_POLL_MS = 1_000;

/** Bytes as staff read them: `512 B`, `300.0 KB`, `1.5 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${Math.max(0, Math.round(bytes))} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A speed in bytes per second: `1.2 MB/秒`. */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/秒`;
}

/** Whether staff may switch the tablet off, and what to tell them. */
export type SwitchOff = { tone: 'safe' | 'waiting' | 'unknown'; text: string };

/** Records the office does not hold complete yet. */
export function waitingCount(outbox: OutboxCounts): number {
  return outbox.queued + outbox.sending + outbox.awaitingConfirmation + outbox.failed;
}

/**
 * The line that answers "may I switch the tablet off?". Data is always safe in the encrypted
 * vault; the line says whether everything has also reached the office.
 */
export function switchOff(status: SyncStatus | null): SwitchOff {
  const outbox = status?.outbox ?? null;
  if (outbox === null) {
    return { tone: 'unknown', text: t.sync.unknownOutbox };
  }
  const waiting = waitingCount(outbox);
  if (waiting === 0) {
    return { tone: 'safe', text: outbox.sent > 0 ? t.sync.allSent : t.sync.nothingYet };
  }
  return { tone: 'waiting', text: t.sync.waiting(waiting) };
}

/** What sync is doing, with when it tries again if it is waiting. */
export function phaseLine(status: SyncStatus): string {
  const base = t.sync.phase[status.phase];
  if (status.phase === 'syncing' && status.activity !== null && status.activity !== '完了') {
    return `${base}（${status.activity}）`;
  }
  const retries = status.phase === 'offline' || status.phase === 'retrying';
  if (retries && status.nextAttemptSeconds !== null) {
    return `${base}${t.sync.nextAttempt(status.nextAttemptSeconds)}`;
  }
  return base;
}

/**
 * The supervisor's warning about the device credential, or `null` while expiry is far off. The
 * credential renews by itself on any sync past half its life, so this shows only on a tablet
 * kept away from the office for months.
 */
export function credentialNotice(status: SyncStatus): string | null {
  if (status.phase === 'credential_expired') {
    return null; // The phase line says it already.
  }
  const days = status.credentialDaysLeft;
  if (!status.credentialWarning || days === null) {
    return null;
  }
  return days < 0 ? t.sync.credentialPast : t.sync.credentialSoon(days);
}

/** True when only a new enrolment code lets this tablet sync again (nothing on it is lost). */
export function needsReenrolment(status: SyncStatus): boolean {
  return (
    status.phase === 'credential_expired' ||
    status.phase === 'credential_rejected' ||
    status.phase === 'wrong_server' ||
    (status.credentialDaysLeft !== null && status.credentialDaysLeft < 0)
  );
}

/** One line of the outbox table. */
export type OutboxRow = { key: keyof OutboxCounts; label: string; count: number };

/** The outbox by state, in the order a record moves through them. */
export function outboxRows(outbox: OutboxCounts): OutboxRow[] {
  const order: (keyof OutboxCounts)[] = ['queued', 'sending', 'awaitingConfirmation', 'sent', 'failed'];
  return order.map((key) => ({ key, label: t.sync.states[key], count: outbox[key] }));
}

/** The office's reason for refusing a record, in Japanese. */
export function reasonText(code: string): string {
  return t.sync.reasons[code] ?? t.sync.otherReason(code);
}

/** How far the current (or last) run got, 0–1, or `null` when it had nothing to send. */
export function progressFraction(status: SyncStatus): number | null {
  if (status.bytesTotal > 0) {
    return Math.min(1, status.bytesDone / status.bytesTotal);
  }
  if (status.itemsTotal > 0) {
    return Math.min(1, status.itemsSent / status.itemsTotal);
  }
  return null;
}
