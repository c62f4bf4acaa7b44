import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syncNow, syncStatus } from '../ipc';
import { syncStatusFixture as status } from './fixtures';
import SyncPanel from './SyncPanel.svelte';

vi.mock('../ipc', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../ipc')>();
  return { ...actual, syncStatus: vi.fn(), syncNow: vi.fn() };
});

const statusMock = vi.mocked(syncStatus);
const nowMock = vi.mocked(syncNow);

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
});
