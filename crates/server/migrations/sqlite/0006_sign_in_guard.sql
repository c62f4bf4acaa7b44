-- Guards on staff sign-in (issue 24).

-- Failed password checks counted per key (`id:<staff ID>`, `ip:<address>`, `all`) in a
-- fixed window: a check reserves its failure here before Argon2 runs, so parallel
-- guesses cannot all get through, and the count survives a restart and is shared by
-- every server process on the database.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    window_start TEXT NOT NULL
) STRICT;

-- When a console session was last used (written at most once a minute), for the idle
-- timeout beside the absolute lifetime. NULL: not used since it was made.
ALTER TABLE console_sessions ADD COLUMN last_used_at TEXT;

-- The client address of the request that did it (NULL for the server's own work and
-- the command line).
ALTER TABLE audit_events ADD COLUMN client TEXT;

-- A supervisor's TOTP second factor (RFC 6238): the base32 secret, when it was
-- confirmed (NULL while set-up waits for a first code), and the last time step a code
-- was accepted for, so a code is accepted once.
CREATE TABLE staff_totp (
    staff_id     TEXT PRIMARY KEY NOT NULL REFERENCES staff (staff_id),
    secret       TEXT NOT NULL,
    confirmed_at TEXT,
    last_step    INTEGER NOT NULL DEFAULT 0
) STRICT;
