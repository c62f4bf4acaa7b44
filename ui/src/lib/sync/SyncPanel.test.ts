import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reenrol, syncNow, syncStatus } from '../ipc';
import { syncStatusFixture as status } from './fixtures';
import SyncPanel from './SyncPanel.svelte';

vi.mock('../ipc', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../ipc')>();
  return { ...actual, syncStatus: vi.fn(), syncNow: vi.fn(), reenrol: vi.fn() };
});

const statusMock = vi.mocked(syncStatus);
const nowMock = vi.mocked(syncNow);
const reenrolMock = vi.mocked(reenrol);

async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  await tick();
}

function text(id: string): string {
  return document.getElementById(id)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
}

beforeEach(() => {
  vi.useFakeTimers();
  statusMock.mockReset();
  nowMock.mockReset();
  reenrolMock.mockReset();
  nowMock.mockResolvedValue(undefined);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SyncPanel', () => {
  it('shows progress, speed, the outbox by state and that data is safe while records wait', async () => {
    statusMock.mockResolvedValue(
      status({
        phase: 'syncing',
        activity: '写真を送信中',
        itemsTotal: 5,
        itemsSent: 2,
        bytesTotal: 1_572_864,
        bytesDone: 524_288,
        bytesPerSecond: 262_144,
        outbox: { queued: 0, sending: 3, awaitingConfirmation: 0, sent: 2, failed: 0 },
      }),
    );
    render(SyncPanel);
    await settle();

    expect(text('sync-switch-off')).toContain('まだ届いていない記録が3件');
    expect(document.getElementById('sync-switch-off')?.dataset.tone).toBe('waiting');
    expect(text('sync-phase')).toBe('送信しています…（写真を送信中）');
    expect(text('sync-progress')).toBe('記録 2 / 5件 写真 512.0 KB / 1.5 MB 速度 256.0 KB/秒');
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('33');
    const cells = [...document.querySelectorAll('#sync-outbox .cell')].map((c) => c.textContent?.replace(/\s+/g, ''));
    expect(cells).toEqual(['送信待ち0件', '送信中3件', '受領確認待ち0件', '送信済み2件', '失敗0件']);
    expect(text('sync-last-success')).toBe('最後に送信が完了した時刻: まだありません');
  });

  it('says everything reached the office, with the last success in 和暦 and 西暦', async () => {
    statusMock.mockResolvedValue(
      status({
        itemsTotal: 5,
        itemsSent: 5,
        outbox: { queued: 0, sending: 0, awaitingConfirmation: 0, sent: 5, failed: 0 },
        lastSuccessAt: '2026-11-26T10:05:00+00:00',
        lastSuccessDisplay: '令和8年11月26日（2026年11月26日）19:05',
      }),
    );
    render(SyncPanel);
    await settle();

    expect(text('sync-switch-off')).toBe('すべての記録が事務所に届いています。電源を切っても大丈夫です。');
    expect(document.getElementById('sync-switch-off')?.dataset.tone).toBe('safe');
    expect(text('sync-last-success')).toBe('最後に送信が完了した時刻: 令和8年11月26日（2026年11月26日）19:05');
  });

  it('lists refused records with the office reason in Japanese', async () => {
    statusMock.mockResolvedValue(
      status({
        outbox: { queued: 0, sending: 0, awaitingConfirmation: 0, sent: 0, failed: 1 },
        failures: [{ recordId: '0193a5b2-7c00-7000-8000-000000000001', version: 2, reason: 'my_number_refused' }],
      }),
    );
    render(SyncPanel);
    await settle();

    expect(text('sync-failures')).toBe(
      '受け付けられなかった記録 記録 0193a5b2…（第2版） 個人番号と思われる内容が含まれているため、受け付けられませんでした。',
    );
  });

  it('starts a run at the press of 今すぐ送信 and shows the answer at once', async () => {
    statusMock.mockResolvedValueOnce(status({ phase: 'offline' })).mockResolvedValue(status({ phase: 'syncing' }));
    render(SyncPanel);
    await settle();
    expect(document.getElementById('sync-phase')?.dataset.phase).toBe('offline');

    const button = screen.getByRole('button', { name: '今すぐ送信' });
    expect(button.id).toBe('sync-now');
    await fireEvent.click(button);
    await settle();
    expect(nowMock).toHaveBeenCalledTimes(1);
    expect(document.getElementById('sync-phase')?.dataset.phase).toBe('syncing');
  });

  it('polls every second and stops when unmounted', async () => {
    statusMock.mockResolvedValue(status());
    const { unmount } = render(SyncPanel);
    await settle();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(statusMock).toHaveBeenCalledTimes(4);
    unmount();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(statusMock).toHaveBeenCalledTimes(4);
  });

  it('tells the app once when the office has revoked the tablet', async () => {
    statusMock.mockResolvedValue(status({ phase: 'revoked', outbox: null }));
    const onRevoked = vi.fn();
    render(SyncPanel, { props: { onRevoked } });
    await settle();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(onRevoked).toHaveBeenCalledTimes(1);
  });

  it('warns a supervisor when the credential nears expiry, and not before', async () => {
    statusMock.mockResolvedValue(status({ credentialDaysLeft: 120, credentialWarning: false }));
    const { unmount } = render(SyncPanel);
    await settle();
    expect(document.getElementById('sync-credential-warning')).toBeNull();
    unmount();

    statusMock.mockResolvedValue(status({ credentialDaysLeft: 9, credentialWarning: true }));
    render(SyncPanel);
    await settle();
    expect(text('sync-credential-warning')).toContain('あと9日');
    expect(document.getElementById('reenrol-open')).not.toBeNull();
  });

  it('re-enrols an expired tablet with a new code, keeping its records', async () => {
    statusMock.mockResolvedValue(
      status({
        phase: 'credential_expired',
        credentialDaysLeft: -3,
        credentialWarning: true,
        outbox: { queued: 7, sending: 0, awaitingConfirmation: 0, sent: 3, failed: 0 },
      }),
    );
    reenrolMock.mockResolvedValue({
      serverUrl: 'https://10.0.0.5:8620',
      expiresDisplay: '令和9年6月1日（2027年6月1日）09:00',
      waiting: 7,
    });
    render(SyncPanel);
    await settle();
    expect(text('sync-phase')).toContain('有効期限が切れました');
    await fireEvent.click(document.getElementById('reenrol-open') as HTMLElement);
    await settle();
    const code = JSON.stringify({
      kind: 'outreach-enrolment',
      serverUrl: 'https://10.0.0.5:8620',
      spkiPin: 'sha256/abc',
      code: 'x'.repeat(43),
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    });
    await fireEvent.input(document.getElementById('reenrol-code') as HTMLTextAreaElement, {
      target: { value: code },
    });
    await fireEvent.submit(document.getElementById('reenrol-panel') as HTMLFormElement);
    await settle();
    expect(reenrolMock).toHaveBeenCalledWith({ codeText: code });
    expect(text('reenrol-done')).toContain('未送信の記録7件');
  });

  it('refuses text that is not an enrolment code before anything is sent', async () => {
    statusMock.mockResolvedValue(status({ phase: 'credential_rejected' }));
    render(SyncPanel);
    await settle();
    await fireEvent.click(document.getElementById('reenrol-open') as HTMLElement);
    await settle();
    await fireEvent.input(document.getElementById('reenrol-code') as HTMLTextAreaElement, {
      target: { value: 'https://example.com' },
    });
    await fireEvent.submit(document.getElementById('reenrol-panel') as HTMLFormElement);
    await settle();
    expect(reenrolMock).not.toHaveBeenCalled();
    expect(text('reenrol-code-error')).toContain('登録用のコードではありません');
  });
});
