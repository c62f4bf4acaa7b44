-- Tablets, their one-time enrolment codes, console sessions, the records and photos
-- that tablets send, tus uploads in progress, trips, and the server's audit trail.
-- Secrets (credentials, codes, session tokens) are stored as SHA-256 hashes only.
-- Timestamps are RFC 3339 UTC text with milliseconds, so text order is time order.
CREATE TABLE devices (
    device_id             TEXT PRIMARY KEY NOT NULL,
    name                  TEXT NOT NULL,
    credential_hash       TEXT NOT NULL UNIQUE,
    credential_expires_at TEXT NOT NULL,
    enrolled_at           TEXT NOT NULL,
    revoked_at            TEXT,
    last_seen_at          TEXT
);

CREATE TABLE enrolment_codes (
    code_hash   TEXT PRIMARY KEY NOT NULL,
    device_name TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT REFERENCES devices (device_id)
);

CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    staff_id   TEXT NOT NULL REFERENCES staff (staff_id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE records (
    record_id    TEXT NOT NULL,
    version      BIGINT NOT NULL CHECK (version >= 1),
    format       BIGINT NOT NULL,
    trip_id      TEXT NOT NULL,
    base_version BIGINT,
    amend_reason TEXT,
    created_by   TEXT NOT NULL,
    finalized_at TEXT NOT NULL,
    payload      TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices (device_id),
    received_at  TEXT NOT NULL,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE record_photos (
    record_id TEXT NOT NULL,
    version   BIGINT NOT NULL,
    role      TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    PRIMARY KEY (record_id, version, role),
    FOREIGN KEY (record_id, version) REFERENCES records (record_id, version)
);
CREATE INDEX record_photos_by_hash ON record_photos (sha256);

-- Content-addressed: a photo sent twice is stored once.
CREATE TABLE photos (
    sha256    TEXT PRIMARY KEY NOT NULL,
    bytes     BYTEA NOT NULL,
    size      BIGINT NOT NULL,
    stored_at TEXT NOT NULL
);

CREATE TABLE uploads (
    upload_id  TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (device_id),
    sha256     TEXT NOT NULL,
    length     BIGINT NOT NULL CHECK (length >= 0),
    received   BIGINT NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= length),
    metadata   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- The bytes of an unfinished upload, stored as they arrive.
CREATE TABLE upload_chunks (
    upload_id TEXT NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
    start     BIGINT NOT NULL,
    bytes     BYTEA NOT NULL,
    PRIMARY KEY (upload_id, start)
);

CREATE TABLE trips (
    trip_id        TEXT PRIMARY KEY NOT NULL,
    site_name      TEXT NOT NULL,
    site_address   TEXT NOT NULL,
    trip_date      TEXT NOT NULL,
    mode           TEXT NOT NULL CHECK (mode IN ('uketsuke', 'support')),
    expected_count BIGINT,
    staff_ids      TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX trips_by_date ON trips (trip_date);

CREATE TABLE audit_events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('staff', 'device', 'system')),
    actor_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL
);
