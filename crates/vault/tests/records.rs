//! Trips, records, amendments, photos and the outbox in a real vault.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{Policy, RosterEntry, Vault, VaultError, outbox};
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
        staff: Vec::new(),
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
    // Regression (review): a number typed into a numeric field is checked as well.
    let e = v
        .write(|tx, s| {
            records::save_draft(
                tx,
                &id,
                &trip,
                &json!({"tel": 123456789018u64}),
                &[],
                now(),
                s,
            )
        })
        .expect_err("refused");
    assert!(
        matches!(e, VaultError::MyNumber),
        "a JSON number must pass the guard too: {e:?}"
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

#[test]
fn sent_records_are_purged_at_the_end_of_the_day_and_the_tally_remains() {
    let (dir, mut v) = signed_in();
    let trip = trip(&mut v);
    let id = records::new_id(now()).expect("id");
    let photos = [PhotoIn {
        role: PhotoRole::Original,
        bytes: JPEG,
        media_type: "image/jpeg",
    }];
    v.write(|tx, s| {
        records::save_draft(
            tx,
            &id,
            &trip,
            &json!({"name": "桐生 一郎"}),
            &photos,
            now(),
            s,
        )
    })
    .expect("draft");
    v.write(|tx, s| records::finalize(tx, &id, now(), s))
        .expect("finalize");
    // Nothing is purged before the office has confirmed it.
    let later = now() + chrono::Duration::days(3);
    assert_eq!(
        v.write(|tx, s| records::purge_due(tx, records::Retention::EndOfDay, later, s))
            .expect("purge"),
        0,
        "unsent records are never purged"
    );

    // now() is 19:00 JST; the office confirms at 19:00, the day ends at 24:00 JST (15:00 UTC).
    v.write(|tx, _| records::mark_sent(tx, &id, 1, now()))
        .expect("sent");
    let same_evening = DateTime::parse_from_rfc3339("2026-11-26T14:59:00Z")
        .expect("t")
        .with_timezone(&Utc);
    assert_eq!(
        v.write(|tx, s| records::purge_due(tx, records::Retention::EndOfDay, same_evening, s))
            .expect("purge"),
        0,
        "kept until the day ends"
    );
    let next_morning = DateTime::parse_from_rfc3339("2026-11-26T15:01:00Z")
        .expect("t")
        .with_timezone(&Utc);
    assert_eq!(
        v.purge(records::Retention::EndOfDay, next_morning)
            .expect("purge"),
        1
    );
    let wal = dir.path().join("vault.db-wal");
    assert_eq!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        0,
        "after a purge the WAL is checkpointed and truncated: no old page images linger"
    );

    let row = records::latest(v.conn(), &id)
        .expect("read")
        .expect("the record's shell remains");
    assert_eq!(row.state, "purged");
    assert_eq!(row.payload, json!({}), "no personal data remains");
    let photos_left: i64 = v
        .conn()
        .query_row("SELECT COUNT(*) FROM photos", [], |r| r.get(0))
        .expect("count");
    assert_eq!(photos_left, 0, "the photo is deleted");
    assert_eq!(
        records::trip_count(v.conn(), &trip).expect("tally"),
        1,
        "the day's tally keeps the purged record"
    );
    let actions: Vec<String> = outreach_vault::audit::events(v.conn())
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["record_created", "record_finalized", "purged"] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} must be audited: {actions:?}"
        );
    }
}

#[test]
fn viewing_a_finalized_record_is_audited() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let id = records::new_id(now()).expect("id");
    v.write(|tx, s| records::save_draft(tx, &id, &trip, &json!({}), &[], now(), s))
        .expect("draft");
    v.write(|tx, s| records::view(tx, &id, now(), s))
        .expect("view draft");
    let count = |v: &Vault| {
        outreach_vault::audit::events(v.conn())
            .expect("events")
            .iter()
            .filter(|e| e.action == "record_viewed")
            .count()
    };
    assert_eq!(
        count(&v),
        0,
        "opening one's own draft is not a view of a finalized record"
    );
    v.write(|tx, s| records::finalize(tx, &id, now(), s))
        .expect("finalize");
    v.write(|tx, s| records::view(tx, &id, now(), s))
        .expect("view");
    assert_eq!(count(&v), 1);
}

#[test]
fn the_outbox_overview_counts_each_state_and_names_refusals() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let mut ids = Vec::new();
    for n in 0..4 {
        let id = records::new_id(now()).expect("id");
        v.write(|tx, s| {
            records::save_draft(tx, &id, &trip, &json!({ "n": n }), &[], now(), s)?;
            records::finalize(tx, &id, now(), s)
        })
        .expect("finalized");
        ids.push(id);
    }
    let fresh = outbox::overview(v.conn()).expect("overview");
    assert_eq!(
        (fresh.queued, fresh.waiting(), fresh.last_sent_at.clone()),
        (4, 4, None),
        "every finalized record starts queued and nothing was ever confirmed"
    );

    v.write(|tx, _| {
        records::mark_sent(tx, &ids[0], 1, now())?;
        outbox::set_state(tx, &ids[1], 1, "sending", None, now())?;
        outbox::set_state(tx, &ids[2], 1, "awaiting_confirmation", None, now())?;
        outbox::set_state(tx, &ids[3], 1, "failed", Some("my_number_refused"), now())
    })
    .expect("states");
    let o = outbox::overview(v.conn()).expect("overview");
    assert_eq!(
        (
            o.queued,
            o.sending,
            o.awaiting_confirmation,
            o.sent,
            o.failed
        ),
        (0, 1, 1, 1, 1),
        "one item in each state"
    );
    assert_eq!(o.waiting(), 3, "all but the confirmed one still wait");
    assert_eq!(
        o.failures,
        vec![outbox::Failure {
            id: ids[3].clone(),
            version: 1,
            reason: Some("my_number_refused".into()),
        }],
        "the panel says which record failed and why"
    );
    assert_eq!(
        o.last_sent_at.as_deref(),
        Some(now().to_rfc3339().as_str()),
        "the last confirmation time survives a restart because it is in the vault"
    );
}

#[test]
fn office_trips_are_upserted_and_tablet_trips_are_never_overwritten() {
    let (_d, mut v) = signed_in();
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let mut office = NewTrip {
        id: "0193a000-0000-7000-8000-000000000001".into(),
        site_name: "ケアホーム太田".into(),
        site_address: "群馬県太田市飯塚町1-1".into(),
        date: day,
        mode: Mode::Support,
        expected_count: Some(20),
        from_office: true,
        staff: vec!["s001".into(), "s002".into()],
    };
    v.write(|tx, s| records::upsert_office_trip(tx, &office, now(), s))
        .expect("first push");
    office.expected_count = Some(25);
    office.site_name = "ケアホーム太田（本館）".into();
    v.write(|tx, s| records::upsert_office_trip(tx, &office, now(), s))
        .expect("second push updates");
    let own = trip(&mut v);
    // The office cannot overwrite a trip the tablet made, even with its ID.
    let hijack = NewTrip {
        id: own.clone(),
        site_name: "別の場所".into(),
        ..office.clone()
    };
    v.write(|tx, s| records::upsert_office_trip(tx, &hijack, now(), s))
        .expect("no error, no change");
    let trips = records::trips_on(v.conn(), day).expect("list");
    assert_eq!(trips.len(), 2);
    let pushed = trips.iter().find(|t| t.from_office).expect("office trip");
    assert_eq!(pushed.site_name, "ケアホーム太田（本館）");
    assert_eq!(pushed.expected_count, Some(25));
    assert_eq!(pushed.staff, vec!["s001".to_owned(), "s002".to_owned()]);
    assert_eq!(pushed.mode, Mode::Support);
    let mine = records::trip(v.conn(), &own)
        .expect("read")
        .expect("exists");
    assert_eq!(mine.site_name, "株式会社サンプル工業 太田工場");
    assert!(
        records::trips_on(v.conn(), day.succ_opt().expect("next"))
            .expect("list")
            .is_empty()
    );
}

#[test]
fn the_tally_and_the_duplicate_check_follow_the_records() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let app = "12345678901234567890123";
    let payload = |delivery: &str, retakes: u32| json!({"applicationId": app, "delivery": delivery, "photo": {"retakes": retakes}});
    let a = records::new_id(now()).expect("id");
    let b = records::new_id(now()).expect("id");
    let c = records::new_id(now()).expect("id");
    v.write(|tx, s| {
        records::save_draft(tx, &a, &trip, &payload("mail", 1), &[], now(), s)?;
        records::finalize(tx, &a, now(), s)?;
        records::save_draft(
            tx,
            &b,
            &trip,
            &json!({"delivery": "counter", "photo": {"retakes": 2}}),
            &[],
            now(),
            s,
        )?;
        records::finalize(tx, &b, now(), s)?;
        records::save_draft(tx, &c, &trip, &json!({"name": "途中"}), &[], now(), s)
    })
    .expect("records");
    let t = records::tally(v.conn(), &trip).expect("tally");
    assert_eq!(
        t,
        records::TripTally {
            finalized: 2,
            incomplete: 1,
            mailed: 1,
            counter: 1,
            photo_retakes: 3,
            unsent: 2
        }
    );
    assert!(records::application_id_taken(v.conn(), app, None).expect("check"));
    assert!(
        !records::application_id_taken(v.conn(), app, Some(&a)).expect("check"),
        "a record is not its own duplicate"
    );
    // An amendment that makes it counter pickup moves it in the tally.
    v.write(|tx, s| {
        records::amend(
            tx,
            &a,
            "転居予定が判明",
            &payload("counter", 1),
            &[],
            now(),
            s,
        )
    })
    .expect("amend");
    let t = records::tally(v.conn(), &trip).expect("tally");
    assert_eq!((t.mailed, t.counter, t.finalized), (0, 2, 2));
    let lines = records::trip_records(v.conn(), &trip).expect("lines");
    assert_eq!(lines.len(), 3);
    let line_a = lines.iter().find(|l| l.id == a).expect("a");
    assert_eq!(
        (line_a.version, line_a.outbox.as_deref()),
        (2, Some("queued"))
    );
    // The purge keeps the tally.
    for l in &lines {
        if l.state == "finalized" {
            v.write(|tx, _| records::mark_sent(tx, &l.id, l.version, now()))
                .expect("sent");
        }
    }
    v.purge(records::Retention::For(chrono::Duration::zero()), now())
        .expect("purge");
    let t = records::tally(v.conn(), &trip).expect("tally");
    assert_eq!(
        (t.finalized, t.counter, t.photo_retakes, t.unsent),
        (2, 2, 3, 0)
    );
    assert!(
        !records::application_id_taken(v.conn(), app, None).expect("check"),
        "purged data is gone"
    );
}

#[test]
fn saving_without_photos_keeps_them_and_an_amendment_carries_them_over() {
    let (_d, mut v) = signed_in();
    let trip = trip(&mut v);
    let id = records::new_id(now()).expect("id");
    let original = [PhotoIn {
        role: PhotoRole::Original,
        bytes: JPEG,
        media_type: "image/jpeg",
    }];
    v.write(|tx, s| records::save_draft(tx, &id, &trip, &json!({"n": 1}), &original, now(), s))
        .expect("with photo");
    v.write(|tx, s| records::save_draft(tx, &id, &trip, &json!({"n": 2}), &[], now(), s))
        .expect("a later step saves no photo");
    let count = |v: &Vault, version: i64| -> i64 {
        v.conn()
            .query_row(
                "SELECT count(*) FROM record_photos WHERE record_id = ?1 AND record_version = ?2",
                rusqlite::params![id, version],
                |r| r.get(0),
            )
            .expect("count")
    };
    assert_eq!(count(&v, 1), 1, "the photo stays with the draft");
    v.write(|tx, s| records::finalize(tx, &id, now(), s))
        .expect("finalize");
    v.write(|tx, s| records::amend(tx, &id, "住所の訂正", &json!({"n": 3}), &[], now(), s))
        .expect("amend");
    assert_eq!(count(&v, 2), 1, "the amendment carries the photo over");
    assert!(records::intact(v.conn(), &id, 2).expect("check"));
}
