import { describe, expect, it } from 'vitest';
import { detailLines } from './detail';

describe('detailLines', () => {
  it('reads an old record without the new blocks', () => {
    const lines = detailLines({ name: '太田 花子', applicationId: 12 });
    expect(lines.map((l) => l.label)).toEqual(['氏名', '生年月日', '住所', '電話番号']);
    expect(lines.some((l) => l.doubtful)).toBe(false);
  });

  it('flags an unmet document rule, failed mailing conditions and a photo exception', () => {
    const lines = detailLines({
      name: 'x',
      identity: { documents: ['健康保険証'], ruleName: '標準', satisfied: false, missing: 'B書類があと1点' },
      mailing: { inPerson: true, noForwarding: false, noMovePlanned: true, pinConsent: true, pinRequestReceived: true, oldCard: 'lost' },
      photo: { exception: 'infant', retakes: 2, warnings: ['影'], failures: [] },
    });
    const doubtful = lines.filter((l) => l.doubtful).map((l) => l.label);
    expect(doubtful).toEqual(['本人確認', '郵送の条件', '写真の例外', '写真の指摘']);
    expect(lines.find((l) => l.label === '郵送の条件')?.value).toBe('満たさない: 転送届なし');
    expect(lines.find((l) => l.label === '旧カード')?.value).toBe('紛失');
  });
});
