-- The office's own work after the trips: each application's national stage, card
-- batches delivered by J-LIS and the cards in them, returned mail (返戻物) with its
-- phone contacts, and the counter and phone tallies the reports count. People are
-- named by record ID and 申請書ID only. Dates a person enters are YYYY-MM-DD (Japan).
CREATE TABLE record_stages (
    record_id  TEXT PRIMARY KEY NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('received', 'shipped', 'preissue', 'issued')),
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);

CREATE TABLE card_batches (
    batch_id     TEXT PRIMARY KEY NOT NULL,
    label        TEXT NOT NULL,
    delivered_on TEXT NOT NULL,
    mailed_on    TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- A card arrives once: its 申請書ID is the key.
CREATE TABLE card_arrivals (
    application_id TEXT PRIMARY KEY NOT NULL,
    batch_id       TEXT NOT NULL REFERENCES card_batches (batch_id),
    record_id      TEXT
);
CREATE INDEX card_arrivals_by_batch ON card_arrivals (batch_id);

CREATE TABLE returned_mail (
    returned_id    TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL,
    record_id      TEXT,
    reason         TEXT NOT NULL CHECK (reason IN ('unclaimed', 'moved', 'unknown', 'other')),
    returned_on    TEXT NOT NULL,
    destroy_on     TEXT NOT NULL,
    note           TEXT NOT NULL,
    resolution     TEXT CHECK (resolution IN ('redelivered', 'collected', 'destroyed')),
    resolved_on    TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX returned_mail_by_date ON returned_mail (returned_on);

CREATE TABLE returned_contacts (
    returned_id  TEXT NOT NULL REFERENCES returned_mail (returned_id),
    seq          BIGINT NOT NULL,
    contacted_at TEXT NOT NULL,
    staff_id     TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    next_step    TEXT NOT NULL,
    PRIMARY KEY (returned_id, seq)
);

CREATE TABLE counter_cases (
    case_id    TEXT PRIMARY KEY NOT NULL,
    on_date    TEXT NOT NULL,
    place      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('issue_support', 'other')),
    detail     TEXT NOT NULL,
    count      BIGINT NOT NULL CHECK (count >= 1),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX counter_cases_by_date ON counter_cases (on_date);

CREATE TABLE phone_enquiries (
    enquiry_id TEXT PRIMARY KEY NOT NULL,
    on_date    TEXT NOT NULL,
    topic      TEXT NOT NULL,
    answer     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX phone_enquiries_by_date ON phone_enquiries (on_date);

CREATE INDEX records_by_trip ON records (trip_id);
