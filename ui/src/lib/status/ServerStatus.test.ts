import { render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo, ServerStatus as ServerStatusData } from '../bindings';
import { appInfo, serverStatus } from '../ipc';
import ServerStatus from './ServerStatus.svelte';

vi.mock('../ipc', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../ipc')>();
  return { ...actual, appInfo: vi.fn(), serverStatus: vi.fn() };
});

const appInfoMock = vi.mocked(appInfo);
const serverStatusMock = vi.mocked(serverStatus);

const ENROLLED: AppInfo = { version: '0.1.0', deviceName: 'tab-01', serverUrl: 'https://office.example:8443', hasVault: true, idleLockSeconds: 300 };
const REACHABLE: ServerStatusData = {
  reachable: true,
  serverVersion: '1.4.0',
  storage: 'sqlite',
  checkedAt: '2026-11-26T09:00:00+09:00',
  message: null,
};
const UNREACHABLE: ServerStatusData = {
  reachable: false,
  serverVersion: null,
  storage: null,
  checkedAt: '2026-11-26T09:00:10+09:00',
  message: 'サーバーが応答しません。',
};

async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  await tick();
}

function statusText(): string {
  return document.getElementById('server-status')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
}

beforeEach(() => {
  vi.useFakeTimers();
  appInfoMock.mockReset();
  serverStatusMock.mockReset();
  appInfoMock.mockResolvedValue(ENROLLED);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ServerStatus', () => {
  it('asks at once on mount and shows 接続あり with the server and app versions', async () => {
    serverStatusMock.mockResolvedValue(REACHABLE);
    render(ServerStatus);
    expect(serverStatusMock).toHaveBeenCalledTimes(1);
    await settle();

    expect(statusText()).toBe('事務所サーバー: ●接続あり （バージョン 1.4.0）');
    expect(document.getElementById('server-status')?.dataset.tone).toBe('connected');
    expect(document.getElementById('app-version')?.textContent).toBe('アプリ v0.1.0');
  });

  it('shows 接続なし with the reason', async () => {
    serverStatusMock.mockResolvedValue(UNREACHABLE);
    render(ServerStatus);
    await settle();

    expect(statusText()).toBe('事務所サーバー: ✕接続なし （サーバーが応答しません。）');
  });

  it('shows 接続なし with the error message when the probe itself fails', async () => {
    serverStatusMock.mockRejectedValue({ code: 'internal', message: '状態を確認できません。' });
    render(ServerStatus);
    await settle();

    expect(statusText()).toBe('事務所サーバー: ✕接続なし （状態を確認できません。）');
  });

  it('shows 未設定 when the tablet is not enrolled', async () => {
    appInfoMock.mockResolvedValue({ ...ENROLLED, serverUrl: null, hasVault: false });
    serverStatusMock.mockResolvedValue(UNREACHABLE);
    render(ServerStatus);
    await settle();

    expect(statusText()).toBe('事務所サーバー: －未設定');
  });

  it('polls every 10 seconds, shows the newest answer, and stops when unmounted', async () => {
    serverStatusMock.mockResolvedValueOnce(REACHABLE).mockResolvedValue(UNREACHABLE);
    const { unmount } = render(ServerStatus);
    await settle();
    expect(statusText()).toContain('接続あり');

    await vi.advanceTimersByTimeAsync(9_999);
    expect(serverStatusMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(serverStatusMock).toHaveBeenCalledTimes(2);
    expect(statusText()).toContain('接続なし');

    unmount();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(serverStatusMock).toHaveBeenCalledTimes(2);
  });
});
