import { describe, expect, it } from 'vitest';
import type { RecordCheck } from '../bindings';
import { blocking, emptyRecord, merge, sameId, stepsFor } from './record';

function checked(partial: Partial<RecordCheck['checked']>): RecordCheck {
  return {
    recordId: 'r1',
    duplicateApplicationId: false,
    checked: {
      record: emptyRecord(),
      issues: [],
      age: null,
      birthDisplay: null,
      needsRepresentative: false,
      identity: null,
      ready: false,
      ...partial,
    },
  };
}

describe('record steps', () => {
  it('asks for identity and mailing only in mode 受付, and for a representative only when needed', () => {
    expect(stepsFor('support', false)).toEqual(['id', 'name', 'birth', 'address', 'options', 'photo', 'notes', 'review']);
    const child = stepsFor('uketsuke', true);
    expect(child).toContain('representative');
    expect(child.indexOf('representative')).toBeLessThan(child.indexOf('identity'));
    expect(child).toContain('mailing');
  });

  it('keeps staff on a step only for its own errors and missing fields, never for a warning', () => {
    const check = checked({
      issues: [
        { field: 'kana', kind: 'invalid', message: 'x' },
        { field: 'representative.name', kind: 'missing', message: 'y' },
        { field: 'photo', kind: 'warning', message: 'z' },
      ],
    });
    expect(blocking(check, 'name').map((i) => i.field)).toEqual(['kana']);
    expect(blocking(check, 'representative').map((i) => i.field)).toEqual(['representative.name']);
    expect(blocking(check, 'photo')).toEqual([]);
  });
});

describe('merge', () => {
  it('takes the cleaned values but keeps what was typed in a refused field', () => {
    const typed = { ...emptyRecord(), name: '太田\u0007花子', kana: 'おおた はなこ', phone: '０２７６' };
    const cleaned = { ...emptyRecord(), name: '', kana: 'オオタ　ハナコ', phone: '' };
    const out = merge(
      typed,
      checked({
        record: cleaned,
        issues: [
          { field: 'name', kind: 'invalid', message: '制御文字' },
          { field: 'phone', kind: 'invalid', message: '電話番号' },
        ],
      }),
    );
    expect(out.kana).toBe('オオタ　ハナコ');
    expect(out.name).toBe('太田\u0007花子');
    expect(out.phone).toBe('０２７６');
  });
});

describe('sameId', () => {
  it('compares the digits only, full-width and spaced forms alike', () => {
    expect(sameId('１２３ 456', '123456')).toBe(true);
    expect(sameId('123', '124')).toBe(false);
    expect(sameId('', '')).toBe(false);
  });
});
