import { describe, expect, it } from 'vitest';
import { japanTime, japanToday } from './api';

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
