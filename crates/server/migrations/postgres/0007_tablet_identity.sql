-- A tablet over a contract year (issue 18).

-- The tablet's stable identity: its vault's id, sent at enrolment. A tablet enrolled
-- again (its credential expired, the server re-keyed, a mistaken revoke) gets a new
-- device row with the same tablet_id, and the row it replaces names its successor,
-- so the tablet's records and their later versions stay its own. NULL for devices
-- enrolled before this migration (their own device_id is then their identity).
ALTER TABLE devices ADD COLUMN tablet_id TEXT;
ALTER TABLE devices ADD COLUMN replaced_by TEXT;

-- A renewed credential not yet used: the current one stays valid until the server
-- sees this one, so a renewal whose answer was lost on a bad link strands nothing.
ALTER TABLE devices ADD COLUMN next_credential_hash TEXT;
ALTER TABLE devices ADD COLUMN next_credential_expires_at TEXT;

CREATE INDEX devices_tablet ON devices (tablet_id);
CREATE UNIQUE INDEX devices_next_credential ON devices (next_credential_hash);
