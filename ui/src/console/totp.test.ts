import { describe, expect, it } from 'vitest';
import { groupSecret, isCode, normalizeCode } from './totp';
import { ApiError, errorText, tooManyAttempts } from './api';

describe('TOTP codes as typed', () => {
  it('accepts full-width digits and the app’s spacing', () => {
    expect(normalizeCode('１２３ ４５６')).toBe('123456');
    expect(normalizeCode(' 123-456 ')).toBe('123456');
    expect(isCode(normalizeCode('１２３４５６'))).toBe(true);
    expect(isCode('12345')).toBe(false);
    expect(isCode('12345a')).toBe(false);
  });

  it('shows the secret in groups of four', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDEF==')).toBe('ABCD EF');
  });
});

describe('sign-in refusals', () => {
  it('says how many minutes to wait after too many attempts', () => {
    expect(tooManyAttempts(840)).toContain('14分待って');
    expect(tooManyAttempts(61)).toContain('2分待って');
    expect(tooManyAttempts(5)).toContain('1分待って');
    expect(tooManyAttempts(null)).toContain('しばらく待って');
    expect(errorText(new ApiError(429, 'too_many_attempts', 'x', [], 300))).toContain('5分待って');
  });

  it('says a wrong code in Japanese', () => {
    expect(errorText(new ApiError(422, 'totp_wrong', 'code: wrong'))).toContain('確認コードが違う');
    expect(errorText(new ApiError(401, 'totp_failed', 'x'))).toContain('確認コードが違う');
  });
});
