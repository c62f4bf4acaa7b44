/** Pure sign-in form logic: ID normalisation and validation. No I/O. */
import type { SignInRequest } from '../bindings';
import { t } from '../i18n/ja';

/** Longest staff ID the office issues. */
export const STAFF_ID_MAX_LENGTH = 32;

const STAFF_ID_CHARACTERS = /^[A-Za-z0-9._-]+$/;
const FULL_WIDTH_ASCII = /[\uFF01-\uFF5E]/g;
const FULL_WIDTH_OFFSET = 0xfee0;
// A Japanese IME turns the hyphen key into the long-vowel mark (ー, or ｰ in half-width kana) or
// another dash; in an ID made of ASCII they can only mean "-".
const DASH_LIKE = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30FC\uFF70]/g;

/**
 * Folds what a Japanese IME produces back to ASCII: full-width ASCII (U+FF01–U+FF5E) to its
 * half-width form, dash-like marks to "-", then trims (including the ideographic space U+3000).
 */
export function normaliseStaffId(raw: string): string {
  return raw
    .replace(FULL_WIDTH_ASCII, (ch) => String.fromCharCode(ch.charCodeAt(0) - FULL_WIDTH_OFFSET))
    .replace(DASH_LIKE, '-')
    .trim();
}

/** The message to show for a normalised staff ID, or `null` when it is acceptable. */
export function staffIdError(staffId: string): string | null {
  if (staffId.length === 0) {
    return t.validation.staffIdRequired;
  }
  if (!STAFF_ID_CHARACTERS.test(staffId)) {
    return t.validation.staffIdCharacters;
  }
  if (staffId.length > STAFF_ID_MAX_LENGTH) {
    return t.validation.staffIdTooLong;
  }
  return null;
}

/** The message to show for a password, or `null` when it is present. Passwords are never altered. */
export function passwordError(password: string): string | null {
  return password.length === 0 ? t.validation.passwordRequired : null;
}

/** Field messages for a form that cannot be submitted yet. */
export type SignInErrors = { staffId: string | null; password: string | null };

/** Either a request ready for `signIn`, or the messages to show beside the fields. */
export type SignInForm = { ok: true; request: SignInRequest } | { ok: false; errors: SignInErrors };

/** Normalises and validates the form as typed. */
export function prepareSignIn(rawStaffId: string, password: string): SignInForm {
  const staffId = normaliseStaffId(rawStaffId);
  const errors: SignInErrors = { staffId: staffIdError(staffId), password: passwordError(password) };
  if (errors.staffId !== null || errors.password !== null) {
    return { ok: false, errors };
  }
  return { ok: true, request: { staffId, password } };
}
