//! The vault's schema: embedded, append-only migrations.
//!
//! The version lives in `PRAGMA user_version`, inside the encrypted file. Each step
//! runs in its own transaction together with the version bump, so a crash mid-way
//! leaves the previous version intact. Written here rather than taken from
//! rusqlite_migration, whose current release pins an older rusqlite and so a second
//! copy of the native SQLite library, which Cargo refuses.

use rusqlite::Connection;

use crate::VaultError;

/// The steps, oldest first. Append only: never edit or reorder a step that shipped.
pub(crate) const STEPS: &[&str] = &[
    // 1: facts about this vault (device id, creation time).
    "CREATE TABLE vault_meta (
         key   TEXT PRIMARY KEY NOT NULL,
         value TEXT NOT NULL
     ) STRICT;",
    // 2: the staff on this tablet's roster, and the hash-chained audit log.
    "CREATE TABLE staff (
         staff_id   TEXT PRIMARY KEY NOT NULL,
         name       TEXT NOT NULL,
         public_key BLOB NOT NULL CHECK (length(public_key) = 32),
         added_at   TEXT NOT NULL
     ) STRICT;
     CREATE TABLE audit_events (
         seq       INTEGER PRIMARY KEY NOT NULL,
         at        TEXT NOT NULL,
         staff_id  TEXT NOT NULL,
         action    TEXT NOT NULL,
         subject   TEXT NOT NULL,
         prev_hash BLOB NOT NULL,
         hash      BLOB NOT NULL
     ) STRICT;",
    // 3: trips, application-support records with versions, photos, the sync outbox.
    "CREATE TABLE trips (
         id             TEXT PRIMARY KEY NOT NULL,
         site_name      TEXT NOT NULL,
         site_address   TEXT NOT NULL,
         trip_date      TEXT NOT NULL,
         mode           TEXT NOT NULL CHECK (mode IN ('uketsuke', 'support')),
         expected_count INTEGER,
         origin         TEXT NOT NULL CHECK (origin IN ('office', 'tablet')),
         created_at     TEXT NOT NULL,
         created_by     TEXT NOT NULL
     ) STRICT;
     CREATE TABLE records (
         id           TEXT NOT NULL,
         version      INTEGER NOT NULL CHECK (version >= 1),
         trip_id      TEXT NOT NULL REFERENCES trips (id),
         state        TEXT NOT NULL CHECK (state IN ('draft', 'finalized', 'sent', 'purged')),
         payload      TEXT NOT NULL,
         content_hash BLOB,
         base_version INTEGER,
         amend_reason TEXT,
         created_at   TEXT NOT NULL,
         created_by   TEXT NOT NULL,
         finalized_at TEXT,
         PRIMARY KEY (id, version),
         CHECK ((version = 1) = (base_version IS NULL)),
         CHECK ((base_version IS NULL) = (amend_reason IS NULL)),
         CHECK ((state = 'draft') = (content_hash IS NULL))
     ) STRICT;
     CREATE INDEX records_by_trip ON records (trip_id);
     CREATE TABLE photos (
         sha256     BLOB PRIMARY KEY NOT NULL CHECK (length(sha256) = 32),
         bytes      BLOB NOT NULL,
         media_type TEXT NOT NULL,
         created_at TEXT NOT NULL
     ) STRICT;
     CREATE TABLE record_photos (
         record_id      TEXT NOT NULL,
         record_version INTEGER NOT NULL,
         role           TEXT NOT NULL CHECK (role IN ('original', 'digital', 'print')),
         sha256         BLOB NOT NULL REFERENCES photos (sha256),
         PRIMARY KEY (record_id, record_version, role),
         FOREIGN KEY (record_id, record_version) REFERENCES records (id, version)
     ) STRICT;
     CREATE TABLE outbox (
         record_id      TEXT NOT NULL,
         record_version INTEGER NOT NULL,
         state          TEXT NOT NULL
                        CHECK (state IN ('queued', 'sending', 'awaiting_confirmation', 'sent', 'failed')),
         reason         TEXT,
         attempts       INTEGER NOT NULL DEFAULT 0,
         updated_at     TEXT NOT NULL,
         PRIMARY KEY (record_id, record_version),
         FOREIGN KEY (record_id, record_version) REFERENCES records (id, version)
     ) STRICT;",
    // 4: when the office confirmed a record, and the counts that outlive a purge.
    "ALTER TABLE records ADD COLUMN sent_at TEXT;
     CREATE TABLE purged_counts (
         trip_id TEXT PRIMARY KEY NOT NULL REFERENCES trips (id),
         records INTEGER NOT NULL CHECK (records >= 0)
     ) STRICT;",
    // 5: what a staff member was typing when the tablet locked itself, until they
    // sign in again.
    "CREATE TABLE unsaved_input (
         staff_id TEXT PRIMARY KEY NOT NULL,
         saved_at TEXT NOT NULL,
         content  TEXT NOT NULL
     ) STRICT;",
    // 6: sync: the tus upload each photo is going up in (so a restart continues it),
    // and why an outbox item last failed is kept beside its attempts (step 3).
    "CREATE TABLE photo_uploads (
         sha256     BLOB PRIMARY KEY NOT NULL REFERENCES photos (sha256) ON DELETE CASCADE,
         url        TEXT NOT NULL,
         updated_at TEXT NOT NULL
     ) STRICT;",
    // 7: how far the tablet got sending each upload, so a resumed upload knows how
    // many bytes a cut cost (sent before, but not held by the office).
    "ALTER TABLE photo_uploads ADD COLUMN attempted INTEGER NOT NULL DEFAULT 0;",
    // 8: capture: the staff an office trip names, and per record version the facts
    // the day's tally needs after a purge has emptied the payload (no personal data).
    "ALTER TABLE trips ADD COLUMN staff TEXT NOT NULL DEFAULT '';
     ALTER TABLE records ADD COLUMN delivery TEXT CHECK (delivery IN ('mail', 'counter'));
     ALTER TABLE records ADD COLUMN photo_retakes INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX trips_by_date ON trips (trip_date);",
    // 9: records, their photo links and the outbox keyed by their primary key alone
    // (WITHOUT ROWID) instead of a rowid table plus a separate index for the key: a
    // saved record dirties three B-tree pages fewer, and in the encrypted file every
    // page a commit dirties is a whole page to encrypt and MAC (bench/README.md,
    // "bench/vault.sh"). Same columns in the same order, same constraints. The new
    // children refer to records_new, which the rename turns into records, so no
    // foreign key is ever left dangling while the old tables are dropped.
    "CREATE TABLE records_new (
         id            TEXT NOT NULL,
         version       INTEGER NOT NULL CHECK (version >= 1),
         trip_id       TEXT NOT NULL REFERENCES trips (id),
         state         TEXT NOT NULL CHECK (state IN ('draft', 'finalized', 'sent', 'purged')),
         payload       TEXT NOT NULL,
         content_hash  BLOB,
         base_version  INTEGER,
         amend_reason  TEXT,
         created_at    TEXT NOT NULL,
         created_by    TEXT NOT NULL,
         finalized_at  TEXT,
         sent_at       TEXT,
         delivery      TEXT CHECK (delivery IN ('mail', 'counter')),
         photo_retakes INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (id, version),
         CHECK ((version = 1) = (base_version IS NULL)),
         CHECK ((base_version IS NULL) = (amend_reason IS NULL)),
         CHECK ((state = 'draft') = (content_hash IS NULL))
     ) STRICT, WITHOUT ROWID;
     INSERT INTO records_new SELECT * FROM records;
     CREATE TABLE record_photos_new (
         record_id      TEXT NOT NULL,
         record_version INTEGER NOT NULL,
         role           TEXT NOT NULL CHECK (role IN ('original', 'digital', 'print')),
         sha256         BLOB NOT NULL REFERENCES photos (sha256),
         PRIMARY KEY (record_id, record_version, role),
         FOREIGN KEY (record_id, record_version) REFERENCES records_new (id, version)
     ) STRICT, WITHOUT ROWID;
     INSERT INTO record_photos_new SELECT * FROM record_photos;
     CREATE TABLE outbox_new (
         record_id      TEXT NOT NULL,
         record_version INTEGER NOT NULL,
         state          TEXT NOT NULL
                        CHECK (state IN ('queued', 'sending', 'awaiting_confirmation', 'sent', 'failed')),
         reason         TEXT,
         attempts       INTEGER NOT NULL DEFAULT 0,
         updated_at     TEXT NOT NULL,
         PRIMARY KEY (record_id, record_version),
         FOREIGN KEY (record_id, record_version) REFERENCES records_new (id, version)
     ) STRICT, WITHOUT ROWID;
     INSERT INTO outbox_new SELECT * FROM outbox;
     DROP TABLE outbox;
     DROP TABLE record_photos;
     DROP TABLE records;
     ALTER TABLE records_new RENAME TO records;
     ALTER TABLE record_photos_new RENAME TO record_photos;
     ALTER TABLE outbox_new RENAME TO outbox;
     CREATE INDEX records_by_trip ON records (trip_id);",
];

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    STEPS.len() as i64
}

fn version(conn: &Connection) -> Result<i64, VaultError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Refuses a file migrated by a newer app, which this build would misread.
pub(crate) fn check_not_newer(conn: &Connection) -> Result<(), VaultError> {
    let found = version(conn)?;
    if found > latest() {
        Err(VaultError::NewerSchema {
            found,
            known: latest(),
        })
    } else {
        Ok(())
    }
}

/// Applies every step newer than the file's version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), VaultError> {
    check_not_newer(conn)?;
    let from = version(conn)?;
    for (i, sql) in STEPS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_applies_to_an_empty_database_and_leaves_a_sound_schema() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn).expect("all migrations apply in order");
        assert_eq!(
            version(&conn).expect("version"),
            latest(),
            "the version must reach the newest step"
        );
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok");
        migrate(&mut conn).expect("migrating again is a no-op");
    }

    #[test]
    fn an_older_vault_upgrades_and_keeps_its_data() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        // A vault as version 2 left it.
        for (i, sql) in STEPS.iter().take(2).enumerate() {
            conn.execute_batch(sql).expect("old step");
            conn.pragma_update(None, "user_version", i as i64 + 1)
                .expect("version");
        }
        conn.execute(
            "INSERT INTO staff VALUES ('s001', '太田花子', zeroblob(32), '2026-01-01')",
            [],
        )
        .expect("old data");
        migrate(&mut conn).expect("upgrade to the newest schema");
        assert_eq!(version(&conn).expect("version"), latest());
        let name: String = conn
            .query_row("SELECT name FROM staff", [], |r| r.get(0))
            .expect("kept");
        assert_eq!(
            name, "太田花子",
            "an upgrade must keep what the older version stored"
        );
    }

    #[test]
    fn records_keep_their_rows_and_links_when_keyed_without_rowid() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        conn.pragma_update(None, "foreign_keys", true)
            .expect("foreign keys on, as the vault runs");
        // A vault as version 8 left it, with a record, its photo link and its outbox row.
        for (i, sql) in STEPS.iter().take(8).enumerate() {
            conn.execute_batch(sql).expect("old step");
            conn.pragma_update(None, "user_version", i as i64 + 1)
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO trips (id, site_name, site_address, trip_date, mode, origin, created_at, created_by)
                 VALUES ('t1', '工場', '群馬県太田市', '2026-11-26', 'uketsuke', 'tablet', '2026-11-26', 's001');
             INSERT INTO records (id, version, trip_id, state, payload, content_hash, created_at, created_by, finalized_at, delivery, photo_retakes)
                 VALUES ('r1', 1, 't1', 'finalized', '{\"name\":\"太田花子\"}', x'00', '2026-11-26', 's001', '2026-11-26', 'mail', 2);
             INSERT INTO photos (sha256, bytes, media_type, created_at)
                 VALUES (zeroblob(32), x'ffd8ffd9', 'image/jpeg', '2026-11-26');
             INSERT INTO record_photos VALUES ('r1', 1, 'original', zeroblob(32));
             INSERT INTO outbox (record_id, record_version, state, reason, attempts, updated_at)
                 VALUES ('r1', 1, 'failed', 'timeout', 3, '2026-11-26');",
        )
        .expect("old data");
        migrate(&mut conn).expect("upgrade to the newest schema");

        let kept: (String, i64, String, Option<String>, i64) = conn
            .query_row(
                "SELECT r.payload, o.attempts, p.role, r.delivery, r.photo_retakes
                 FROM records r JOIN outbox o ON o.record_id = r.id AND o.record_version = r.version
                 JOIN record_photos p ON p.record_id = r.id AND p.record_version = r.version",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .expect("the record, its outbox row and its photo link are kept");
        assert_eq!(
            kept,
            (
                "{\"name\":\"太田花子\"}".to_owned(),
                3,
                "original".to_owned(),
                Some("mail".to_owned()),
                2
            )
        );
        for table in ["records", "record_photos", "outbox"] {
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .expect("table");
            assert!(sql.contains("WITHOUT ROWID"), "{table}: {sql}");
            assert!(
                !sql.contains("_new"),
                "{table} must refer to records, not to the copy: {sql}"
            );
        }
        let dangling: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("foreign key check");
        assert_eq!(dangling, 0);
        // The foreign keys still hold: a link to a record that does not exist is refused.
        assert!(
            conn.execute(
                "INSERT INTO outbox (record_id, record_version, state, updated_at) VALUES ('nope', 1, 'queued', 'x')",
                [],
            )
            .is_err()
        );
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'records_by_trip'",
                [],
                |r| r.get(0),
            )
            .expect("index");
        assert_eq!(indexes, 1);
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        conn.pragma_update(None, "user_version", latest() + 1)
            .expect("set version");
        assert!(
            matches!(migrate(&mut conn), Err(VaultError::NewerSchema { .. })),
            "a newer schema must not be touched"
        );
    }
}
