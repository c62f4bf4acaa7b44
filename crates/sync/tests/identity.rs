//! A tablet over a contract year against the real office server (HTTPS, pinned), with
//! one injected clock for both: the tablet renews its credential past half its life
//! and syncs after the first one would have expired; a tablet offline past expiry, or
//! whose server was re-keyed, is enrolled again and keeps everything, and its unsent
//! records arrive exactly once; and the tablet's audit chain reaches the office, which
//! flags an event deleted or edited before it was sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use outreach_domain::clock::Clock;
use outreach_keys::KdfParams;
use outreach_server::store::{Role, Store};
use outreach_server::{AppState, tls::TlsMaterial};
use outreach_sync::api::ApiError;
use outreach_sync::engine::{SyncError, sync_once};
use outreach_sync::enrol::{self, parse_code};
use outreach_sync::renew::renew_if_due;
use outreach_vault::Vault;
use outreach_vault::outbox::{self, Enrolment};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "year-kiri-7291-sakura";

/// The office: one store, served over HTTPS by a key that can be replaced.
struct Office {
    store: Arc<Store>,
    state: AppState,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    dir: tempfile::TempDir,
}

impl Office {
    async fn start(clock: Clock) -> Office {
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<Store> = Arc::new(Store::open_sqlite(dir.path()).await.expect("store"));
        let account = outreach_server::staff::new_account(
            "demo01",
            "試験 太郎",
            Role::Supervisor,
            PASSWORD,
            KdfParams::RFC9106_SECOND,
            Utc::now(),
        )
        .expect("account");
        store.insert_staff(&account).await.expect("staff");
        outreach_server::recovery::ensure(&store, dir.path(), None)
            .await
            .expect("office recovery key");
        let mut state = AppState::new(store.clone(), KdfParams::FOR_TESTS);
        state.clock = clock;
        let mut office = Office {
            store,
            state,
            addr: "127.0.0.1:0".parse().expect("addr"),
            stop: None,
            dir,
        };
        office.serve("tls-1").await;
        office
    }

    /// Serves with the TLS key in `key_dir` (made there the first time): a new folder
    /// is a re-keyed server with a new pin, on a new port.
    async fn serve(&mut self, key_dir: &str) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let tls = TlsMaterial::self_made(&self.dir.path().join(key_dir), &["127.0.0.1".to_owned()])
            .expect("cert");
        self.state.spki_pin = Some(tls.spki_pin().to_owned());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        self.addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(outreach_server::serve_tls(
            listener,
            self.state.clone(),
            tls,
            async {
                let _ = stopped.await;
            },
        ));
        self.stop = Some(stop);
    }

    /// A new enrolment code's text, as the console's QR code carries it.
    async fn code(&self) -> String {
        outreach_server::api::console::make_enrolment(
            &self.state,
            "demo01",
            "タブレット1",
            15,
            format!("https://{}", self.addr),
        )
        .await
        .expect("code")
        .text
    }

    /// Record versions held, and whether each photo held has the SHA-256 it is named by.
    async fn held(&self, photos: &[Vec<u8>]) -> (i64, usize) {
        let stats = self.store.stats().await.expect("stats");
        let mut intact = 0;
        for p in photos {
            let sha = hex(&Sha256::digest(p));
            if let Some(bytes) = self.store.photo(&sha).await.expect("photo") {
                assert_eq!(hex(&Sha256::digest(&bytes)), sha, "a photo arrived changed");
                intact += 1;
            }
        }
        (stats.records, intact)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Captures `n` finalized records with a photo each (seeded by `from`); returns the
/// photos' bytes.
fn capture(vault: &Mutex<Vault>, n: usize, from: u32) -> Vec<Vec<u8>> {
    capture_ids(vault, n, from)
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// The same, with each record's ID.
fn capture_ids(vault: &Mutex<Vault>, n: usize, from: u32) -> Vec<(String, Vec<u8>)> {
    let mut vault = vault.lock().expect("vault");
    let now = Utc::now;
    let trip = NewTrip {
        id: records::new_id(now()).expect("id"),
        site_name: "出張先".into(),
        site_address: "群馬県太田市".into(),
        date: now().date_naive(),
        mode: Mode::Uketsuke,
        expected_count: None,
        from_office: false,
        staff: Vec::new(),
    };
    vault
        .write(|tx, s| records::insert_trip(tx, &trip, now(), s))
        .expect("trip");
    (0..n as u32)
        .map(|i| {
            let id = records::new_id(now()).expect("id");
            let photo = outreach_server::photo_file::synthetic_jpeg(120_000, from + i, 640, 480);
            let photos = [PhotoIn {
                role: PhotoRole::Original,
                bytes: &photo,
                media_type: "image/jpeg",
            }];
            let payload = serde_json::json!({
                "name": format!("申請者 {}", from + i),
                "applicationId": format!("{:023}", from + i),
            });
            vault
                .write(|tx, s| {
                    records::save_draft(tx, &id, &trip.id, &payload, &photos, now(), s)?;
                    records::finalize(tx, &id, now(), s)
                })
                .expect("record");
            (id, photo)
        })
        .collect()
}

fn enrolment(vault: &Mutex<Vault>) -> Enrolment {
    let vault = vault.lock().expect("vault");
    outbox::enrolment(vault.conn())
        .expect("vault")
        .expect("enrolled")
}

fn client(e: &Enrolment) -> outreach_sync::OfficeClient {
    enrol::client(
        &e.server_url,
        e.spki_pin.as_deref(),
        Duration::from_secs(20),
    )
    .expect("client")
}

/// What the tablet's sync does: renew when due, then a run.
async fn sync(vault: &Mutex<Vault>, now: DateTime<Utc>) -> Result<Enrolment, SyncError> {
    let e = enrolment(vault);
    let office = client(&e);
    let e = renew_if_due(vault, &office, e, now).await?;
    sync_once(vault, &office, &e.credential, &mut |_| {}).await?;
    Ok(e)
}

fn pending(vault: &Mutex<Vault>) -> usize {
    outbox::pending(vault.lock().expect("vault").conn())
        .expect("outbox")
        .len()
}

async fn new_tablet(office: &Office, dir: &tempfile::TempDir) -> Mutex<Vault> {
    let code = parse_code(&office.code().await).expect("code");
    let db = dir.path().join("vault.db");
    let vault = enrol::enrol_new_tablet(&code, &db, "demo01", PASSWORD)
        .await
        .expect("enrol");
    Mutex::new(vault)
}

fn day0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap()
}

#[tokio::test]
async fn a_tablet_enrolled_179_days_ago_renewed_and_syncs_on_day_200() {
    let clock = Clock::manual(day0());
    let office = Office::start(clock.clone()).await;
    let dir = tempfile::tempdir().expect("dir");
    let vault = new_tablet(&office, &dir).await;
    let first = enrolment(&vault);
    let mut photos = capture(&vault, 2, 0);
    let e = sync(&vault, clock.now()).await.expect("day 0");
    assert_eq!(e.credential, first.credential, "nothing to renew on day 0");

    clock.advance(chrono::Duration::days(179));
    let renewed = sync(&vault, clock.now()).await.expect("day 179");
    assert_ne!(
        renewed.credential, first.credential,
        "renewed past half its life"
    );
    assert_eq!(
        enrolment(&vault),
        renewed,
        "the vault keeps the renewed credential"
    );
    assert!(
        matches!(
            client(&first).roster(&first.credential).await,
            Err(ApiError::NotEnrolled(_))
        ),
        "once the new credential was used, the old one is refused"
    );

    clock.advance(chrono::Duration::days(21));
    photos.extend(capture(&vault, 3, 100));
    sync(&vault, clock.now())
        .await
        .expect("day 200: past the first credential's expiry");
    assert_eq!(pending(&vault), 0);
    assert_eq!(office.held(&photos).await, (5, 5));
}

#[tokio::test]
async fn a_tablet_offline_past_expiry_is_refused_and_recovers_by_enrolling_again() {
    let clock = Clock::manual(day0());
    let office = Office::start(clock.clone()).await;
    let dir = tempfile::tempdir().expect("dir");
    let vault = new_tablet(&office, &dir).await;
    let mut photos = capture(&vault, 3, 0);
    sync(&vault, clock.now()).await.expect("day 0");
    photos.extend(capture(&vault, 7, 10));

    // 181 days without a link: the credential is gone, and the tablet is told so.
    clock.advance(chrono::Duration::days(181));
    match sync(&vault, clock.now()).await {
        Err(SyncError::Api(ApiError::NotEnrolled(code))) => assert_eq!(code, "credential_expired"),
        other => panic!("an expired credential must be refused, got {other:?}"),
    }
    assert_eq!(pending(&vault), 7, "nothing is lost or marked sent");

    // Enrolled again with a new code: the vault keeps its records, which arrive once.
    let code = parse_code(&office.code().await).expect("code");
    let again = enrol::enrol_vault(&code, &vault)
        .await
        .expect("enrol again");
    assert_eq!(
        enrolment(&vault),
        again,
        "the vault holds the new enrolment"
    );
    sync(&vault, clock.now())
        .await
        .expect("syncs after enrolling again");
    assert_eq!(pending(&vault), 0);
    assert_eq!(
        office.held(&photos).await,
        (10, 10),
        "10 records and photos, once each"
    );
}

#[tokio::test]
async fn a_re_keyed_server_gets_ten_unsent_records_once_after_enrolling_again() {
    let clock = Clock::manual(day0());
    let mut office = Office::start(clock.clone()).await;
    let dir = tempfile::tempdir().expect("dir");
    let vault = new_tablet(&office, &dir).await;
    let mut photos = capture(&vault, 2, 0);
    sync(&vault, clock.now()).await.expect("first sync");
    photos.extend(capture(&vault, 10, 50));

    // The server's TLS key is replaced: the pinned tablet will not talk to it.
    office.serve("tls-2").await;
    let moved = Enrolment {
        server_url: format!("https://{}", office.addr),
        ..enrolment(&vault)
    };
    let pinned_to_old = client(&moved);
    assert!(
        matches!(pinned_to_old.roster(&moved.credential).await, Err(e) if e.is_pin_mismatch()),
        "the old pin refuses the new key"
    );

    clock.advance(chrono::Duration::minutes(5));
    let code = parse_code(&office.code().await).expect("code");
    enrol::enrol_vault(&code, &vault)
        .await
        .expect("enrol again");
    assert_eq!(pending(&vault), 10);
    sync(&vault, clock.now())
        .await
        .expect("syncs with the new pin");
    assert_eq!(pending(&vault), 0);
    assert_eq!(
        office.held(&photos).await,
        (12, 12),
        "12 held, 0 duplicates"
    );
    let devices = office.store.devices().await.expect("devices");
    assert_eq!(devices.len(), 2);
    assert_eq!(
        devices[0].tablet, devices[1].tablet,
        "one tablet, two enrolments"
    );
    let vault_id = vault.lock().expect("vault").vault_id().to_owned();
    assert_eq!(
        devices[0].tablet, vault_id,
        "named by its vault's id from the first enrolment"
    );
    assert_eq!(
        devices[0].replaced_by.as_deref(),
        Some(devices[1].device_id.as_str())
    );
}

#[tokio::test]
async fn a_tablet_enrolled_again_sends_amendments_of_its_own_records() {
    let clock = Clock::manual(day0());
    let office = Office::start(clock.clone()).await;
    let dir = tempfile::tempdir().expect("dir");
    let vault = new_tablet(&office, &dir).await;
    let (id, _) = capture_ids(&vault, 1, 0).remove(0);
    sync(&vault, clock.now()).await.expect("first sync");
    let code = parse_code(&office.code().await).expect("code");
    enrol::enrol_vault(&code, &vault)
        .await
        .expect("enrol again");
    {
        let mut v = vault.lock().expect("vault");
        let amended =
            serde_json::json!({ "name": "申請者 訂正", "applicationId": format!("{:023}", 0) });
        v.write(|tx, s| records::amend(tx, &id, "氏名の誤り", &amended, &[], Utc::now(), s))
            .expect("amend");
    }
    sync(&vault, clock.now())
        .await
        .expect("the amendment is accepted from the new device");
    assert_eq!(office.store.stats().await.expect("stats").records, 2);
}

#[tokio::test]
async fn the_audit_chain_reaches_the_office_and_a_deleted_or_edited_event_is_flagged() {
    use outreach_server::store::TrailFilter;
    let clock = Clock::manual(day0());
    let office = Office::start(clock.clone()).await;
    let dir = tempfile::tempdir().expect("dir");
    let vault = new_tablet(&office, &dir).await;
    capture(&vault, 2, 0);
    sync(&vault, clock.now()).await.expect("first sync");
    let all = TrailFilter {
        staff_id: Some("demo01".into()),
        limit: 1000,
        ..TrailFilter::default()
    };
    let trail = office.store.trail(&all).await.expect("trail");
    let tablet: Vec<_> = trail.iter().filter(|e| e.source == "tablet").collect();
    let (events, sent) = {
        let held = vault.lock().expect("vault");
        (
            outreach_vault::audit::events(held.conn()).expect("events"),
            outreach_vault::audit::sent_through(held.conn()).expect("sent"),
        )
    };
    assert!(sent >= 5, "sign-in, trip, records: {sent}");
    assert_eq!(
        tablet
            .iter()
            .filter(|e| e.chain.as_deref() == Some("intact"))
            .count(),
        events
            .iter()
            .filter(|e| e.seq <= sent && e.staff_id == "demo01")
            .count(),
        "an intact chain is accepted whole"
    );
    assert!(tablet.iter().any(|e| e.action == "record_finalized"));
    assert!(
        tablet
            .iter()
            .all(|e| e.device_name.as_deref() == Some("タブレット1"))
    );

    // Two more records; then, before they are sent, one event is deleted from the
    // vault and another edited (someone with the vault key covering their tracks).
    capture(&vault, 2, 10);
    {
        let v = vault.lock().expect("vault");
        let sent = outreach_vault::audit::sent_through(v.conn()).expect("sent");
        v.conn()
            .execute("DELETE FROM audit_events WHERE seq = ?1", [sent + 2])
            .expect("delete");
        v.conn()
            .execute(
                "UPDATE audit_events SET subject = 'someone-else' WHERE seq = ?1",
                [sent + 4],
            )
            .expect("edit");
    }
    sync(&vault, clock.now()).await.expect("second sync");
    let trail = office.store.trail(&all).await.expect("trail");
    let flagged: Vec<(&str, &str)> = trail
        .iter()
        .filter_map(|e| {
            e.chain
                .as_deref()
                .filter(|c| *c != "intact")
                .map(|c| (c, e.action.as_str()))
        })
        .collect();
    assert_eq!(
        flagged.len(),
        2,
        "the gap and the edit are flagged: {flagged:?}"
    );
    assert!(flagged.iter().any(|(c, _)| *c == "gap"));
    assert!(flagged.iter().any(|(c, _)| *c == "changed"));
    let audit = office.store.audit_log(1000).await.expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "tablet_audit_flagged")
            .count(),
        2,
        "each flag is in the office's own audit trail"
    );
    assert_eq!(
        outreach_vault::audit::unsent(vault.lock().expect("vault").conn(), 10)
            .expect("unsent")
            .len(),
        0
    );
}
