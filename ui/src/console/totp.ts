/**
 * The two-step sign-in's small rules, in one place for the sign-in and the settings screen:
 * what a typed code becomes, and how the secret is shown for typing into an app by hand.
 */

/**
 * A code as typed: full-width digits (a Japanese IME) made ASCII, spaces and hyphens dropped
 * (apps show `123 456`). Anything else is left for the server to refuse.
 */
export function normalizeCode(typed: string): string {
  return typed
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[\s\-－]/g, '');
}

/** Whether `code` (normalized) has the shape of a TOTP code: six digits. */
export function isCode(code: string): boolean {
  return /^[0-9]{6}$/.test(code);
}

/** The base32 secret in groups of four, as authenticator apps accept it typed. */
export function groupSecret(secret: string): string {
  return (secret.replace(/=+$/, '').match(/.{1,4}/g) ?? []).join(' ');
}
