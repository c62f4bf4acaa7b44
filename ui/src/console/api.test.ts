import { describe, expect, it } from 'vitest';
import { ApiError, errorText, japanTime, japanToday } from './api';

describe('Japan dates', () => {
  it('gives the office day, not the browser zone day', () => {
    expect(japanToday(new Date('2026-11-25T15:30:00Z'))).toBe('2026-11-26');
    expect(japanToday(new Date('2026-11-25T14:59:00Z'))).toBe('2026-11-25');
  });

  it('shows stored UTC times in Japan time', () => {
    expect(japanTime('2026-11-27T01:15:00.000Z')).toBe('2026-11-27 10:15');
    expect(japanTime('not a time')).toBe('not a time');
  });
});

describe('errorText', () => {
  it('names the field in Japanese', () => {
    expect(errorText(new ApiError(422, 'invalid_text', 'siteName: required'))).toBe(
      '会場の入力を確かめてください（必須、または長すぎます）。',
    );
    expect(errorText(new ApiError(422, 'my_number_refused', 'answer: this looks like a 個人番号'))).toContain('回答に個人番号');
  });

  it('turns statuses into what staff should do', () => {
    expect(errorText(new ApiError(401, 'session_missing', 'sign in'))).toContain('サインインし直して');
    expect(errorText(new ApiError(503, 'storage_unavailable', 'x'))).toContain('しばらくしてから');
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText(new ApiError(422, 'password_guessable', 'too easy'))).toContain('推測されやすい');
    expect(errorText(new ApiError(503, 'busy', 'x'))).toContain('混み合って');
    expect(errorText(new ApiError(403, 'cross_site_refused', 'x'))).toContain('別のサイト');
  });
});
