/**
 * Pure enrolment logic: reading the text of the office's QR code before anything is sent, so
 * staff hear at once when they pasted something else or an expired code. The Rust side checks
 * again; this only spares a round trip and shows where the tablet will connect.
 */
import type { EnrolRequest } from '../bindings';
import { t } from '../i18n/ja';
import { normaliseStaffId, passwordError, staffIdError, type SignInErrors } from '../signin/signin';

/** The value of `kind` in every enrolment code. */
export const ENROLMENT_KIND = 'outreach-enrolment';

/** What staff are shown about a code before they sign in with it. */
export type CodeSummary = { serverUrl: string; expiresAt: Date };

/** Either a usable code's summary, or the message to show. */
export type CodeCheck = { ok: true; summary: CodeSummary } | { ok: false; error: string };

/** Reads the pasted (or scanned) text of an enrolment QR code as of `now`. */
export function checkCode(text: string, now: Date): CodeCheck {
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    return { ok: false, error: t.enrol.codeRequired };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { ok: false, error: t.enrol.notACode };
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return { ok: false, error: t.enrol.notACode };
  }
  const code = parsed as Record<string, unknown>;
  const serverUrl = code.serverUrl;
  const pin = code.spkiPin;
  if (
    code.kind !== ENROLMENT_KIND ||
    typeof serverUrl !== 'string' ||
    !/^https?:\/\/\S+$/.test(serverUrl) ||
    typeof code.code !== 'string' ||
    code.code.length === 0 ||
    typeof code.expiresAt !== 'string' ||
    // An https server is trusted through its pin alone.
    (serverUrl.startsWith('https://') && typeof pin !== 'string')
  ) {
    return { ok: false, error: t.enrol.notACode };
  }
  const expiresAt = new Date(code.expiresAt);
  if (Number.isNaN(expiresAt.getTime())) {
    return { ok: false, error: t.enrol.notACode };
  }
  if (expiresAt.getTime() <= now.getTime()) {
    return { ok: false, error: t.enrol.expired };
  }
  return { ok: true, summary: { serverUrl, expiresAt } };
}

/** `11月26日 19:20` in Japan time (+09:00 all year), whatever the tablet's own time zone. */
export function japanTime(at: Date): string {
  const jst = new Date(at.getTime() + 9 * 3600 * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${jst.getUTCMonth() + 1}月${jst.getUTCDate()}日 ${two(jst.getUTCHours())}:${two(jst.getUTCMinutes())}`;
}

/** Either a request ready for `enrol`, or the messages to show beside the staff fields. */
export type EnrolForm = { ok: true; request: EnrolRequest } | { ok: false; errors: SignInErrors };

/** Normalises and validates the staff fields, as the sign-in screen does. */
export function prepareEnrol(codeText: string, rawStaffId: string, password: string): EnrolForm {
  const staffId = normaliseStaffId(rawStaffId);
  const errors: SignInErrors = { staffId: staffIdError(staffId), password: passwordError(password) };
  if (errors.staffId !== null || errors.password !== null) {
    return { ok: false, errors };
  }
  return { ok: true, request: { codeText: codeText.trim(), staffId, password } };
}
