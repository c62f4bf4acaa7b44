import { describe, expect, it } from 'vitest';
import { normaliseStaffId, passwordError, prepareSignIn, staffIdError } from './signin';

const REQUIRED = '職員IDを入力してください。';
const CHARACTERS = '職員IDに使えるのは英数字と「.」「_」「-」だけです。';
const TOO_LONG = '職員IDは32文字以内で入力してください。';
const PASSWORD_REQUIRED = 'パスワードを入力してください。';

describe('normaliseStaffId', () => {
  it.each([
    ['full-width letters and digits from the IME', 'ＡＢＣ１２３', 'ABC123'],
    ['full-width lower case, underscore and dot', 'ｓｔａｆｆ＿０１．ａ', 'staff_01.a'],
    ['full-width hyphen-minus U+FF0D', 'ＡＢＣ－００１', 'ABC-001'],
    ['both ends of the folded range (U+FF01, U+FF5E)', '！～', '!~'],
    ['ideographic and ASCII spaces around the ID', '\u3000 s001 \u3000', 's001'],
    ['the long-vowel mark an IME types for "-"', 'ABCー001', 'ABC-001'],
    ['the half-width katakana long-vowel mark', 'ABCｰ001', 'ABC-001'],
    ['the minus sign U+2212', 'ABC−001', 'ABC-001'],
  ])('folds %s', (_label, raw, expected) => {
    expect(normaliseStaffId(raw)).toBe(expected);
  });

  it('leaves half-width IDs untouched', () => {
    expect(normaliseStaffId('a.B_c-9')).toBe('a.B_c-9');
  });

  it('does not fold outside U+FF01–U+FF5E, so kana and U+FF5F still fail validation', () => {
    expect(normaliseStaffId('やまだ｟')).toBe('やまだ｟');
  });
});

describe('staffIdError', () => {
  it.each([
    ['', REQUIRED],
    ['ab c', CHARACTERS],
    ['やまだ', CHARACTERS],
    ['s001@city', CHARACTERS],
    ['a'.repeat(33), TOO_LONG],
  ])('rejects %j', (id, message) => {
    expect(staffIdError(id)).toBe(message);
  });

  it.each(['a', 'A.b_c-1', 'x'.repeat(32)])('accepts %j', (id) => {
    expect(staffIdError(id)).toBeNull();
  });
});

describe('passwordError', () => {
  it('requires a password', () => {
    expect(passwordError('')).toBe(PASSWORD_REQUIRED);
  });

  it('accepts a password of spaces, because passwords are taken as typed', () => {
    expect(passwordError('  ')).toBeNull();
  });
});

describe('prepareSignIn', () => {
  it('folds the ID but sends the password exactly as typed', () => {
    expect(prepareSignIn(' ＳＴ－００１ ', ' ｐａｓｓ ')).toEqual({
      ok: true,
      request: { staffId: 'ST-001', password: ' ｐａｓｓ ' },
    });
  });

  it('reports both fields when both are empty', () => {
    expect(prepareSignIn('　', '')).toEqual({
      ok: false,
      errors: { staffId: REQUIRED, password: PASSWORD_REQUIRED },
    });
  });

  it('reports only the field that is wrong', () => {
    expect(prepareSignIn('ST001', '')).toEqual({
      ok: false,
      errors: { staffId: null, password: PASSWORD_REQUIRED },
    });
  });
});
