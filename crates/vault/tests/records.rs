//! Trips, records, amendments, photos and the outbox in a real vault.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{Policy, RosterEntry, Vault, VaultError};
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn signed_in() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("vault.db");
    let key = SecretKey::generate().expect("key");
    let entry = RosterEntry {
        staff_id: "s001".into(),
        name: "太田花子".into(),
        public_key: key.public_key(),
        wrap: PasswordWrap::wrap(&key, "pw", KdfParams::FOR_TESTS, b"s001").expect("wrap"),
    };
    Vault::create(
        &path,
        &SecretKey::generate().expect("office").public_key(),
        &[entry],
        now(),
    )
    .expect("create");
    let v = Vault::sign_in(&path, "s001", "pw", now(), Policy::default()).expect("sign in");
    (dir, v)
}

fn trip(v: &mut Vault) -> String {
    let id = records::new_id(now()).expect("id");
    let t = NewTrip {
        id: id.clone(),
        site_name: "株式会社サンプル工業 太田工場".into(),
        site_address: "群馬県太田市浜町2-35".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
        mode: Mode::Uketsuke,
        expected_count: Some(40),
        from_office: false,
    };
    v.write(|tx, staff| records::insert_trip(tx, &t, now(), staff))
        .expect("trip");
    id
}

const JPEG: &[u8] = b"\xff\xd8\xff\xe0 pretend jpeg bytes";

#[test]
fn a_draft_is_finalized_queued_and_then_frozen() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let id = records::new_id(now()).expect("id");
    let payload = json!({"name": "桐生 一郎", "kana": "キリュウ イチロウ"});
    let photos = [PhotoIn {
        role: PhotoRole::Original,
        bytes: JPEG,
        media_type: "image/jpeg",
    }];
    v.write(|tx, s| records::save_draft(tx, &id, &trip, &payload, &photos, now(), s))
        .expect("draft");
    v.write(|tx, s| {
        records::save_draft(
            tx,
            &id,
            &trip,
            &json!({"name": "桐生 一郎（訂正）"}),
            &photos,
            now(),
            s,
        )
    })
    .expect("a draft can be edited");
    let hash = v
        .write(|tx, s| records::finalize(tx, &id, now(), s))
        .expect("finalize");
    assert_eq!(hash.len(), 32);

    let row = records::latest(v.conn(), &id)
        .expect("read")
        .expect("exists");
    assert_eq!(row.state, "finalized");
    assert_eq!(
        row.payload["name"], "桐生 一郎（訂正）",
        "the last draft is what was finalized"
    );
    assert!(
        records::intact(v.conn(), &id, 1).expect("check"),
        "a fresh record is intact"
    );
    let queued: i64 = v
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE record_id = ?1 AND state = 'queued'",
            [&id],
            |r| r.get(0),
        )
        .expect("outbox");
    assert_eq!(queued, 1, "finalizing queues the record for the office");

    let e = v
        .write(|tx, s| records::save_draft(tx, &id, &trip, &payload, &[], now(), s))
        .expect_err("frozen");
    assert!(
        matches!(e, VaultError::WrongState { .. }),
        "a finalized record cannot be edited: {e:?}"
    );
    let e = v
        .write(|tx, s| records::finalize(tx, &id, now(), s))
        .expect_err("twice");
    assert!(
        matches!(e, VaultError::WrongState { .. }),
        "finalizing twice is refused: {e:?}"
    );
}

#[test]
fn an_amendment_is_a_new_version_naming_its_base_and_reason() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let id = records::new_id(now()).expect("id");
    v.write(|tx, s| {
        records::save_draft(
            tx,
            &id,
            &trip,
            &json!({"phone": "0276-00-0000"}),
            &[],
            now(),
            s,
        )
    })
    .expect("draft");
    v.write(|tx, s| records::finalize(tx, &id, now(), s))
        .expect("finalize");
    let version = v
        .write(|tx, s| {
            records::amend(
                tx,
                &id,
                "電話番号の誤記",
                &json!({"phone": "0276-11-1111"}),
                &[],
                now(),
                s,
            )
        })
        .expect("amend");
    assert_eq!(version, 2);
    let all = records::versions(v.conn(), &id).expect("versions");
    assert_eq!(all.len(), 2, "the original version is kept");
    assert_eq!(
        all[0].payload["phone"], "0276-00-0000",
        "history is not rewritten"
    );
    assert_eq!(
        (all[1].base_version, all[1].amend_reason.as_deref()),
        (Some(1), Some("電話番号の誤記"))
    );
    assert!(records::intact(v.conn(), &id, 2).expect("check"));
}

#[test]
fn a_my_number_anywhere_is_refused_and_nothing_is_stored() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let id = records::new_id(now()).expect("id");
    let payload = json!({"notes": ["本人確認済み", {"memo": "番号 1234 5678 9018"}]});
    let e = v
        .write(|tx, s| records::save_draft(tx, &id, &trip, &payload, &[], now(), s))
        .expect_err("refused");
    assert!(matches!(e, VaultError::MyNumber), "got {e:?}");
    assert!(
        records::latest(v.conn(), &id).expect("read").is_none(),
        "nothing of the refused record is stored"
    );
}

#[test]
fn photos_are_stored_once_and_tampering_is_detected() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let photos = [PhotoIn {
        role: PhotoRole::Original,
        bytes: JPEG,
        media_type: "image/jpeg",
    }];
    let (a, b) = (
        records::new_id(now()).expect("id"),
        records::new_id(now()).expect("id"),
    );
    for id in [&a, &b] {
        v.write(|tx, s| records::save_draft(tx, id, &trip, &json!({}), &photos, now(), s))
            .expect("draft");
        v.write(|tx, s| records::finalize(tx, id, now(), s))
            .expect("finalize");
    }
    let n: i64 = v
        .conn()
        .query_row("SELECT COUNT(*) FROM photos", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1, "the same photo bytes are stored once");
    v.conn()
        .execute("UPDATE photos SET bytes = X'00'", [])
        .expect("tamper");
    assert!(
        !records::intact(v.conn(), &a, 1).expect("check"),
        "a changed photo must be detected"
    );
}

#[test]
fn a_record_needs_an_existing_trip() {
    let (_d, mut v) = signed_in();
    let id = records::new_id(now()).expect("id");
    let e = v
        .write(|tx, s| records::save_draft(tx, &id, "no-such-trip", &json!({}), &[], now(), s))
        .expect_err("no trip");
    assert!(matches!(e, VaultError::Missing(_)), "got {e:?}");
}
