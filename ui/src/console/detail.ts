/**
 * What the review panel shows of a record's payload, read tolerantly (old records lack
 * blocks; a missing field is shown as 不明, never an error).
 */
export interface DetailLine {
  label: string;
  value: string;
  /** Something a reviewer must look at. */
  doubtful: boolean;
}

const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const yes = (v: unknown): string => (v === true ? 'はい' : v === false ? 'いいえ' : '不明');

const MAILING: [string, string][] = [
  ['inPerson', '本人来場'],
  ['noForwarding', '転送届なし'],
  ['noMovePlanned', '転居予定なし'],
  ['pinConsent', '暗証番号設定の同意'],
  ['pinRequestReceived', '暗証番号設定依頼書の受領'],
];

const EXCEPTION: Record<string, string> = { infant: '乳幼児', disability: '障害・寝たきり', headCovering: '宗教・医療上の被り物' };
const OLD_CARD: Record<string, string> = { returned: '返納', lost: '紛失', none: 'なし' };
const RELATION: Record<string, string> = { parent: '親権者', guardian: '後見人', other: 'その他' };

/** Document codes as the tablet stores them (outreach-domain's documents table). */
const DOCUMENT: Record<string, string> = {
  myNumberCard: 'マイナンバーカード',
  jukiCardWithPhoto: '写真付き住基カード',
  driversLicence: '運転免許証',
  drivingHistory: '運転経歴証明書',
  passport: '旅券',
  physicalDisability: '身体障害者手帳',
  mentalDisability: '精神障害者保健福祉手帳',
  ryoiku: '療育手帳',
  residenceCard: '在留カード',
  specialPermanent: '特別永住者証明書',
  temporaryRefuge: '一時庇護許可書',
  provisionalStay: '仮滞在許可書',
  healthInsurance: '健康保険の資格確認書・保険証',
  medicalCertificate: '医療受給者証',
  pension: '年金手帳・年金証書',
  bankbook: '預金通帳',
  employeeId: '社員証',
  studentId: '学生証',
  licence: '各種免状',
  photoCertificate: '個人番号カード顔写真証明書',
  notificationCard: '通知カード・個人番号通知書',
};

/** Why a record became 窓口受取 (outreach-domain's CounterReason codes). */
const COUNTER_REASON: Record<string, string> = {
  supportMode: '出張申請サポート',
  identityNotMet: '本人確認書類が規定に不足',
  notInPerson: '本人が来場していない',
  forwarding: '転送届あり',
  movePlanned: '転居予定あり',
  noPinConsent: '暗証番号設定の同意なし',
  oldCardKept: '旧カードの返納・紛失届なし',
  noPinRequest: '暗証番号設定依頼書なし',
  relationshipProofMissing: '法定代理人の関係書類なし',
};

const docs = (v: unknown): string => list(v).map((d) => DOCUMENT[d] ?? d).join('・');

/** The lines of the review panel for one payload. */
export function detailLines(payload: Record<string, unknown>): DetailLine[] {
  const lines: DetailLine[] = [];
  const add = (label: string, value: string, doubtful = false) => lines.push({ label, value, doubtful });
  add('氏名', `${str(payload['name'])}（${str(payload['kana'])}）`);
  add('生年月日', str(payload['birthDate']) || '不明');
  add('住所', `${str(payload['postalCode'])} ${str(payload['address'])}`.trim() || '不明');
  add('電話番号', str(payload['phone']) || '—');
  const identity = obj(payload['identity']);
  if (identity) {
    const ok = identity['satisfied'] === true;
    add(
      '本人確認',
      `${docs(identity['documents']) || '書類なし'}（${str(identity['ruleName'])}）${ok ? '' : ` ${str(identity['missing'])}`}`,
      !ok,
    );
  }
  const mailing = obj(payload['mailing']);
  if (mailing) {
    const failed = MAILING.filter(([k]) => mailing[k] !== true).map(([, label]) => label);
    add('郵送の条件', failed.length === 0 ? 'すべて満たす' : `満たさない: ${failed.join('、')}`, failed.length > 0);
    add('旧カード', OLD_CARD[str(mailing['oldCard'])] ?? '不明');
  }
  const delivery = str(payload['delivery']);
  if (delivery === 'counter') {
    const reasons = list(payload['counterReasons']).map((r) => COUNTER_REASON[r] ?? r);
    add('受取方法', `窓口受取${reasons.length > 0 ? `（${reasons.join('、')}）` : ''}`, true);
  } else if (delivery === 'mail') {
    add('受取方法', '郵送');
  }
  const rep = obj(payload['representative']);
  if (rep) {
    add(
      '法定代理人',
      `${str(rep['name'])}（${RELATION[str(rep['relationship'])] ?? '不明'}） 書類: ${docs(rep['documents']) || 'なし'}`,
      str(rep['relationshipProof']) === 'missing',
    );
  }
  const photo = obj(payload['photo']);
  if (photo) {
    const exception = str(photo['exception']);
    if (exception) add('写真の例外', EXCEPTION[exception] ?? exception, true);
    const problems = [...list(photo['failures']), ...list(photo['warnings'])];
    if (problems.length > 0) add('写真の指摘', problems.join('、'), true);
    add('撮り直し', `${typeof photo['retakes'] === 'number' ? photo['retakes'] : 0}回`);
  }
  const certs = obj(payload['certificates']);
  if (certs) add('電子証明書', `署名用 ${yes(certs['signature'])}・利用者証明用 ${yes(certs['userAuth'])}`);
  const notes = str(payload['notes']);
  if (notes) add('備考', notes);
  return lines;
}
