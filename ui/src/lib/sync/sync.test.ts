import { describe, expect, it } from 'vitest';
import { syncStatusFixture as status } from './fixtures';
import {
  formatBytes,
  formatSpeed,
  outboxRows,
  phaseLine,
  progressFraction,
  reasonText,
  switchOff,
  waitingCount,
} from './sync';

const OUTBOX = { queued: 2, sending: 1, awaitingConfirmation: 1, sent: 5, failed: 1 };

describe('formatBytes and formatSpeed', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [307_200, '300.0 KB'],
    [1_572_864, '1.5 MB'],
  ])('%d bytes read as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('gives speeds per second', () => {
    expect(formatSpeed(629_146)).toBe('614.4 KB/秒');
  });
});

describe('switchOff', () => {
  it('cannot say before the outbox is known', () => {
    expect(switchOff(null).tone).toBe('unknown');
    expect(switchOff(status({ outbox: null })).text).toBe('送信の状況はサインイン後に表示します。');
  });

  it('says the tablet may be switched off when the office holds everything', () => {
    const line = switchOff(status({ outbox: { ...OUTBOX, queued: 0, sending: 0, awaitingConfirmation: 0, failed: 0 } }));
    expect(line).toEqual({ tone: 'safe', text: 'すべての記録が事務所に届いています。電源を切っても大丈夫です。' });
  });

  it('says there is nothing to send on a fresh tablet', () => {
    expect(switchOff(status()).text).toBe('送信する記録はありません。電源を切っても大丈夫です。');
  });

  it('counts what the office does not hold yet, failures included, and says the data is safe anyway', () => {
    const line = switchOff(status({ outbox: OUTBOX }));
    expect(waitingCount(OUTBOX)).toBe(5);
    expect(line.tone).toBe('waiting');
    expect(line.text).toContain('まだ届いていない記録が5件');
    expect(line.text).toContain('電源を切っても失われません');
  });
});

describe('phaseLine', () => {
  it('names the engine step while syncing', () => {
    expect(phaseLine(status({ phase: 'syncing', activity: '写真を送信中' }))).toBe('送信しています…（写真を送信中）');
  });

  it('says when it tries again while the office cannot be reached', () => {
    expect(phaseLine(status({ phase: 'offline', nextAttemptSeconds: 12 }))).toBe(
      '事務所サーバーに接続できません。つながりしだい自動で送信します。12秒後にもう一度試します。',
    );
  });

  it('does not promise a retry where none helps', () => {
    expect(phaseLine(status({ phase: 'revoked', nextAttemptSeconds: 60 }))).toBe('この端末の登録は事務所で取り消されました。');
  });
});

describe('outboxRows', () => {
  it('lists the five states in the order a record moves through them', () => {
    expect(outboxRows(OUTBOX).map((r) => `${r.label}:${r.count}`)).toEqual([
      '送信待ち:2',
      '送信中:1',
      '受領確認待ち:1',
      '送信済み:5',
      '失敗:1',
    ]);
  });
});

describe('reasonText', () => {
  it('says known office codes in Japanese and names unknown ones', () => {
    expect(reasonText('my_number_refused')).toContain('個人番号');
    expect(reasonText('office_conflict')).toContain('競合');
    expect(reasonText('batch_size')).toBe('事務所が受け付けませんでした（batch_size）。');
  });
});

describe('progressFraction', () => {
  it('follows the bytes when photos go up, else the records, else nothing', () => {
    expect(progressFraction(status({ bytesTotal: 400, bytesDone: 100, itemsTotal: 4, itemsSent: 3 }))).toBe(0.25);
    expect(progressFraction(status({ itemsTotal: 4, itemsSent: 3 }))).toBe(0.75);
    expect(progressFraction(status())).toBeNull();
  });
});
