/** Sync statuses for the sync panel's tests. */
import type { SyncStatus } from '../bindings';

/** A signed-in tablet with nothing in its outbox, idle. */
export function syncStatusFixture(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    phase: 'idle',
    activity: null,
    itemsTotal: 0,
    itemsSent: 0,
    bytesTotal: 0,
    bytesDone: 0,
    bytesPerSecond: 0,
    outbox: { queued: 0, sending: 0, awaitingConfirmation: 0, sent: 0, failed: 0 },
    failures: [],
    lastSuccessAt: null,
    lastSuccessDisplay: null,
    nextAttemptSeconds: 8,
    credentialDaysLeft: 150,
    credentialWarning: false,
    ...overrides,
  };
}
