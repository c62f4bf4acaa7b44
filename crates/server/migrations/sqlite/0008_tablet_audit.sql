-- The tablets' own audit chains at the office (issue 18).

-- Every event a tablet sent from its hash-chained audit log, under the tablet it came
-- from (devices.tablet_id, or the device's own ID), with what the office found when it
-- checked the event against the chain it held: 'intact', 'gap' (events missing before
-- it) or 'changed' (its hash does not fit its fields and the event before). A flagged
-- event is kept, never dropped.
CREATE TABLE tablet_audit (
    tablet      TEXT NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    device_id   TEXT NOT NULL REFERENCES devices (device_id),
    at          TEXT NOT NULL,
    staff_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    chain       TEXT NOT NULL CHECK (chain IN ('intact', 'gap', 'changed')),
    received_at TEXT NOT NULL,
    PRIMARY KEY (tablet, seq)
) STRICT;

-- One person's trail, by time.
CREATE INDEX tablet_audit_staff ON tablet_audit (staff_id, at);
