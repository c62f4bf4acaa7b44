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
      identity: { documents: ['healthInsurance'], ruleName: '標準', satisfied: false, missing: 'B書類があと1点' },
      delivery: 'counter',
      counterReasons: ['identityNotMet', 'forwarding'],
      mailing: { inPerson: true, noForwarding: false, noMovePlanned: true, pinConsent: true, pinRequestReceived: true, oldCard: 'lost' },
      photo: { exception: 'infant', retakes: 2, warnings: ['影'], failures: [] },
    });
    const doubtful = lines.filter((l) => l.doubtful).map((l) => l.label);
    expect(doubtful).toEqual(['本人確認', '郵送の条件', '受取方法', '写真の例外', '写真の指摘']);
    expect(lines.find((l) => l.label === '本人確認')?.value).toBe('健康保険の資格確認書・保険証（標準） B書類があと1点');
    expect(lines.find((l) => l.label === '受取方法')?.value).toBe('窓口受取（本人確認書類が規定に不足、転送届あり）');
    expect(lines.find((l) => l.label === '郵送の条件')?.value).toBe('満たさない: 転送届なし');
    expect(lines.find((l) => l.label === '旧カード')?.value).toBe('紛失');
  });
});
