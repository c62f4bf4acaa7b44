//! The sync engine against the real office server (HTTPS on a free loopback port,
//! pinned), through a fault-injecting TCP proxy that cuts connections mid-transfer.
//! Nothing may be lost, duplicated or marked Sent before the office holds it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use outreach_keys::{KdfParams, SecretKey};
use outreach_server::store::{Role, Store};
use outreach_server::{AppState, tls::TlsMaterial};
use outreach_sync::OfficeClient;
use outreach_sync::api::ApiError;
use outreach_sync::engine::{SyncError, sync_once};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{Policy, Vault, outbox};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "sync-kiri-7291-sakura";

struct Office {
    store: Arc<Store>,
    addr: SocketAddr,
    pin: String,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn office() -> Office {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<Store> = Arc::new(Store::open_sqlite(dir.path()).await.expect("store"));
    let tls =
        TlsMaterial::self_made(&dir.path().join("tls"), &["127.0.0.1".to_owned()]).expect("cert");
    let pin = tls.spki_pin().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("addr");
    let mut state = AppState::new(store.clone(), KdfParams::FOR_TESTS);
    state.spki_pin = Some(pin.clone());
    tokio::spawn(outreach_server::serve_tls(
        listener,
        state.clone(),
        tls,
        std::future::pending(),
    ));
    Office {
        store,
        addr,
        pin,
        state,
        _dir: dir,
    }
}

/// A TCP proxy in front of the office. While `cut_after` is non-zero, each connection
/// is dropped once that many bytes went from the tablet to the office.
struct Proxy {
    addr: SocketAddr,
    cut_after: Arc<AtomicU64>,
    cuts: Arc<AtomicU64>,
    down: Arc<AtomicBool>,
    /// Bytes passed from the tablet to the office, all connections.
    forwarded: Arc<AtomicU64>,
}

async fn proxy(to: SocketAddr) -> Proxy {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("addr");
    let cut_after = Arc::new(AtomicU64::new(0));
    let cuts = Arc::new(AtomicU64::new(0));
    let down = Arc::new(AtomicBool::new(false));
    let forwarded = Arc::new(AtomicU64::new(0));
    let (c, n, d, f) = (
        cut_after.clone(),
        cuts.clone(),
        down.clone(),
        forwarded.clone(),
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut tablet, _)) = listener.accept().await else {
                return;
            };
            if d.load(Ordering::SeqCst) {
                continue; // dropped: the link is down
            }
            let limit = c.load(Ordering::SeqCst);
            let cuts = n.clone();
            let forwarded = f.clone();
            tokio::spawn(async move {
                let Ok(mut office) = tokio::net::TcpStream::connect(to).await else {
                    return;
                };
                let (mut tr, mut tw) = tablet.split();
                let (mut or, mut ow) = office.split();
                let up = async {
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut passed = 0u64;
                    loop {
                        let n = tr.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        let n = if limit > 0 {
                            n.min((limit - passed) as usize)
                        } else {
                            n
                        };
                        if ow.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                        passed += n as u64;
                        forwarded.fetch_add(n as u64, Ordering::SeqCst);
                        if limit > 0 && passed >= limit {
                            cuts.fetch_add(1, Ordering::SeqCst);
                            return; // the pocket Wi-Fi lost its signal
                        }
                    }
                };
                let down = async {
                    let _ = tokio::io::copy(&mut or, &mut tw).await;
                };
                tokio::select! { () = up => {}, () = down => {} }
            });
        }
    });
    Proxy {
        addr,
        cut_after,
        cuts,
        down,
        forwarded,
    }
}

/// A tablet vault with `n` finalized records, each with its own photo, and its
/// enrolment's credential.
async fn tablet(office: &Office, n: usize) -> (tempfile::TempDir, Mutex<Vault>, String) {
    let account = outreach_server::staff::new_account(
        "demo01",
        "試験 太郎",
        Role::Staff,
        PASSWORD,
        KdfParams::RFC9106_SECOND,
        chrono::Utc::now(),
    )
    .expect("account");
    let _ = office.store.insert_staff(&account).await;
    let issued = outreach_server::api::console::make_enrolment(
        &office.state,
        "boss",
        "tablet",
        15,
        format!("https://{}", office.addr),
    )
    .await
    .expect("code");
    let client = OfficeClient::new_pinned(
        &format!("https://{}", office.addr),
        &office.pin,
        Duration::from_secs(10),
    )
    .expect("client");
    let credential = client
        .enrol(&issued.enrolment.code, None, None)
        .await
        .expect("enrol");
    let roster = client.roster(&credential.credential).await.expect("roster");
    let entries = outreach_sync::enrol::roster_entries(roster).expect("roster");
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("vault.db");
    let office_key = SecretKey::generate().expect("key").public_key();
    let now = chrono::Utc::now;
    Vault::create(&db, &office_key, &entries, now()).expect("vault");
    let mut vault =
        Vault::sign_in(&db, "demo01", PASSWORD, now(), Policy::default()).expect("sign in");
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
    for i in 0..n {
        let id = records::new_id(now()).expect("id");
        // The office stores only a well-formed JPEG.
        let photo = outreach_server::photo_file::synthetic_jpeg(300_000, i as u32, 640, 480);
        let photos = [PhotoIn {
            role: PhotoRole::Original,
            bytes: &photo,
            media_type: "image/jpeg",
        }];
        let payload = serde_json::json!({ "name": format!("申請者 {i}"), "applicationId": format!("{:023}", i) });
        vault
            .write(|tx, s| {
                records::save_draft(tx, &id, &trip.id, &payload, &photos, now(), s)?;
                records::finalize(tx, &id, now(), s)
            })
            .expect("record");
    }
    (dir, Mutex::new(vault), credential.credential)
}

fn pending(vault: &Mutex<Vault>) -> usize {
    outbox::pending(vault.lock().expect("lock").conn())
        .expect("outbox")
        .len()
}

#[tokio::test]
async fn everything_arrives_once_and_a_second_run_sends_nothing() {
    let office = office().await;
    let (_dir, vault, credential) = tablet(&office, 12).await;
    let client = OfficeClient::new_pinned(
        &format!("https://{}", office.addr),
        &office.pin,
        Duration::from_secs(10),
    )
    .expect("client");
    let mut seen = Vec::new();
    let summary = sync_once(&vault, &client, &credential, &mut |p| seen.push(p.clone()))
        .await
        .expect("sync");
    assert_eq!(summary.records_sent, 12);
    assert_eq!(summary.bytes_resent, 0, "nothing re-sent on a good link");
    assert_eq!(pending(&vault), 0, "every record is Sent");
    assert!(
        seen.iter()
            .any(|p| p.bytes_done > 0 && p.bytes_done < p.bytes_total),
        "progress moves byte by byte"
    );
    assert_eq!(seen.last().map(|p| p.items_sent), Some(12));
    let stats = office.store.stats().await.expect("stats");
    assert_eq!((stats.records, stats.photos), (12, 12));

    let again = sync_once(&vault, &client, &credential, &mut |_| {})
        .await
        .expect("sync");
    assert_eq!(
        (again.records_sent, again.bytes_sent),
        (0, 0),
        "a second run has nothing to do"
    );
}

/// Syncs through `proxy` until nothing is pending; returns (runs, bytes the tablet put
/// on the link towards the office).
async fn sync_through(
    proxy: &Proxy,
    office: &Office,
    vault: &Mutex<Vault>,
    credential: &str,
) -> (u32, u64, u64) {
    let client = OfficeClient::new_pinned(
        &format!("https://{}", proxy.addr),
        &office.pin,
        Duration::from_secs(10),
    )
    .expect("client");
    let before = proxy.forwarded.load(Ordering::SeqCst);
    let mut runs = 0;
    let mut resent = 0;
    loop {
        runs += 1;
        assert!(runs < 100, "the engine must make progress through the cuts");
        match sync_once(vault, &client, credential, &mut |_| {}).await {
            Ok(s) if pending(vault) == 0 => {
                resent += s.bytes_resent;
                break;
            }
            Ok(s) => resent += s.bytes_resent,
            Err(SyncError::Api(e)) => assert!(e.is_transient(), "a cut is transient, got {e}"),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    (
        runs,
        proxy.forwarded.load(Ordering::SeqCst) - before,
        resent,
    )
}

#[tokio::test]
async fn a_link_that_keeps_dropping_loses_and_duplicates_nothing() {
    // The same eight records, once over a good link and once over one that drops every
    // connection after 400 KB up (so nearly every photo PATCH is cut).
    let clean_office = office().await;
    let clean_proxy = proxy(clean_office.addr).await;
    let (_d1, clean_vault, clean_credential) = tablet(&clean_office, 8).await;
    let (_, clean_bytes, clean_resent) =
        sync_through(&clean_proxy, &clean_office, &clean_vault, &clean_credential).await;

    let office = office().await;
    let proxy = proxy(office.addr).await;
    let (_d2, vault, credential) = tablet(&office, 8).await;
    proxy.cut_after.store(400_000, Ordering::SeqCst);
    assert_eq!(clean_resent, 0, "nothing re-sent on a good link");
    let (runs, cut_bytes, resent) = sync_through(&proxy, &office, &vault, &credential).await;
    let cuts = proxy.cuts.load(Ordering::SeqCst);
    assert!(cuts >= 4, "the proxy really cut connections ({cuts})");

    let stats = office.store.stats().await.expect("stats");
    assert_eq!(
        (stats.records, stats.photos),
        (8, 8),
        "exactly once, after {runs} runs"
    );
    assert_eq!(stats.uploads, 0, "no upload left behind");
    // What each cut cost: the bytes in flight (a partial TLS record, socket buffers),
    // plus a new connection's handshake and the manifest and HEAD that find the offset.
    let extra = cut_bytes.saturating_sub(clean_bytes);
    eprintln!(
        "{runs} runs, {cuts} cuts: {cut_bytes} bytes up against {clean_bytes} on a good link \
         ({} per cut); the engine counted {resent} bytes as sent again",
        extra / cuts
    );
    assert!(
        resent > 0 && resent <= cuts * 300_000,
        "the engine's own count of what the cuts cost is bounded by the PATCHes cut: {resent}"
    );
    assert!(
        extra <= cuts * 64 * 1024,
        "a cut must cost at most what was in flight, not the photo: {extra} extra bytes over {cuts} cuts"
    );
}

#[tokio::test]
async fn a_down_link_marks_nothing_sent_and_a_revoked_tablet_is_told() {
    let office = office().await;
    let proxy = proxy(office.addr).await;
    let (_dir, vault, credential) = tablet(&office, 2).await;
    let client = OfficeClient::new_pinned(
        &format!("https://{}", proxy.addr),
        &office.pin,
        Duration::from_secs(3),
    )
    .expect("client");
    proxy.down.store(true, Ordering::SeqCst);
    let err = sync_once(&vault, &client, &credential, &mut |_| {})
        .await
        .expect_err("down");
    assert!(
        matches!(err, SyncError::Api(ApiError::Unreachable(_))),
        "{err}"
    );
    assert_eq!(
        pending(&vault),
        2,
        "nothing is Sent while the office is out of reach"
    );
    proxy.down.store(false, Ordering::SeqCst);

    let device = office.store.devices().await.expect("devices").remove(0);
    office
        .store
        .revoke_device(
            &device.device_id,
            &outreach_server::store::Actor::System,
            &outreach_server::store::timestamp(chrono::Utc::now()),
        )
        .await
        .expect("revoke");
    let err = sync_once(&vault, &client, &credential, &mut |_| {})
        .await
        .expect_err("revoked");
    assert!(matches!(err, SyncError::Api(ApiError::Revoked)), "{err}");
    assert_eq!(pending(&vault), 2);
}
