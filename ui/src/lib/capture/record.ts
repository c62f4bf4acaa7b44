/**
 * The applicant record on screen: an empty one, which steps a record has, which fields each
 * step owns, and how the cleaned record from the Rust side is merged back without losing what
 * staff typed into a field the rules refused.
 */
import type { ApplicantRecord, FieldIssue, Mode, RecordCheck } from '../bindings';

export type StepKey =
  | 'id'
  | 'name'
  | 'birth'
  | 'address'
  | 'options'
  | 'representative'
  | 'identity'
  | 'mailing'
  | 'photo'
  | 'notes'
  | 'review';

export const STEP_TITLES: Record<StepKey, string> = {
  id: '申請書ID',
  name: '氏名・フリガナ',
  birth: '生年月日・性別',
  address: '住所・電話番号',
  options: '電子証明書など',
  representative: '法定代理人',
  identity: '本人確認書類',
  mailing: '郵送の条件',
  photo: '顔写真',
  notes: '備考',
  review: '内容の確認',
};

/** The fields (JSON paths or their prefixes) each step answers for. */
const STEP_FIELDS: Record<StepKey, string[]> = {
  id: ['applicationId'],
  name: ['name', 'kana'],
  birth: ['birthDate', 'sex'],
  address: ['postalCode', 'address', 'phone'],
  options: [],
  representative: ['representative.'],
  identity: ['identity.'],
  mailing: ['mailing.'],
  photo: [],
  notes: ['notes'],
  review: [],
};

export function emptyRecord(): ApplicantRecord {
  return {
    format: 'outreach-record/1',
    trip: null,
    applicationId: '',
    applicationIdSource: null,
    name: '',
    kana: '',
    birthDate: null,
    sex: null,
    postalCode: '',
    address: '',
    phone: '',
    certificates: { signature: true, userAuth: true },
    braille: false,
    faceAuthCard: false,
    adultWard: false,
    representative: null,
    identity: null,
    mailing: null,
    delivery: null,
    counterReasons: [],
    photo: null,
    notes: '',
  };
}

/** The steps of a record taken in `mode`; the 法定代理人 step only when the rules ask for one. */
export function stepsFor(mode: Mode, needsRepresentative: boolean): StepKey[] {
  const steps: StepKey[] = ['id', 'name', 'birth', 'address', 'options'];
  if (needsRepresentative) {
    steps.push('representative');
  }
  if (mode === 'uketsuke') {
    steps.push('identity', 'mailing');
  }
  steps.push('photo', 'notes', 'review');
  return steps;
}

/** True when `issue` belongs to `step`. */
export function belongsTo(issue: FieldIssue, step: StepKey): boolean {
  return STEP_FIELDS[step].some((f) => (f.endsWith('.') ? issue.field.startsWith(f) : issue.field === f));
}

/** Problems that keep staff on `step` (a warning never does). */
export function blocking(check: RecordCheck | null, step: StepKey): FieldIssue[] {
  return (check?.checked.issues ?? []).filter((i) => i.kind !== 'warning' && belongsTo(i, step));
}

/** The message for one field, if any. */
export function messageFor(check: RecordCheck | null, field: string): string | null {
  const issue = check?.checked.issues.find((i) => i.field === field);
  return issue === undefined ? null : issue.message;
}

const TEXT_FIELDS = ['name', 'kana', 'postalCode', 'address', 'phone', 'notes'] as const;

/**
 * The record staff keep working on after a check: the cleaned values (katakana, folded digits,
 * derived fields) replace what was typed, except in a field the rules refused, which keeps what
 * was typed so nothing entered is lost.
 */
export function merge(typed: ApplicantRecord, check: RecordCheck): ApplicantRecord {
  const cleaned = check.checked.record;
  const refused = new Set(check.checked.issues.filter((i) => i.kind === 'invalid').map((i) => i.field));
  const out: ApplicantRecord = { ...cleaned };
  for (const field of TEXT_FIELDS) {
    if (refused.has(field)) {
      out[field] = typed[field];
    }
  }
  if (refused.has('applicationId')) {
    out.applicationId = typed.applicationId;
  }
  if (typed.representative !== null && out.representative !== null) {
    for (const field of ['name', 'kana', 'relationshipNote'] as const) {
      if (refused.has(`representative.${field}`)) {
        out.representative = { ...out.representative, [field]: typed.representative[field] };
      }
    }
  }
  return out;
}

/** A 23-digit ID typed twice: the two entries must agree (spaces and full-width digits aside). */
export function sameId(a: string, b: string): boolean {
  const digits = (s: string): string =>
    s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[^0-9]/g, '');
  return digits(a) !== '' && digits(a) === digits(b);
}
