-- Office staff accounts. The login hash is for the web console only; the roster sent to
-- tablets carries the public key and the password-wrapped private key, never the hash.
CREATE TABLE staff (
    staff_id      TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('supervisor', 'staff')),
    password_hash TEXT NOT NULL,
    public_key    TEXT NOT NULL,
    key_wrap      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    disabled_at   TEXT
);
