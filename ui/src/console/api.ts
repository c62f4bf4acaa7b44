/**
 * The console's one way to the office server: typed calls to `/api/v1/console/…` with the
 * session cookie. Errors arrive as `{code, message}` (ErrorBody) or, for a card import, with
 * each row's problem (ImportRejected). The types are generated from outreach-protocol
 * (`bindings.ts`).
 */

import type {
  AuditLog,
  DeviceList,
  EnrolmentIssued,
  StaffInfo,
  StaffList,
  CardBatch,
  ConsoleUser,
  CounterCase,
  ImportProblem,
  MailingList,
  PhoneEnquiry,
  RecordDetail,
  Report,
  Returned,
  ReviewItem,
  Tally,
  Trip,
  TripInput,
  TripSummary,
  Trail,
  TotpSetup,
  NoticeList,
  PickupBooking,
  PickupCalendar,
  PickupDay,
  PickupSearch,
  PickupSettings,
} from './bindings';

/** Which trail entries to show (`/trail`): all optional; dates are Japan days. */
export type TrailFilter = { staffId?: string; deviceId?: string; from?: string; to?: string };

export type {
  AuditEvent,
  TrailEntry,
  DeviceInfo,
  EnrolmentIssued,
  StaffInfo,
  CardBatch,
  ConsoleUser,
  CounterCase,
  ImportProblem,
  MailingList,
  PhoneEnquiry,
  RecordDetail,
  Report,
  ReportCell,
  ReportSection,
  Returned,
  ReturnedContact,
  ReviewItem,
  Trip,
  TripInput,
  TripSummary,
  TotpSetup,
  NoticeList,
  PickupBooking,
  PickupCalendar,
  PickupDay,
  PickupDayInfo,
  PickupListEntry,
  PickupResident,
  PickupSearch,
  PickupSettings,
  PickupSlot,
} from './bindings';

/**
 * A refusal from the server, with the row problems of an import when there are any, and the
 * seconds to wait (`Retry-After`) of a 429 or 503.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: ImportProblem[] = [],
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** `Retry-After` in seconds (the server sends seconds, never a date); null when absent. */
function retryAfter(response: Response): number | null {
  const s = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return Number.isFinite(s) && s >= 0 ? s : null;
}

const BASE = '/api/v1/console';

async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers = { 'Content-Type': contentType };
    init.body = contentType === 'application/json' ? JSON.stringify(body) : (body as BodyInit);
  }
  let response: Response;
  try {
    response = await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0, 'offline', '事務所サーバーに接続できません。');
  }
  if (response.status === 204) {
    return undefined as T;
  }
  const data: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const e = data as { code?: string; message?: string; problems?: ImportProblem[] };
    throw new ApiError(
      response.status,
      e.code ?? 'error',
      e.message ?? `HTTP ${response.status}`,
      e.problems ?? [],
      retryAfter(response),
    );
  }
  return data as T;
}

/** A call whose answer is a file (the notices' PDF): the bytes, or the refusal as for {@link call}. */
async function callBlob(method: string, path: string, body: unknown): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(BASE + path, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'offline', '事務所サーバーに接続できません。');
  }
  if (!response.ok) {
    const e = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, e.code ?? 'error', e.message ?? `HTTP ${response.status}`);
  }
  return response.blob();
}

const q = (params: Record<string, string | undefined>): string => {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return entries.length === 0 ? '' : '?' + new URLSearchParams(entries).toString();
};

export const api = {
  me: () => call<ConsoleUser>('GET', '/session'),
  /** A 401 `totp_required` asks for the second step: the same call with `totpCode`. */
  signIn: (staffId: string, password: string, totpCode?: string) =>
    call<ConsoleUser>('POST', '/session', totpCode === undefined ? { staffId, password } : { staffId, password, totpCode }),
  signOut: () => call<void>('DELETE', '/session'),
  totpBegin: () => call<TotpSetup>('POST', '/session/totp'),
  totpConfirm: (code: string) => call<void>('POST', '/session/totp/confirm', { code }),
  totpRemove: () => call<void>('DELETE', '/session/totp'),
  staff: () => call<StaffList>('GET', '/staff'),
  addStaff: (s: { staffId: string; name: string; role: string; password: string }) => call<StaffInfo>('POST', '/staff', s),
  disableStaff: (id: string) => call<void>('POST', `/staff/${encodeURIComponent(id)}/disable`),
  devices: () => call<DeviceList>('GET', '/devices'),
  enrol: (deviceName: string) => call<EnrolmentIssued>('POST', '/enrolments', { deviceName }),
  revoke: (id: string) => call<void>('POST', `/devices/${encodeURIComponent(id)}/revoke`),
  audit: (limit = 100) => call<AuditLog>('GET', `/audit?limit=${limit}`),
  trail: (f: TrailFilter) => call<Trail>('GET', '/trail' + q(f)),
  trailFileUrl: (f: TrailFilter) => `${BASE}/trail/file` + q(f),
  trips: (from?: string, to?: string) => call<{ trips: TripSummary[] }>('GET', '/trips' + q({ from, to })),
  createTrip: (t: TripInput) => call<Trip>('POST', '/trips', t),
  updateTrip: (id: string, t: TripInput) => call<Trip>('PUT', `/trips/${encodeURIComponent(id)}`, t),
  review: (p: { tripId?: string; flagged?: boolean; from?: string; to?: string }) =>
    call<{ items: ReviewItem[] }>(
      'GET',
      '/review' + q({ tripId: p.tripId, from: p.from, to: p.to, flagged: p.flagged ? 'true' : undefined }),
    ),
  record: (id: string) => call<RecordDetail>('GET', `/records/${encodeURIComponent(id)}`),
  setStage: (id: string, stage: string) => call<void>('POST', `/records/${encodeURIComponent(id)}/stage`, { stage }),
  photoUrl: (sha256: string) => `${BASE}/photos/${sha256}`,
  batches: () => call<{ batches: CardBatch[] }>('GET', '/card-batches'),
  addBatch: (label: string, deliveredOn: string, applicationIds: string[], storage = '') =>
    call<CardBatch>('POST', '/card-batches', { label, deliveredOn, applicationIds, storage }),
  importBatch: (label: string, deliveredOn: string, csv: Blob, storage = '') =>
    call<CardBatch>('POST', '/card-batches/import' + q({ label, deliveredOn, storage }), csv, 'text/csv'),
  mailing: (id: string) => call<MailingList>('GET', `/card-batches/${encodeURIComponent(id)}/mailing`),
  mailingFileUrl: (id: string) => `${BASE}/card-batches/${encodeURIComponent(id)}/mailing/file`,
  mailed: (id: string, mailedOn: string) => call<void>('POST', `/card-batches/${encodeURIComponent(id)}/mailed`, { mailedOn }),
  returned: () => call<{ items: Returned[] }>('GET', '/returned'),
  addReturned: (r: { applicationId: string; reason: string; returnedOn: string; note: string }) =>
    call<Returned>('POST', '/returned', r),
  addContact: (id: string, c: { contactedAt: string; outcome: string; nextStep: string }) =>
    call<void>('POST', `/returned/${encodeURIComponent(id)}/contacts`, c),
  resolve: (id: string, resolution: string, resolvedOn: string) =>
    call<void>('POST', `/returned/${encodeURIComponent(id)}/resolve`, { resolution, resolvedOn }),
  tally: (date: string) => call<Tally>('GET', '/tally' + q({ date })),
  addCounter: (c: { onDate: string; place: string; kind: string; detail: string; count: number }) =>
    call<CounterCase>('POST', '/counter-cases', c),
  deleteCounter: (id: string) => call<void>('DELETE', `/counter-cases/${encodeURIComponent(id)}`),
  deletePhone: (id: string) => call<void>('DELETE', `/phone-enquiries/${encodeURIComponent(id)}`),
  addPhone: (p: { onDate: string; topic: string; answer: string }) => call<PhoneEnquiry>('POST', '/phone-enquiries', p),
  notices: (batchId: string) => call<NoticeList>('GET', `/card-batches/${encodeURIComponent(batchId)}/notices`),
  printNotices: (batchId: string, sentOn: string, applicationIds: string[] = []) =>
    callBlob('POST', `/card-batches/${encodeURIComponent(batchId)}/notices`, { sentOn, applicationIds }),
  pickupSettings: () => call<PickupSettings>('GET', '/pickup/settings'),
  savePickupSettings: (s: PickupSettings) => call<PickupSettings>('PUT', '/pickup/settings', s),
  pickupCalendar: (from: string, to: string) => call<PickupCalendar>('GET', '/pickup/calendar' + q({ from, to })),
  findResidents: (p: { applicationId?: string; name?: string; birthDate?: string }) =>
    call<PickupSearch>('GET', '/pickup/residents' + q(p)),
  book: (applicationId: string, date: string, time: string, byPhone: boolean) =>
    call<PickupBooking>('POST', '/pickup/bookings', { applicationId, date, time, byPhone }),
  moveBooking: (id: string, date: string, time: string, byPhone: boolean) =>
    call<PickupBooking>('POST', `/pickup/bookings/${encodeURIComponent(id)}/move`, { date, time, byPhone }),
  cancelBooking: (id: string, byPhone: boolean) =>
    call<PickupBooking>('POST', `/pickup/bookings/${encodeURIComponent(id)}/cancel`, { byPhone }),
  handover: (id: string) => call<PickupBooking>('POST', `/pickup/bookings/${encodeURIComponent(id)}/handover`),
  noShow: (id: string) => call<PickupBooking>('POST', `/pickup/bookings/${encodeURIComponent(id)}/no-show`),
  followUp: (id: string, note: string) => call<void>('POST', `/pickup/bookings/${encodeURIComponent(id)}/follow-up`, { note }),
  pickupDay: (date: string) => call<PickupDay>('GET', '/pickup/day' + q({ date })),
  report: (p: ReportParams) => call<Report>('GET', '/reports' + q({ ...p })),
  reportFileUrl: (p: ReportParams, format: string) => `${BASE}/reports/file` + q({ ...p, format }),
};

export interface ReportParams {
  kind: string;
  date?: string;
  month?: string;
  from?: string;
  to?: string;
}

/** Today in Japan as YYYY-MM-DD (the office's day, whatever the browser's zone). */
export function japanToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** An RFC 3339 time as the office reads it: Japan time, `YYYY-MM-DD HH:MM`. */
export function japanTime(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? rfc3339 : new Date(t + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

const FIELD: Record<string, string> = {
  siteName: '会場',
  siteAddress: '会場住所',
  tripDate: '日付',
  expectedCount: '予定人数',
  staffIds: '担当職員ID',
  label: '便名',
  deliveredOn: '納品日',
  storage: '保管場所',
  mailedOn: '発送日',
  applicationId: '申請書ID',
  returnedOn: '返戻日',
  note: '備考',
  contactedAt: '日時',
  outcome: '結果',
  nextStep: '次の対応',
  resolvedOn: '対応日',
  onDate: '日付',
  place: '窓口',
  detail: '内訳',
  count: '件数',
  topic: '内容',
  answer: '回答',
};

const CODE: Record<string, string> = {
  invalid_date: 'の日付は YYYY-MM-DD で入力してください。',
  invalid_text: 'の入力を確かめてください（必須、または長すぎます）。',
  my_number_refused: 'に個人番号（マイナンバー）と思われる数字があります。個人番号は入力できません。',
  invalid_application_id: 'は数字23桁です。',
  invalid_count: 'の数が範囲外です。',
  invalid_time: 'の日時を確かめてください。',
};

/** Refusals of the pickup desk, whatever their status: said as a person would. */
const WHOLE: Record<string, string> = {
  unknown_application: 'この申請書IDの申請は見つかりません。番号を確かめてください。',
  card_not_arrived: 'この方のカードはまだ届いていません。届いてから予約してください。',
  already_booked: 'この方はすでに予約があります。新しく予約せず、今の予約を変更してください。',
  already_issued: 'この方のカードはすでに交付済みです。',
  slot_full: 'この時間帯は満員です。別の時間を選んでください。',
  outside_hours: 'その時刻は予約枠ではありません。カレンダーから選んでください。',
  out_of_range: '予約できる期間（今日から設定の日数まで）の外です。',
  not_open: 'この予約はすでに終わっています（交付・取消・変更済み）。画面を更新してください。',
  not_yet: '予約日がまだ来ていないため「来庁なし」にはできません。',
  not_no_show: '「来庁なし」の予約にだけ連絡記録を残せます。',
  nothing_to_print: '未送付の通知書はありません（再印刷は1件ずつ選んでください）。',
  not_in_batch: 'この便の窓口受取の対象ではありません。',
  password_too_short: 'パスワードは10文字以上にしてください。',
  password_holds_staff_id: 'パスワードに職員IDを含めないでください。',
  password_guessable:
    'このパスワードは推測されやすいため使えません（よく使われるもの、キーボードの並び、同じ文字や連続した文字、名前や単語＋数字など）。長めの文にしてください。',
  busy: 'サーバーが混み合っています。数秒待ってからもう一度試してください。',
  totp_wrong: '確認コードが違うか、すでに使われています。認証アプリに今表示されている6桁を入力してください。',
  totp_failed: '確認コードが違うか、すでに使われています。認証アプリに今表示されている6桁を入力してください。',
  totp_enabled: '二段階認証はすでに有効です。画面を再読み込みしてください。',
  cross_site_refused: '別のサイトからの操作は受け付けません。コンソールの画面から操作してください。',
  host_not_in_certificate:
    'このアドレスはサーバーの証明書に含まれていません。証明書にある名前（またはIPアドレス）でコンソールを開き直してください。',
};

/** 429 `too_many_attempts`: how long to wait, in whole minutes rounded up. */
export function tooManyAttempts(retryAfterSeconds: number | null): string {
  if (retryAfterSeconds === null) return 'サインインの失敗が続いたため、しばらく待ってからやり直してください。';
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `サインインの失敗が続いたため、いまは受け付けられません。${minutes}分待ってからやり直してください。`;
}

/** A refusal as office staff read it: Japanese, naming the field, never a stack of codes. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) {
    return e instanceof Error ? e.message : String(e);
  }
  if (e.code === 'closed_day') {
    const why = /\((.+)\)/.exec(e.message)?.[1];
    return `その日${why !== undefined ? `（${why}）` : ''}は窓口が休みです。別の日を選んでください。`;
  }
  if (e.code === 'invalid_settings') return `設定を保存できません: ${e.message}`;
  const whole = WHOLE[e.code];
  if (whole !== undefined) return whole;
  if (e.status === 401) return 'サインインの有効期限が切れました。ページを再読み込みしてサインインし直してください。';
  if (e.status === 403) return 'この操作は管理者だけが行えます。';
  if (e.status === 429) return tooManyAttempts(e.retryAfter);
  if (e.status === 404) return '対象が見つかりません。画面を再読み込みしてください。';
  if (e.status === 409) return 'すでに登録されています。';
  if (e.code === 'offline') return e.message;
  const field = /^([A-Za-z]+):/.exec(e.message)?.[1];
  const suffix = CODE[e.code];
  if (suffix !== undefined) return `${field !== undefined ? (FIELD[field] ?? field) : '入力'}${suffix}`;
  if (e.status >= 500) return '事務所サーバーで問題が起きました。しばらくしてからもう一度試してください。';
  return e.message;
}
