//! The store under concurrent units of work, one test per row lock (`FOR UPDATE`) or
//! conditional statement that decides a race (issue 17). On PostgreSQL the tasks run
//! as truly concurrent transactions on the pool; on SQLite the one writer serialises
//! them, and the same statements must give the same answers. (The booking's card lock
//! and the slot's conditional upsert are raced in `pickup`.)

use std::sync::Arc;

use axum::response::IntoResponse;
use outreach_protocol::console::{Returned, ReturnedContact};
use outreach_server::AppError;
use outreach_server::store::{
    Append, Booked, EnrolRefusal, NewBooking, NewCardBatch, NewDevice, NewEnrolment, Store,
    StoreError, Upload,
};

use crate::support::Storage;

/// Concurrent tasks per race: more than the PostgreSQL pool has connections, so some
/// wait for a connection and some for the row lock.
const TASKS: usize = 20;

async fn race<T: Send + 'static, F, Fut>(store: &Arc<Store>, f: F) -> Vec<T>
where
    F: Fn(Arc<Store>, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    // Every pool connection open first, so the tasks start together rather than
    // one per connection made, and a start line they all leave from at once.
    let warm: Vec<_> = (0..TASKS)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.ping().await })
        })
        .collect();
    for w in warm {
        w.await.expect("task").expect("ping");
    }
    let start = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let (start, work) = (start.clone(), f(store.clone(), i));
            tokio::spawn(async move {
                start.wait().await;
                work.await
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

fn enrolment(code_hash: &str) -> NewEnrolment {
    NewEnrolment {
        code_hash: code_hash.into(),
        device_name: "tablet".into(),
        created_by: "sup".into(),
        created_at: "2026-12-01T00:00:00.000Z".into(),
        expires_at: "2026-12-02T00:00:00.000Z".into(),
    }
}

fn device(n: usize) -> NewDevice {
    NewDevice {
        device_id: format!("dev-{n}"),
        credential_hash: format!("cred-{n}"),
        credential_expires_at: "2027-06-01T00:00:00.000Z".into(),
        ..NewDevice::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_enrolment_code_enrols_one_device_however_many_redeem_it_at_once() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        store
            .create_enrolment(&enrolment("code"))
            .await
            .expect("code");
        let outcomes = race(&store, |s, i| async move {
            s.redeem_enrolment("code", &device(i), "2026-12-01T01:00:00.000Z")
                .await
        })
        .await;
        let enrolled = outcomes.iter().filter(|o| matches!(o, Ok(Ok(_)))).count();
        let used = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Err(EnrolRefusal::Used))))
            .count();
        assert_eq!(
            (enrolled, used),
            (1, TASKS - 1),
            "{storage:?}: the code's row lock makes every later redeemer see it used, never fail: {outcomes:?}"
        );
        assert_eq!(store.devices().await.expect("devices").len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appends_at_one_offset_store_one_chunk_and_tell_the_rest_the_new_offset() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        store.create_enrolment(&enrolment("c")).await.expect("code");
        store
            .redeem_enrolment("c", &device(0), "2026-12-01T01:00:00.000Z")
            .await
            .expect("store")
            .expect("enrolled");
        store
            .create_upload(
                &Upload {
                    upload_id: "up".into(),
                    device_id: "dev-0".into(),
                    sha256: "0".repeat(64),
                    length: 1000,
                    offset: 0,
                    metadata: String::new(),
                    created_at: "2026-12-01T01:00:00.000Z".into(),
                    expires_at: "2026-12-02T01:00:00.000Z".into(),
                },
                i64::MAX,
            )
            .await
            .expect("upload")
            .expect("room");
        let outcomes = race(&store, |s, i| async move {
            s.append_upload("up", 0, vec![u8::try_from(i).unwrap_or(0); 10])
                .await
        })
        .await;
        let appended = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Append::Appended(10))))
            .count();
        let told = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Append::OffsetMismatch(10))))
            .count();
        assert_eq!(
            (appended, told),
            (1, TASKS - 1),
            "{storage:?}: the upload's row lock serialises appends; the others learn offset 10: {outcomes:?}"
        );
        assert_eq!(
            store.upload_bytes("up").await.expect("bytes").len(),
            10,
            "one chunk stored"
        );
    }
}

fn returned(id: &str) -> Returned {
    Returned {
        returned_id: id.into(),
        application_id: "1".repeat(23),
        record_id: None,
        reason: "unclaimed".into(),
        returned_on: "2026-12-01".into(),
        destroy_on: "2027-12-01".into(),
        due_for_destruction: false,
        note: String::new(),
        resolution: None,
        resolved_on: None,
        contacts: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contacts_logged_at_once_get_numbers_of_their_own() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        store
            .insert_returned(&returned("ret"), "s", "2026-12-01T00:00:00.000Z")
            .await
            .expect("returned");
        let outcomes = race(&store, |s, i| async move {
            let contact = ReturnedContact {
                contacted_at: format!("2026-12-01T09:{i:02}:00+09:00"),
                staff_id: "s".into(),
                outcome: "不在".into(),
                next_step: String::new(),
            };
            s.add_returned_contact("ret", &contact).await
        })
        .await;
        assert!(
            outcomes.iter().all(|o| matches!(o, Ok(true))),
            "{storage:?}: the returned card's row lock orders the numbering: {outcomes:?}"
        );
        let held = store.returned(None).await.expect("returned");
        assert_eq!(held[0].contacts.len(), TASKS, "every contact kept");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_cancelled_or_handed_over_at_once_frees_its_place_once() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        let ids: Vec<String> = (1..=3).map(|n| format!("{n:023}")).collect();
        store
            .insert_card_batch(&NewCardBatch {
                batch_id: "b".into(),
                label: "便".into(),
                delivered_on: "2026-11-25".into(),
                storage: String::new(),
                cards: ids.iter().map(|id| (id.clone(), None)).collect(),
                created_by: "s".into(),
                created_at: "2026-11-25T00:00:00.000Z".into(),
            })
            .await
            .expect("batch")
            .expect("stored");
        for (n, id) in ids.iter().enumerate() {
            let booked = store
                .book(
                    &NewBooking {
                        booking_id: format!("bk{n}"),
                        application_id: id.clone(),
                        record_id: format!("r{n}"),
                        slot_date: "2026-12-01".into(),
                        slot_time: "09:00".into(),
                        capacity: 3,
                        by: "s".into(),
                        at: "2026-11-26T00:00:00.000Z".into(),
                    },
                    None,
                    None,
                )
                .await
                .expect("book");
            assert!(matches!(booked, Booked::Booked(_)));
        }
        let cancelled = race(&store, |s, _| async move {
            s.cancel_booking("bk0", "s", "2026-11-27T00:00:00.000Z", None)
                .await
        })
        .await;
        let closed = race(&store, |s, _| async move {
            s.close_booking(
                "bk1",
                "issued",
                "2026-12-01",
                "s",
                "2026-12-01T00:00:00.000Z",
            )
            .await
        })
        .await;
        for (what, outcomes) in [("cancel", &cancelled), ("hand over", &closed)] {
            let done = outcomes.iter().filter(|o| matches!(o, Ok(Some(_)))).count();
            let refused = outcomes.iter().filter(|o| matches!(o, Ok(None))).count();
            assert_eq!(
                (done, refused),
                (1, TASKS - 1),
                "{storage:?}: the booking's row lock lets one {what} through; the rest find it closed"
            );
        }
        let counts = store
            .slot_counts("2026-12-01", "2026-12-01")
            .await
            .expect("counts");
        assert_eq!(
            counts,
            [("2026-12-01".into(), "09:00".into(), 2)],
            "{storage:?}: one cancellation freed one place (handing over keeps it)"
        );
    }
}

#[tokio::test]
async fn a_duplicate_key_is_a_conflict_and_409_on_both_databases() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        store
            .insert_returned(&returned("same"), "s", "2026-12-01T00:00:00.000Z")
            .await
            .expect("first");
        // No ON CONFLICT in this statement: the driver maps the unique violation
        // (SQLite's primary-key constraint; SQLSTATE 23505).
        let again = store
            .insert_returned(&returned("same"), "s", "2026-12-01T00:00:00.000Z")
            .await;
        let Err(e @ StoreError::Conflict(_)) = again else {
            panic!("{storage:?}: a taken key must be a Conflict, got {again:?}");
        };
        let status = AppError::Store(e).into_response().status();
        assert_eq!(status, 409, "{storage:?}: a conflict answers 409, not 500");
        assert_eq!(
            store.returned(None).await.expect("returned").len(),
            1,
            "nothing of the second insert is kept"
        );
    }
}

#[tokio::test]
async fn the_bundled_sqlite_supports_returning_and_upsert_conditions() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open_sqlite(dir.path()).await.expect("store");
    let version: String = store
        .db()
        .read(|tx| Box::pin(async move { tx.value("SELECT sqlite_version()", &[]).await }))
        .await
        .expect("version");
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    assert!(
        parts >= vec![3, 35],
        "RETURNING (the booking's upsert, enrolment) needs SQLite 3.35 or newer; bundled is {version}"
    );
    let returned: Option<i64> = store
        .db()
        .write(|tx| {
            Box::pin(async move {
                tx.query_opt(
                    "INSERT INTO pickup_slots (slot_date, slot_time, booked) VALUES ('2026-12-01', '09:00', 1)
                     ON CONFLICT (slot_date, slot_time) DO UPDATE SET booked = pickup_slots.booked + 1
                     WHERE pickup_slots.booked < 1 RETURNING booked",
                    &[],
                    |r| r.get(0),
                )
                .await
            })
        })
        .await
        .expect("upsert");
    assert_eq!(returned, Some(1), "a new row is returned");
}
