import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { appInfo, enrol, lockSession, serverStatus, signIn, signOut, syncNow, syncStatus, takeUnsaved, waitWindowChange } from './lib/ipc';
import { syncStatusFixture } from './lib/sync/fixtures';

vi.mock('./lib/ipc', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./lib/ipc')>();
  return {
    ...actual,
    appInfo: vi.fn(),
    serverStatus: vi.fn(),
    signIn: vi.fn(),
    signOut: vi.fn(),
    lockSession: vi.fn(),
    takeUnsaved: vi.fn(),
    enrol: vi.fn(),
    syncStatus: vi.fn(),
    syncNow: vi.fn(),
    waitWindowChange: vi.fn(),
  };
});

function input(id: string): HTMLInputElement {
  const element = document.getElementById(id);
  if (!(element instanceof HTMLInputElement)) {
    throw new Error(`#${id} is not an input`);
  }
  return element;
}

beforeEach(() => {
  vi.mocked(appInfo).mockResolvedValue({ version: '0.1.0', deviceName: 'tab-01', serverUrl: null, hasVault: true, idleLockSeconds: 300 });
  vi.mocked(serverStatus).mockResolvedValue({
    reachable: false,
    serverVersion: null,
    storage: null,
    checkedAt: '2026-11-26T09:00:00+09:00',
    message: null,
  });
  vi.mocked(signIn).mockResolvedValue({ staffId: 'ST-001', staffName: '山田 太郎' });
  vi.mocked(signOut).mockResolvedValue(undefined);
  vi.mocked(lockSession).mockResolvedValue(true);
  vi.mocked(takeUnsaved).mockResolvedValue(null);
  vi.mocked(syncStatus).mockResolvedValue(syncStatusFixture());
  vi.mocked(syncNow).mockResolvedValue(undefined);
  // The window never changes unless a test says so.
  vi.mocked(waitWindowChange).mockReturnValue(new Promise(() => undefined));
});

describe('App', () => {
  it('starts on the sign-in screen with the status bar when the tablet has a vault', async () => {
    render(App);
    await screen.findByRole('heading', { name: '職員サインイン' });
    expect(document.getElementById('signin-screen')).not.toBeNull();
    expect(document.getElementById('enrol-screen')).toBeNull();
    expect(document.getElementById('home-screen')).toBeNull();
    expect(document.getElementById('server-status')).not.toBeNull();
  });

  it('starts on the enrolment screen without a vault, and enrols into the home screen with the sync panel', async () => {
    vi.mocked(appInfo).mockResolvedValue({ version: '0.1.0', deviceName: 'tab-01', serverUrl: null, hasVault: false, idleLockSeconds: 300 });
    vi.mocked(enrol).mockResolvedValue({ staffId: 'ST-001', staffName: '山田 太郎' });
    render(App);
    await screen.findByRole('heading', { name: '端末の登録' });
    expect(document.getElementById('signin-screen')).toBeNull();

    const code = JSON.stringify({
      kind: 'outreach-enrolment',
      serverUrl: 'http://127.0.0.1:8620',
      spkiPin: null,
      code: 'c',
      expiresAt: '2999-01-01T00:00:00Z',
    });
    await fireEvent.input(screen.getByLabelText('登録コード'), { target: { value: code } });
    await fireEvent.click(screen.getByRole('button', { name: '次へ' }));
    await fireEvent.input(input('enrol-staff-id'), { target: { value: 'ST-001' } });
    await fireEvent.input(input('enrol-password'), { target: { value: 'secret' } });
    await fireEvent.click(screen.getByRole('button', { name: '登録してサインイン' }));

    await screen.findByRole('heading', { name: 'ようこそ、山田 太郎さん' });
    expect(document.getElementById('sync-panel')).not.toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'サインアウト' }));
    expect(document.getElementById('signin-screen')).not.toBeNull();
  });

  it('goes back to sign-in and says why when the office has revoked the tablet', async () => {
    vi.mocked(syncStatus).mockResolvedValue(syncStatusFixture({ phase: 'revoked', outbox: null }));
    render(App);
    await fireEvent.input(await screen.findByLabelText('職員ID'), { target: { value: 'ST-001' } });
    await fireEvent.input(input('password'), { target: { value: 'secret' } });
    await fireEvent.click(screen.getByRole('button', { name: 'サインイン' }));

    const notice = await screen.findByText(/登録は事務所で取り消されました/);
    expect(notice.id).toBe('sign-in-notice');
    expect(document.getElementById('home-screen')).toBeNull();
  });

  it('greets the staff member after sign-in and comes back empty after sign-out', async () => {
    render(App);
    await screen.findByRole('heading', { name: '職員サインイン' });
    await fireEvent.input(input('staff-id'), { target: { value: 'ST-001' } });
    await fireEvent.input(input('password'), { target: { value: 'secret' } });
    await fireEvent.click(screen.getByRole('button', { name: 'サインイン' }));

    const greeting = await screen.findByRole('heading', { name: 'ようこそ、山田 太郎さん' });
    expect(greeting.closest('#home-screen')).not.toBeNull();
    expect(document.getElementById('signin-screen')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'サインアウト' }));
    expect(document.getElementById('home-screen')).toBeNull();
    expect(document.getElementById('signin-screen')).not.toBeNull();
    expect(input('staff-id').value).toBe('');
    expect(input('password').value).toBe('');
    expect(screen.queryByText(/山田/)).toBeNull();
    expect(signOut).toHaveBeenCalledTimes(1);
  });

  it('locks after the idle time, says why, and keeps the input through the vault', async () => {
    vi.mocked(appInfo).mockResolvedValue({ version: '0.1.0', deviceName: 'tab-01', serverUrl: null, hasVault: true, idleLockSeconds: 1 });
    render(App);
    await screen.findByRole('heading', { name: '職員サインイン' });
    await fireEvent.input(input('staff-id'), { target: { value: 'ST-001' } });
    await fireEvent.input(input('password'), { target: { value: 'secret' } });
    await fireEvent.click(screen.getByRole('button', { name: 'サインイン' }));
    await screen.findByRole('heading', { name: 'ようこそ、山田 太郎さん' });
    expect(takeUnsaved).toHaveBeenCalledTimes(1);

    const notice = await screen.findByText(/ロックしました/, {}, { timeout: 3000 });
    expect(notice.id).toBe('sign-in-notice');
    expect(document.getElementById('home-screen')).toBeNull();
    expect(screen.queryByText(/山田/)).toBeNull();
    expect(lockSession).toHaveBeenCalledWith('{}');
  });

  it('locks through the same path when the page is hidden, and syncs when it is shown again', async () => {
    let visibility: DocumentVisibilityState = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
    try {
      render(App);
      await screen.findByRole('heading', { name: '職員サインイン' });
      await fireEvent.input(input('staff-id'), { target: { value: 'ST-001' } });
      await fireEvent.input(input('password'), { target: { value: 'secret' } });
      await fireEvent.click(screen.getByRole('button', { name: 'サインイン' }));
      await screen.findByRole('heading', { name: 'ようこそ、山田 太郎さん' });

      visibility = 'hidden';
      document.dispatchEvent(new Event('visibilitychange'));
      const notice = await screen.findByText(/画面が閉じられたため、ロックしました/);
      expect(notice.id).toBe('sign-in-notice');
      expect(screen.queryByText(/山田/)).toBeNull();
      expect(lockSession).toHaveBeenCalledTimes(1);
      // Hidden again while locked: nothing more to lock.
      document.dispatchEvent(new Event('visibilitychange'));
      expect(lockSession).toHaveBeenCalledTimes(1);

      visibility = 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
      expect(syncNow).toHaveBeenCalled();
    } finally {
      Reflect.deleteProperty(document, 'visibilityState');
    }
  });
});
