import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo, ServerStatus } from '../bindings';
import { describeServer, poll } from './status';

const ENROLLED: AppInfo = { version: '0.1.0', deviceName: 'tab-01', serverUrl: 'https://office.example:8443', hasVault: true, idleLockSeconds: 300 };
const NOT_ENROLLED: AppInfo = { ...ENROLLED, serverUrl: null, hasVault: false };
const LOCKED: AppInfo = { ...ENROLLED, serverUrl: null, hasVault: true };

function status(overrides: Partial<ServerStatus>): ServerStatus {
  return {
    reachable: true,
    serverVersion: '1.4.0',
    storage: 'sqlite',
    checkedAt: '2026-11-26T09:00:00+09:00',
    message: null,
    ...overrides,
  };
}

describe('describeServer', () => {
  it('says 確認中… before the first answer', () => {
    expect(describeServer(null, null, null)).toEqual({ tone: 'checking', label: '確認中…', detail: null });
  });

  it('says 接続あり with the server version when reachable', () => {
    expect(describeServer(ENROLLED, status({}), null)).toEqual({
      tone: 'connected',
      label: '接続あり',
      detail: 'バージョン 1.4.0',
    });
  });

  it('says 接続あり without a version when the server did not give one', () => {
    expect(describeServer(ENROLLED, status({ serverVersion: null }), null).detail).toBeNull();
  });

  it('says 接続なし with the reason when unreachable', () => {
    const view = describeServer(ENROLLED, status({ reachable: false, message: '応答がありません。' }), null);
    expect(view).toEqual({ tone: 'disconnected', label: '接続なし', detail: '応答がありません。' });
  });

  it('says 理由不明 when unreachable without a reason', () => {
    expect(describeServer(ENROLLED, status({ reachable: false, message: null }), null).detail).toBe('理由不明');
  });

  it('lets a failed probe win over an older reachable status, which may no longer hold', () => {
    const view = describeServer(ENROLLED, status({}), { code: 'internal', message: '確認できませんでした。' });
    expect(view).toEqual({ tone: 'disconnected', label: '接続なし', detail: '確認できませんでした。' });
  });

  it('says 未設定 when the tablet is not enrolled, whatever the probe said', () => {
    const view = describeServer(NOT_ENROLLED, status({ reachable: false, message: 'no server' }), null);
    expect(view).toEqual({ tone: 'unset', label: '未設定', detail: null });
  });

  it('says サインイン後に確認 when the server is kept in the vault and nobody has signed in yet', () => {
    const view = describeServer(LOCKED, status({ reachable: false, message: 'no server' }), null);
    expect(view).toEqual({ tone: 'unset', label: 'サインイン後に確認', detail: null });
  });
});

describe('poll', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at once and then every interval until stopped', async () => {
    const task = vi.fn(() => Promise.resolve());
    const stop = poll(task, 10_000);
    expect(task).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(9_999);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);

    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('waits for a slow run to finish before counting the interval, so runs never overlap', async () => {
    const task = vi.fn(() => new Promise<void>((resolve) => setTimeout(resolve, 15_000)));
    const stop = poll(task, 10_000);

    await vi.advanceTimersByTimeAsync(24_999);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);
    stop();
  });

  it('keeps polling after a run fails', async () => {
    const task = vi.fn(() => Promise.reject(new Error('probe failed')));
    const stop = poll(task, 10_000);

    await vi.advanceTimersByTimeAsync(20_000);
    expect(task).toHaveBeenCalledTimes(3);
    stop();
  });
});
