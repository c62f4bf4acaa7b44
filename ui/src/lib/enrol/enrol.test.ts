import { describe, expect, it } from 'vitest';
import { checkCode, japanTime, prepareEnrol } from './enrol';

const NOW = new Date('2026-11-26T10:00:00Z');
const PIN = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

function code(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'outreach-enrolment',
    serverUrl: 'https://10.0.0.5:8620',
    spkiPin: PIN,
    code: 'one-time-code',
    expiresAt: '2026-11-26T10:15:00Z',
    ...overrides,
  });
}

describe('checkCode', () => {
  it('reads a complete code, even with spaces and line breaks around it', () => {
    const check = checkCode(`\n  ${code()}  \n`, NOW);
    expect(check).toEqual({
      ok: true,
      summary: { serverUrl: 'https://10.0.0.5:8620', expiresAt: new Date('2026-11-26T10:15:00Z') },
    });
  });

  it('asks for a code when the field is empty', () => {
    expect(checkCode('   ', NOW)).toEqual({ ok: false, error: '登録コードを貼り付けてください。' });
  });

  it.each([
    ['plain text', 'ABCD-1234'],
    ['a URL', 'https://example.jp/'],
    ['JSON that is not an object', '"outreach-enrolment"'],
    ['another kind of QR code', code({ kind: 'wifi' })],
    ['a server that is not a URL', code({ serverUrl: '10.0.0.5:8620' })],
    ['an https server without its pin', code({ spkiPin: null })],
    ['an empty one-time code', code({ code: '' })],
    ['an unreadable expiry', code({ expiresAt: 'soon' })],
    ['a cut-off paste', code().slice(0, 40)],
  ])('refuses %s as not an enrolment code', (_label, text) => {
    const check = checkCode(text, NOW);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.error).toContain('登録用のコードではありません');
  });

  it('accepts a plain-http server without a pin (a demo or a TLS-terminating proxy)', () => {
    expect(checkCode(code({ serverUrl: 'http://127.0.0.1:8620', spkiPin: null }), NOW).ok).toBe(true);
  });

  it('says an expired code is expired before anything is sent', () => {
    const check = checkCode(code({ expiresAt: '2026-11-26T10:00:00Z' }), NOW);
    expect(check).toEqual({
      ok: false,
      error: 'この登録コードは有効期限が切れています。事務所で新しい登録コードを発行してもらってください。',
    });
  });
});

describe('japanTime', () => {
  it('shows Japan time with a 24-hour clock', () => {
    expect(japanTime(new Date('2026-11-26T10:15:00Z'))).toBe('11月26日 19:15');
    expect(japanTime(new Date('2026-11-26T15:05:00Z'))).toBe('11月27日 00:05');
  });
});

describe('prepareEnrol', () => {
  it('folds the staff ID as the sign-in screen does and keeps the password as typed', () => {
    expect(prepareEnrol(` ${code()} `, 'ＳＴ－００１', 'ｐａｓｓ')).toEqual({
      ok: true,
      request: { codeText: code(), staffId: 'ST-001', password: 'ｐａｓｓ' },
    });
  });

  it('says what is missing', () => {
    expect(prepareEnrol(code(), '', '')).toEqual({
      ok: false,
      errors: { staffId: '職員IDを入力してください。', password: 'パスワードを入力してください。' },
    });
  });
});
