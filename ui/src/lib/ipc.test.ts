import { invoke } from '@tauri-apps/api/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { IpcError, ServerStatus, SignedIn } from './bindings';
import { appInfo, decodeQr, enrol, isIpcError, serverStatus, signIn, signOut, syncNow, syncStatus, toIpcError } from './ipc';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const invokeMock = vi.mocked(invoke);

const UNEXPECTED: IpcError = { code: 'internal', message: '予期しないエラーが発生しました。' };
const WRONG_PASSWORD: IpcError = { code: 'bad_credentials', message: '職員IDまたはパスワードが違います。' };

beforeEach(() => {
  invokeMock.mockReset();
});

describe('isIpcError', () => {
  it('accepts the {code, message} shape the Rust side rejects with', () => {
    expect(isIpcError(WRONG_PASSWORD)).toBe(true);
  });

  it.each([
    ['a string', 'command sign_in not found'],
    ['null', null],
    ['undefined', undefined],
    ['an Error (message but no code)', new Error('boom')],
    ['a numeric code', { code: 500, message: 'x' }],
    ['a missing message', { code: 'internal' }],
  ])('rejects %s, whose text was never written for staff', (_label, value) => {
    expect(isIpcError(value)).toBe(false);
  });
});

describe('toIpcError', () => {
  it('keeps a real IpcError as is, so the Japanese message from Rust reaches staff', () => {
    expect(toIpcError(WRONG_PASSWORD)).toBe(WRONG_PASSWORD);
  });

  it('replaces anything else with the generic internal error', () => {
    expect(toIpcError('panicked at src/lib.rs:10')).toEqual(UNEXPECTED);
    expect(toIpcError(new TypeError('x is undefined'))).toEqual(UNEXPECTED);
  });
});

describe('commands', () => {
  it('appInfo calls app_info without arguments', async () => {
    const info = { version: '0.1.0', deviceName: 'tab-01', serverUrl: null, hasVault: true, idleLockSeconds: 300 };
    invokeMock.mockResolvedValueOnce(info);
    await expect(appInfo()).resolves.toEqual(info);
    expect(invokeMock).toHaveBeenCalledWith('app_info', undefined);
  });

  it('serverStatus calls server_status without arguments', async () => {
    const status: ServerStatus = {
      reachable: true,
      serverVersion: '1.4.0',
      storage: 'sqlite',
      checkedAt: '2026-11-26T09:00:00+09:00',
      message: null,
    };
    invokeMock.mockResolvedValueOnce(status);
    await expect(serverStatus()).resolves.toEqual(status);
    expect(invokeMock).toHaveBeenCalledWith('server_status', undefined);
  });

  it('signIn sends the request under the `request` argument name the Rust command expects', async () => {
    const signed: SignedIn = { staffId: 'S001', staffName: '山田 太郎' };
    invokeMock.mockResolvedValueOnce(signed);
    await expect(signIn({ staffId: 'S001', password: 'pw' })).resolves.toEqual(signed);
    expect(invokeMock).toHaveBeenCalledWith('sign_in', { request: { staffId: 'S001', password: 'pw' } });
  });

  it('enrol sends the code and the staff sign-in under the `request` argument name', async () => {
    const signed: SignedIn = { staffId: 'S001', staffName: '山田 太郎' };
    invokeMock.mockResolvedValueOnce(signed);
    const request = { codeText: '{"kind":"outreach-enrolment"}', staffId: 'S001', password: 'pw' };
    await expect(enrol(request)).resolves.toEqual(signed);
    expect(invokeMock).toHaveBeenCalledWith('enrol', { request });
  });

  it('syncStatus and syncNow call their commands without arguments', async () => {
    invokeMock.mockResolvedValueOnce({ phase: 'idle' });
    await expect(syncStatus()).resolves.toEqual({ phase: 'idle' });
    expect(invokeMock).toHaveBeenCalledWith('sync_status', undefined);
    invokeMock.mockResolvedValueOnce(null);
    await syncNow();
    expect(invokeMock).toHaveBeenCalledWith('sync_now', undefined);
  });

  it('decodeQr sends the grey frame as the raw body with its size in headers', async () => {
    invokeMock.mockResolvedValueOnce('{"kind":"outreach-enrolment"}');
    const luma = new Uint8Array(12);
    await expect(decodeQr(luma, 4, 3)).resolves.toBe('{"kind":"outreach-enrolment"}');
    expect(invokeMock).toHaveBeenCalledWith('decode_qr', luma, {
      headers: { 'x-frame-width': '4', 'x-frame-height': '3' },
    });
  });

  it('signOut calls the sign_out command', async () => {
    invokeMock.mockResolvedValueOnce(null);
    await signOut();
    expect(invokeMock).toHaveBeenCalledWith('sign_out', undefined);
  });
});

describe('rejections', () => {
  it('pass a real IpcError through unchanged', async () => {
    invokeMock.mockRejectedValueOnce(WRONG_PASSWORD);
    await expect(signIn({ staffId: 'S001', password: 'bad' })).rejects.toBe(WRONG_PASSWORD);
  });

  it.each([
    ['a string', 'command server_status not allowed by ACL'],
    ['an Error', new Error('IPC channel closed')],
    ['undefined', undefined],
    ['an object of another shape', { error: 'x' }],
  ])('turn %s into the generic internal error', async (_label, reason) => {
    invokeMock.mockRejectedValueOnce(reason);
    await expect(serverStatus()).rejects.toEqual(UNEXPECTED);
  });
});
