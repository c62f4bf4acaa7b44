//! Typed handles for trips, application-support records (with versions and
//! amendments), their photos and the sync outbox.
//!
//! Reads take `&Connection`; writes take the caller's `&Transaction`, so a record and
//! its photos are stored together or not at all. Every text a person typed passes the
//! 個人番号 guard before anything is written.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use crate::{VaultError, audit};

pub use outreach_domain::Mode;

fn mode_str(mode: Mode) -> &'static str {
    match mode {
        Mode::Uketsuke => "uketsuke",
        Mode::Support => "support",
    }
}

fn mode_from(s: &str) -> Mode {
    if s == "support" {
        Mode::Support
    } else {
        Mode::Uketsuke
    }
}

/// A trip as created on the tablet or pushed by the office.
#[derive(Debug, Clone)]
pub struct NewTrip {
    /// UUIDv7.
    pub id: String,
    /// 企業・施設名.
    pub site_name: String,
    /// Its address.
    pub site_address: String,
    /// The day.
    pub date: NaiveDate,
    /// 受付 or サポート.
    pub mode: Mode,
    /// How many applicants are expected, if known.
    pub expected_count: Option<u32>,
    /// True when the office pushed it.
    pub from_office: bool,
    /// Staff IDs the office assigned (empty for a trip made on the tablet).
    pub staff: Vec<String>,
}

/// Which of a record's photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRole {
    /// As captured.
    Original,
    /// The digital application photo.
    Digital,
    /// The 45 × 35 mm print photo.
    Print,
}

impl PhotoRole {
    fn as_str(self) -> &'static str {
        match self {
            PhotoRole::Original => "original",
            PhotoRole::Digital => "digital",
            PhotoRole::Print => "print",
        }
    }
}

/// A photo to store with a record.
#[derive(Debug, Clone, Copy)]
pub struct PhotoIn<'a> {
    /// Which photo.
    pub role: PhotoRole,
    /// Encoded bytes (JPEG or PNG).
    pub bytes: &'a [u8],
    /// `image/jpeg` or `image/png`.
    pub media_type: &'a str,
}

/// One stored version of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// UUIDv7, the same for every version.
    pub id: String,
    /// 1, 2, …
    pub version: i64,
    /// The trip it was taken at.
    pub trip_id: String,
    /// `draft`, `finalized`, `sent` or `purged`.
    pub state: String,
    /// The fields, as JSON.
    pub payload: serde_json::Value,
    /// SHA-256 fixed at finalizing.
    pub content_hash: Option<Vec<u8>>,
    /// For an amendment: the version it changes.
    pub base_version: Option<i64>,
    /// For an amendment: why.
    pub amend_reason: Option<String>,
    /// Who wrote this version.
    pub created_by: String,
}

/// A new UUIDv7 for a trip or record, from the given time.
pub fn new_id(now: DateTime<Utc>) -> Result<String, VaultError> {
    let mut rand = [0u8; 10];
    getrandom::fill(&mut rand).map_err(|e| VaultError::Random(e.to_string()))?;
    let ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    Ok(uuid::Builder::from_unix_timestamp_millis(ms, &rand)
        .into_uuid()
        .to_string())
}

/// Refuses a payload any of whose texts holds a probable 個人番号.
fn guard(value: &serde_json::Value) -> Result<(), VaultError> {
    match value {
        serde_json::Value::String(s) if outreach_domain::contains_my_number(s) => {
            Err(VaultError::MyNumber)
        }
        serde_json::Value::Number(n) if outreach_domain::contains_my_number(&n.to_string()) => {
            Err(VaultError::MyNumber)
        }
        serde_json::Value::Array(items) => items.iter().try_for_each(guard),
        serde_json::Value::Object(map) => {
            map.keys()
                .try_for_each(|k| guard(&serde_json::Value::String(k.clone())))?;
            map.values().try_for_each(guard)
        }
        _ => Ok(()),
    }
}

/// Stores a trip.
pub fn insert_trip(
    tx: &Transaction<'_>,
    trip: &NewTrip,
    now: DateTime<Utc>,
    staff: &str,
) -> Result<(), VaultError> {
    write_trip(tx, trip, now, staff, "")
}

/// Stores or updates a trip the office pushed. A trip made on this tablet is never
/// overwritten (the office cannot know it); records already taken keep their trip.
pub fn upsert_office_trip(
    tx: &Transaction<'_>,
    trip: &NewTrip,
    now: DateTime<Utc>,
    staff: &str,
) -> Result<(), VaultError> {
    let office = NewTrip {
        from_office: true,
        ..trip.clone()
    };
    write_trip(
        tx,
        &office,
        now,
        staff,
        " ON CONFLICT (id) DO UPDATE SET site_name = excluded.site_name,
             site_address = excluded.site_address, trip_date = excluded.trip_date,
             mode = excluded.mode, expected_count = excluded.expected_count, staff = excluded.staff
         WHERE trips.origin = 'office'",
    )
}

/// The one INSERT both take; `on_conflict` is appended as it stands.
fn write_trip(
    tx: &Transaction<'_>,
    trip: &NewTrip,
    now: DateTime<Utc>,
    staff: &str,
    on_conflict: &str,
) -> Result<(), VaultError> {
    for text in [&trip.site_name, &trip.site_address] {
        outreach_domain::refuse_my_number(text).map_err(|_| VaultError::MyNumber)?;
    }
    tx.execute(
        &format!(
            "INSERT INTO trips (id, site_name, site_address, trip_date, mode, expected_count, origin, created_at, created_by, staff)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10){on_conflict}"
        ),
        params![
            trip.id,
            trip.site_name,
            trip.site_address,
            trip.date.to_string(),
            mode_str(trip.mode),
            trip.expected_count,
            if trip.from_office { "office" } else { "tablet" },
            now.to_rfc3339(),
            staff,
            trip.staff.join(",")
        ],
    )?;
    Ok(())
}

/// A stored trip.
#[derive(Debug, Clone, PartialEq)]
pub struct TripRow {
    /// UUID.
    pub id: String,
    /// 企業・施設名.
    pub site_name: String,
    /// Its address.
    pub site_address: String,
    /// The day.
    pub date: NaiveDate,
    /// 受付 or サポート.
    pub mode: Mode,
    /// Applicants expected, if known.
    pub expected_count: Option<u32>,
    /// Pushed by the office (else made on this tablet).
    pub from_office: bool,
    /// Staff IDs the office assigned.
    pub staff: Vec<String>,
}

fn trip_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TripRow> {
    let date: String = r.get(3)?;
    let mode: String = r.get(4)?;
    let origin: String = r.get(6)?;
    let staff: String = r.get(7)?;
    Ok(TripRow {
        id: r.get(0)?,
        site_name: r.get(1)?,
        site_address: r.get(2)?,
        date: date.parse().unwrap_or_default(),
        mode: mode_from(&mode),
        expected_count: r.get(5)?,
        from_office: origin == "office",
        staff: staff
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

const TRIP_COLUMNS: &str =
    "id, site_name, site_address, trip_date, mode, expected_count, origin, staff";

/// The trips of one day, by site name.
pub fn trips_on(conn: &Connection, date: NaiveDate) -> Result<Vec<TripRow>, VaultError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TRIP_COLUMNS} FROM trips WHERE trip_date = ?1 ORDER BY site_name, id"
    ))?;
    let rows = stmt.query_map([date.to_string()], trip_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One trip.
pub fn trip(conn: &Connection, id: &str) -> Result<Option<TripRow>, VaultError> {
    Ok(conn
        .query_row(
            &format!("SELECT {TRIP_COLUMNS} FROM trips WHERE id = ?1"),
            [id],
            trip_row,
        )
        .optional()?)
}

/// One line of a trip's list of records (the newest version of each).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordLine {
    /// Record UUID.
    pub id: String,
    /// Newest version.
    pub version: i64,
    /// `draft`, `finalized`, `sent` or `purged`.
    pub state: String,
    /// The outbox state of that version (`queued`, `sending`, … `sent`, `failed`).
    pub outbox: Option<String>,
    /// The payload (empty object once purged).
    pub payload: serde_json::Value,
    /// `mail` or `counter`, once known.
    pub delivery: Option<String>,
    /// When version 1 was started.
    pub created_at: String,
}

/// The newest version of every record of a trip, newest first.
pub fn trip_records(conn: &Connection, trip_id: &str) -> Result<Vec<RecordLine>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.version, r.state, o.state, r.payload, r.delivery,
                (SELECT created_at FROM records WHERE id = r.id AND version = 1) AS started
         FROM records r LEFT JOIN outbox o ON o.record_id = r.id AND o.record_version = r.version
         WHERE r.trip_id = ?1 AND r.version = (SELECT MAX(version) FROM records WHERE id = r.id)
         ORDER BY started DESC, r.id",
    )?;
    let rows = stmt.query_map([trip_id], |r| {
        let payload: String = r.get(4)?;
        Ok(RecordLine {
            id: r.get(0)?,
            version: r.get(1)?,
            state: r.get(2)?,
            outbox: r.get(3)?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            delivery: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A trip's figures for the day's tally; they survive the retention purge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TripTally {
    /// Records finalized (sent and purged ones included).
    pub finalized: u32,
    /// Records started and not yet finalized.
    pub incomplete: u32,
    /// Finalized records whose card is mailed.
    pub mailed: u32,
    /// Finalized records whose card is collected at the counter.
    pub counter: u32,
    /// Photo retakes over all records.
    pub photo_retakes: u32,
    /// Finalized records not yet confirmed by the office.
    pub unsent: u32,
}

/// The tally of one trip.
pub fn tally(conn: &Connection, trip_id: &str) -> Result<TripTally, VaultError> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(state != 'draft'), 0),
                COALESCE(SUM(state = 'draft'), 0),
                COALESCE(SUM(state != 'draft' AND delivery = 'mail'), 0),
                COALESCE(SUM(state != 'draft' AND delivery = 'counter'), 0),
                COALESCE(SUM(photo_retakes), 0),
                COALESCE(SUM(state = 'finalized'), 0)
         FROM records r
         WHERE r.trip_id = ?1 AND r.version = (SELECT MAX(version) FROM records WHERE id = r.id)",
        [trip_id],
        |r| {
            Ok(TripTally {
                finalized: r.get(0)?,
                incomplete: r.get(1)?,
                mailed: r.get(2)?,
                counter: r.get(3)?,
                photo_retakes: r.get(4)?,
                unsent: r.get(5)?,
            })
        },
    )?)
}

/// Another record on this tablet (not yet purged) already has this 申請書ID.
pub fn application_id_taken(
    conn: &Connection,
    application_id: &str,
    except_record: Option<&str>,
) -> Result<bool, VaultError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM records
                        WHERE state != 'purged' AND json_extract(payload, '$.applicationId') = ?1
                          AND id != COALESCE(?2, ''))",
        params![application_id, except_record],
        |r| r.get(0),
    )?)
}

/// The tally columns of a version, from its payload (`delivery`, `photo.retakes`).
fn put_facts(
    tx: &Transaction<'_>,
    id: &str,
    version: i64,
    payload: &serde_json::Value,
) -> Result<(), VaultError> {
    let delivery = payload
        .get("delivery")
        .and_then(serde_json::Value::as_str)
        .filter(|d| matches!(*d, "mail" | "counter"));
    let retakes = payload
        .pointer("/photo/retakes")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    tx.execute(
        "UPDATE records SET delivery = ?3, photo_retakes = ?4 WHERE id = ?1 AND version = ?2",
        params![id, version, delivery, retakes],
    )?;
    Ok(())
}

fn put_photos(
    tx: &Transaction<'_>,
    id: &str,
    version: i64,
    photos: &[PhotoIn<'_>],
    now: DateTime<Utc>,
) -> Result<(), VaultError> {
    for p in photos {
        // A photo replaces the one in its role; roles not given keep theirs.
        tx.execute(
            "DELETE FROM record_photos WHERE record_id = ?1 AND record_version = ?2 AND role = ?3",
            params![id, version, p.role.as_str()],
        )?;
        let sha = Sha256::digest(p.bytes).to_vec();
        // Content-addressed: the same photo is stored once however often it is used.
        tx.execute(
            "INSERT INTO photos (sha256, bytes, media_type, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
            params![sha, p.bytes, p.media_type, now.to_rfc3339()],
        )?;
        tx.execute(
            "INSERT INTO record_photos (record_id, record_version, role, sha256) VALUES (?1, ?2, ?3, ?4)",
            params![id, version, p.role.as_str(), sha],
        )?;
    }
    Ok(())
}

/// Creates or updates a draft (version 1) with its photos (each replaces the draft's
/// photo in the same role; roles not given keep theirs). A record that was
/// finalized is frozen: changing it needs [`amend`].
pub fn save_draft(
    tx: &Transaction<'_>,
    id: &str,
    trip_id: &str,
    payload: &serde_json::Value,
    photos: &[PhotoIn<'_>],
    now: DateTime<Utc>,
    staff: &str,
) -> Result<(), VaultError> {
    guard(payload)?;
    let state: Option<String> = tx
        .query_row(
            "SELECT state FROM records WHERE id = ?1 AND version = 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    match state.as_deref() {
        None => {
            audit::append(tx, now, staff, audit::Action::RecordCreated, id)?;
            let created = tx.execute(
                "INSERT INTO records (id, version, trip_id, state, payload, created_at, created_by)
                 SELECT ?1, 1, ?2, 'draft', ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM trips WHERE id = ?2)",
                params![id, trip_id, payload.to_string(), now.to_rfc3339(), staff],
            )?;
            if created == 0 {
                return Err(VaultError::Missing(format!("trip {trip_id}")));
            }
        }
        Some("draft") => {
            tx.execute(
                "UPDATE records SET payload = ?2 WHERE id = ?1 AND version = 1",
                params![id, payload.to_string()],
            )?;
        }
        Some(other) => {
            return Err(VaultError::WrongState {
                id: id.into(),
                version: 1,
                state: other.into(),
                action: "editing",
            });
        }
    }
    put_facts(tx, id, 1, payload)?;
    put_photos(tx, id, 1, photos, now)
}

fn content_hash(
    tx: &Connection,
    id: &str,
    version: i64,
    payload: &str,
) -> Result<Vec<u8>, VaultError> {
    let mut h = Sha256::new();
    h.update(b"outreach record v1\0");
    for part in [id.as_bytes(), &version.to_be_bytes(), payload.as_bytes()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let mut stmt = tx.prepare("SELECT role, sha256 FROM record_photos WHERE record_id = ?1 AND record_version = ?2 ORDER BY role")?;
    let photos = stmt.query_map(params![id, version], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for p in photos {
        let (role, sha) = p?;
        h.update(role.as_bytes());
        h.update(sha);
    }
    Ok(h.finalize().to_vec())
}

/// Freezes a draft: its content hash is fixed, it is queued for the office, and the
/// finalize is audited. Returns the content hash.
pub fn finalize(
    tx: &Transaction<'_>,
    id: &str,
    now: DateTime<Utc>,
    staff: &str,
) -> Result<Vec<u8>, VaultError> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT state, payload FROM records WHERE id = ?1 AND version = 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (state, payload) = row.ok_or_else(|| VaultError::Missing(format!("record {id}")))?;
    if state != "draft" {
        return Err(VaultError::WrongState {
            id: id.into(),
            version: 1,
            state,
            action: "finalizing",
        });
    }
    let hash = content_hash(tx, id, 1, &payload)?;
    tx.execute(
        "UPDATE records SET state = 'finalized', content_hash = ?2, finalized_at = ?3 WHERE id = ?1 AND version = 1",
        params![id, hash, now.to_rfc3339()],
    )?;
    enqueue(tx, id, 1, now)?;
    audit::append(tx, now, staff, audit::Action::RecordFinalized, id)?;
    Ok(hash)
}

/// Changes a finalized record: a new, finalized version that names its base version
/// and the reason. Returns the new version number.
pub fn amend(
    tx: &Transaction<'_>,
    id: &str,
    reason: &str,
    payload: &serde_json::Value,
    photos: &[PhotoIn<'_>],
    now: DateTime<Utc>,
    staff: &str,
) -> Result<i64, VaultError> {
    guard(payload)?;
    outreach_domain::refuse_my_number(reason).map_err(|_| VaultError::MyNumber)?;
    let latest: Option<(i64, String, String)> = tx
        .query_row("SELECT version, state, trip_id FROM records WHERE id = ?1 ORDER BY version DESC LIMIT 1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let (base, state, trip_id) =
        latest.ok_or_else(|| VaultError::Missing(format!("record {id}")))?;
    if state == "draft" || state == "purged" {
        return Err(VaultError::WrongState {
            id: id.into(),
            version: base,
            state,
            action: "amending",
        });
    }
    let version = base + 1;
    let body = payload.to_string();
    tx.execute(
        "INSERT INTO records (id, version, trip_id, state, payload, content_hash, base_version, amend_reason, created_at, created_by, finalized_at)
         VALUES (?1, ?2, ?3, 'finalized', ?4, zeroblob(32), ?5, ?6, ?7, ?8, ?7)",
        params![id, version, trip_id, body, base, reason, now.to_rfc3339(), staff],
    )?;
    put_facts(tx, id, version, payload)?;
    // The amendment keeps the base version's photos unless it brings new ones.
    tx.execute(
        "INSERT INTO record_photos (record_id, record_version, role, sha256)
         SELECT record_id, ?2, role, sha256 FROM record_photos WHERE record_id = ?1 AND record_version = ?3",
        params![id, version, base],
    )?;
    put_photos(tx, id, version, photos, now)?;
    let hash = content_hash(tx, id, version, &body)?;
    tx.execute(
        "UPDATE records SET content_hash = ?3 WHERE id = ?1 AND version = ?2",
        params![id, version, hash],
    )?;
    enqueue(tx, id, version, now)?;
    audit::append(
        tx,
        now,
        staff,
        audit::Action::RecordAmended,
        &format!("{id}@{version}"),
    )?;
    Ok(version)
}

fn enqueue(
    tx: &Transaction<'_>,
    id: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO outbox (record_id, record_version, state, updated_at) VALUES (?1, ?2, 'queued', ?3)",
        params![id, version, now.to_rfc3339()],
    )?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    let payload: String = r.get(4)?;
    Ok(RecordRow {
        id: r.get(0)?,
        version: r.get(1)?,
        trip_id: r.get(2)?,
        state: r.get(3)?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        content_hash: r.get(5)?,
        base_version: r.get(6)?,
        amend_reason: r.get(7)?,
        created_by: r.get(8)?,
    })
}

const COLUMNS: &str =
    "id, version, trip_id, state, payload, content_hash, base_version, amend_reason, created_by";

/// The newest version of a record.
pub fn latest(conn: &Connection, id: &str) -> Result<Option<RecordRow>, VaultError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM records WHERE id = ?1 ORDER BY version DESC LIMIT 1"),
            [id],
            row,
        )
        .optional()?)
}

/// Every version of a record, oldest first.
pub fn versions(conn: &Connection, id: &str) -> Result<Vec<RecordRow>, VaultError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM records WHERE id = ?1 ORDER BY version"
    ))?;
    let rows = stmt.query_map([id], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Recomputes a finalized version's content hash and every photo's SHA-256 and
/// compares them with what is stored: false means the record or one of its photos
/// changed after finalizing.
pub fn intact(conn: &Connection, id: &str, version: i64) -> Result<bool, VaultError> {
    let stored: Option<(String, Option<Vec<u8>>)> = conn
        .query_row(
            "SELECT payload, content_hash FROM records WHERE id = ?1 AND version = ?2",
            params![id, version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((payload, Some(hash))) = stored else {
        return Ok(false);
    };
    let mut stmt = conn.prepare(
        "SELECT p.sha256, p.bytes FROM record_photos rp JOIN photos p ON p.sha256 = rp.sha256
         WHERE rp.record_id = ?1 AND rp.record_version = ?2",
    )?;
    let photos = stmt.query_map(params![id, version], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for p in photos {
        let (sha, bytes) = p?;
        if Sha256::digest(&bytes).as_slice() != sha.as_slice() {
            return Ok(false);
        }
    }
    Ok(content_hash(conn, id, version, &payload)? == hash)
}

/// Opens the newest version of a record for a staff member; viewing a finalized
/// record is audited (drafts are the staff member's own work in progress).
pub fn view(
    tx: &Transaction<'_>,
    id: &str,
    now: DateTime<Utc>,
    staff: &str,
) -> Result<Option<RecordRow>, VaultError> {
    let row = latest(tx, id)?;
    if row.as_ref().is_some_and(|r| r.state != "draft") {
        audit::append(tx, now, staff, audit::Action::RecordViewed, id)?;
    }
    Ok(row)
}

/// The office's manifest listed this version and all its photos: it is Sent.
pub fn mark_sent(
    tx: &Transaction<'_>,
    id: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<(), VaultError> {
    let changed = tx.execute(
        "UPDATE records SET state = 'sent', sent_at = ?3 WHERE id = ?1 AND version = ?2 AND state = 'finalized'",
        params![id, version, now.to_rfc3339()],
    )?;
    if changed == 0 {
        return Err(VaultError::Missing(format!(
            "finalized record {id} version {version}"
        )));
    }
    tx.execute(
        "UPDATE outbox SET state = 'sent', updated_at = ?3 WHERE record_id = ?1 AND record_version = ?2",
        params![id, version, now.to_rfc3339()],
    )?;
    Ok(())
}

/// How long sent records keep their personal data on the tablet; the office sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Until the end of the (Japanese) day on which the office confirmed them.
    EndOfDay,
    /// For this long after the office confirmed them.
    For(chrono::Duration),
}

/// Japan has one time zone and no daylight saving: +09:00 all year.
fn jst() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// Deletes the personal data and photos of every record whose newest version was Sent
/// long enough ago: payloads are emptied, photos no record still needs are deleted
/// (with `secure_delete` on, their pages are overwritten), the trip's count is kept.
/// Returns how many records were purged.
pub fn purge_due(
    tx: &Transaction<'_>,
    retention: Retention,
    now: DateTime<Utc>,
    staff: &str,
) -> Result<usize, VaultError> {
    let cutoff = match retention {
        Retention::EndOfDay => {
            let today = now.with_timezone(&jst()).date_naive();
            let midnight = today.and_hms_opt(0, 0, 0).unwrap_or_default();
            jst()
                .from_local_datetime(&midnight)
                .single()
                .map_or(now, |t| t.with_timezone(&Utc))
        }
        Retention::For(d) => now
            .checked_sub_signed(d)
            .unwrap_or(DateTime::<Utc>::MIN_UTC),
    };
    let due: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT r.id, r.trip_id FROM records r
             WHERE r.version = (SELECT MAX(version) FROM records WHERE id = r.id)
               AND r.state = 'sent' AND r.sent_at <= ?1",
        )?;
        let rows = stmt.query_map([cutoff.to_rfc3339()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, trip_id) in &due {
        tx.execute("DELETE FROM record_photos WHERE record_id = ?1", [id])?;
        tx.execute(
            "UPDATE records SET payload = '{}', state = 'purged' WHERE id = ?1",
            [id],
        )?;
        tx.execute(
            "INSERT INTO purged_counts (trip_id, records) VALUES (?1, 1)
             ON CONFLICT (trip_id) DO UPDATE SET records = records + 1",
            [trip_id],
        )?;
        audit::append(tx, now, staff, audit::Action::Purged, id)?;
    }
    tx.execute(
        "DELETE FROM photos WHERE sha256 NOT IN (SELECT sha256 FROM record_photos)",
        [],
    )?;
    // Input kept at an idle lock is residents' data too; it lives no longer than a
    // sent record does.
    tx.execute(
        "DELETE FROM unsaved_input WHERE saved_at <= ?1",
        [cutoff.to_rfc3339()],
    )?;
    Ok(due.len())
}

/// The number of records taken at a trip, purged ones included (the day's tally).
pub fn trip_count(conn: &Connection, trip_id: &str) -> Result<i64, VaultError> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(DISTINCT id) FROM records WHERE trip_id = ?1 AND state != 'purged')
              + COALESCE((SELECT records FROM purged_counts WHERE trip_id = ?1), 0)",
        [trip_id],
        |r| r.get(0),
    )?)
}
