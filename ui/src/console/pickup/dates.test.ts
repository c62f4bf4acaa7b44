import { describe, expect, it } from 'vitest';
import { addDays, dayLabel, postal } from './dates';

describe('pickup dates', () => {
  it('adds days across months and years', () => {
    expect(addDays('2026-11-26', 13)).toBe('2026-12-09');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
  it('says the day with its weekday', () => {
    expect(dayLabel('2026-11-26')).toBe('11/26（木）');
    expect(dayLabel('2027-01-03')).toBe('1/3（日）');
    expect(dayLabel('nonsense')).toBe('nonsense');
  });
  it('writes a postal code with its mark and hyphen', () => {
    expect(postal('3730853')).toBe('〒373-0853');
    expect(postal('373-0853')).toBe('〒373-0853');
    expect(postal('')).toBe('');
  });
});
