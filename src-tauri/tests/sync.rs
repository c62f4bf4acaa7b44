//! The app's background sync against the real office server (HTTPS on a free loopback
//! port, pinned), without a window: it sends by itself, says so, and a tablet the
//! office revoked destroys its staff keys.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use outreach_app_lib::ipc::SyncPhase;
use outreach_app_lib::sync::{SyncControl, run};
use outreach_app_lib::{Office, Session};
use outreach_keys::{KdfParams, SecretKey};
use outreach_server::store::{Role, Store};
use outreach_server::{AppState, tls::TlsMaterial};
use outreach_vault::outbox::{self, Enrolment};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{Policy, Vault, VaultError};

const PASSWORD: &str = "sync-kiri-7291-sakura";

fn add_record(vault: &mut Vault, trip: &str, n: u32) {
    let now = chrono::Utc::now();
    let id = records::new_id(now).expect("id");
    // The office stores only a well-formed JPEG.
    let photo = outreach_server::photo_file::synthetic_jpeg(50_000, n, 640, 480);
    let photos = [PhotoIn {
        role: PhotoRole::Original,
        bytes: &photo,
        media_type: "image/jpeg",
    }];
    vault
        .write(|tx, s| {
            records::save_draft(
                tx,
                &id,
                trip,
                &serde_json::json!({ "n": n }),
                &photos,
                now,
                s,
            )?;
            records::finalize(tx, &id, now, s)
        })
        .expect("record");
}

/// Waits (at most 30 s) until the status satisfies `done`.
async fn until(
    session: &Session,
    control: &SyncControl,
    done: impl Fn(&outreach_app_lib::ipc::SyncStatus) -> bool,
) {
    for _ in 0..300 {
        let overview = session
            .0
            .lock()
            .expect("lock")
            .as_ref()
            .map(|v| outbox::overview(v.conn()).expect("overview"));
        if done(&control.status(overview, None)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("sync did not get there within 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_runs_by_itself_and_a_revoked_tablet_destroys_its_staff_keys() {
    let dir = tempfile::tempdir().expect("dir");
    let store: Arc<Store> = Arc::new(Store::open_sqlite(dir.path()).await.expect("store"));
    let tls =
        TlsMaterial::self_made(&dir.path().join("tls"), &["127.0.0.1".to_owned()]).expect("cert");
    let pin = tls.spki_pin().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    let mut state = AppState::new(store.clone(), KdfParams::FOR_TESTS);
    state.spki_pin = Some(pin.clone());
    tokio::spawn(outreach_server::serve_tls(
        listener,
        state.clone(),
        tls,
        std::future::pending(),
    ));

    let account = outreach_server::staff::new_account(
        "s001",
        "試験 花子",
        Role::Staff,
        PASSWORD,
        KdfParams::RFC9106_SECOND,
        chrono::Utc::now(),
    )
    .expect("account");
    store.insert_staff(&account).await.expect("staff");
    let issued =
        outreach_server::api::console::make_enrolment(&state, "boss", "t1", 15, url.clone())
            .await
            .expect("code");
    let client =
        outreach_sync::enrol::client(&url, Some(&pin), Duration::from_secs(10)).expect("client");
    let credential = client
        .enrol(&issued.enrolment.code, None, None)
        .await
        .expect("enrol");
    let roster = outreach_sync::enrol::roster_entries(
        client.roster(&credential.credential).await.expect("roster"),
    )
    .expect("entries");

    let db = dir.path().join("vault.db");
    let office_key = SecretKey::generate().expect("key").public_key();
    Vault::create(&db, &office_key, &roster, chrono::Utc::now()).expect("vault");
    let mut vault = Vault::sign_in(&db, "s001", PASSWORD, chrono::Utc::now(), Policy::default())
        .expect("sign in");
    let enrolment = Enrolment {
        server_url: url.clone(),
        spki_pin: Some(pin.clone()),
        device_id: credential.device_id.clone(),
        credential: credential.credential.clone(),
        expires_at: credential.expires_at.clone(),
        renew_after: Some(credential.renew_after.clone()),
    };
    vault
        .write(|tx, _| outbox::set_enrolment(tx, Some(&enrolment)))
        .expect("enrolment");
    let trip = records::new_id(chrono::Utc::now()).expect("id");
    let new_trip = NewTrip {
        id: trip.clone(),
        site_name: "出張先".into(),
        site_address: "群馬県太田市".into(),
        date: chrono::Utc::now().date_naive(),
        mode: Mode::Uketsuke,
        expected_count: None,
        from_office: false,
        staff: Vec::new(),
    };
    vault
        .write(|tx, s| records::insert_trip(tx, &new_trip, chrono::Utc::now(), s))
        .expect("trip");
    for n in 0..3 {
        add_record(&mut vault, &trip, n);
    }

    // The office plans a trip for today (Japan time); the tablet downloads it.
    let today_jst = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let office_trip = outreach_protocol::sync::Trip {
        id: "0193a000-0000-7000-8000-0000000000aa".into(),
        site_name: "ケアホーム太田".into(),
        site_address: "群馬県太田市飯塚町1-1".into(),
        trip_date: today_jst.to_string(),
        mode: "support".into(),
        expected_count: Some(20),
        staff_ids: vec!["s001".into()],
    };
    store
        .insert_trip(
            &office_trip,
            "boss",
            &outreach_server::store::timestamp(chrono::Utc::now()),
        )
        .await
        .expect("office trip");

    let session = Session(Mutex::new(Some(vault)));
    let office = Office::new(Duration::from_secs(3));
    let control = SyncControl::default();
    tokio::select! {
        () = run(&session, &office, &control) => unreachable!("background sync never ends"),
        () = async {
            until(&session, &control, |s| s.outbox.as_ref().is_some_and(|o| o.sent == 3 && o.queued == 0)).await;
            let status = control.status(None, None);
            assert!(status.last_success_display.is_some(), "the panel shows when it last succeeded");
            assert_eq!(office.current().map(|l| l.server_url), Some(url.clone()), "the status bar learns the server from the vault");
            // The refresh after the run stores the office's trips and rules.
            let mut pushed = None;
            for _ in 0..300 {
                pushed = {
                    let guard = session.0.lock().expect("lock");
                    let v = guard.as_ref().expect("open");
                    let trips = records::trips_on(v.conn(), today_jst).expect("trips");
                    let rules = outbox::document_rules(v.conn()).expect("rules");
                    trips.into_iter().find(|t| t.id == office_trip.id).filter(|_| rules.is_some())
                };
                if pushed.is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let pushed = pushed.expect("the office's trip and document rules reach the tablet");
            assert!(pushed.from_office && pushed.mode == Mode::Support && pushed.expected_count == Some(20));

            // The office revokes the tablet; the next call with its credential says so.
            store
                .revoke_device(
                    &credential.device_id,
                    &outreach_server::store::Actor::System,
                    &outreach_server::store::timestamp(chrono::Utc::now()),
                )
                .await
                .expect("revoke");
            add_record(session.0.lock().expect("lock").as_mut().expect("open"), &trip, 9);
            control.wake();
            until(&session, &control, |s| s.phase == SyncPhase::Revoked).await;
        } => {}
    }
    assert!(
        session.0.lock().expect("lock").is_none(),
        "a revoked tablet's vault is closed"
    );
    let e = Vault::sign_in(&db, "s001", PASSWORD, chrono::Utc::now(), Policy::default())
        .expect_err("revoked");
    assert!(
        matches!(e, VaultError::Wiped),
        "no staff password opens a revoked tablet: {e:?}"
    );
}
