//! Upgrades with pending data: a vault written by the previous release (a committed
//! fixture, `tests/fixtures/previous-release/`, see its README) is opened by today's
//! code, which runs its migrations, keeps its drafts, and sends its finalized records
//! and their photos to a real office server on loopback exactly once.
//!
//! The fixture is remade with
//! `OUTREACH_WRITE_FIXTURE=1 cargo test -p outreach-vault --test upgrade -- --ignored`
//! by the release that ships (it is "the previous release" for the next one).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{Policy, RosterEntry, Vault, keyring_path, outbox};
use sha2::{Digest, Sha256};

/// Test-only secrets, written in the fixture's README too.
const STAFF_ID: &str = "prev01";
const STAFF_NAME: &str = "旧版 花子";
const PASSWORD: &str = "previous-release-kiri-4821";

/// What the generator put in the fixture, committed beside it as `manifest.json`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// `PRAGMA user_version` of the fixture as written.
    schema_version: i64,
    /// The finalized, unsent records' ids.
    finalized: Vec<String>,
    /// The drafts' ids and the name each holds.
    drafts: Vec<(String, String)>,
    /// SHA-256 (hex) of every photo of a finalized record.
    finalized_photos: Vec<String>,
    /// SHA-256 (hex) of the draft's photo.
    draft_photo: String,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous-release")
}

fn made_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small, well-formed JPEG the office accepts, different for each `seed`.
fn photo(seed: u32) -> Vec<u8> {
    outreach_server::photo_file::synthetic_jpeg(6_000, seed, 640, 480)
}

#[test]
#[ignore = "writes the committed fixture: OUTREACH_WRITE_FIXTURE=1 … -- --ignored"]
fn write_the_previous_release_fixture() {
    if std::env::var_os("OUTREACH_WRITE_FIXTURE").is_none() {
        eprintln!(
            "set OUTREACH_WRITE_FIXTURE=1 to rewrite {}",
            fixture_dir().display()
        );
        return;
    }
    let work = tempfile::tempdir().expect("dir");
    let db = work.path().join("vault.db");
    let office = SecretKey::generate().expect("office key");
    let staff = SecretKey::generate().expect("staff key");
    let entry = RosterEntry {
        staff_id: STAFF_ID.into(),
        name: STAFF_NAME.into(),
        public_key: staff.public_key(),
        wrap: PasswordWrap::wrap(&staff, PASSWORD, KdfParams::FOR_TESTS, STAFF_ID.as_bytes())
            .expect("wrap"),
    };
    let now = made_at();
    Vault::create(&db, &office.public_key(), &[entry], now).expect("create");
    let mut vault =
        Vault::sign_in(&db, STAFF_ID, PASSWORD, now, Policy::default()).expect("sign in");
    let trip = NewTrip {
        id: records::new_id(now).expect("id"),
        site_name: "旧版の出張先".into(),
        site_address: "群馬県太田市浜町".into(),
        date: now.date_naive(),
        mode: Mode::Uketsuke,
        expected_count: None,
        from_office: false,
        staff: Vec::new(),
    };
    vault
        .write(|tx, s| records::insert_trip(tx, &trip, now, s))
        .expect("trip");
    let mut finalized = Vec::new();
    let mut finalized_photos = Vec::new();
    for i in 0..3u32 {
        let id = records::new_id(now).expect("id");
        let bytes = photo(i);
        finalized_photos.push(hex(&Sha256::digest(&bytes)));
        let payload = serde_json::json!({
            "name": format!("旧版 申請者{i}"),
            "applicationId": format!("{:023}", 9_000 + i),
        });
        let photos = [PhotoIn {
            role: PhotoRole::Original,
            bytes: &bytes,
            media_type: "image/jpeg",
        }];
        vault
            .write(|tx, s| {
                records::save_draft(tx, &id, &trip.id, &payload, &photos, now, s)?;
                records::finalize(tx, &id, now, s)
            })
            .expect("finalized record");
        finalized.push(id);
    }
    let draft_bytes = photo(100);
    let mut drafts = Vec::new();
    for (i, name) in ["下書き 一郎", "下書き 二郎"].into_iter().enumerate() {
        let id = records::new_id(now).expect("id");
        let payload = serde_json::json!({ "name": name });
        let photos = [PhotoIn {
            role: PhotoRole::Original,
            bytes: &draft_bytes,
            media_type: "image/jpeg",
        }];
        // The first draft has a photo already, the second only typed fields.
        let photos: &[PhotoIn<'_>] = if i == 0 { &photos } else { &[] };
        vault
            .write(|tx, s| records::save_draft(tx, &id, &trip.id, &payload, photos, now, s))
            .expect("draft");
        drafts.push((id, name.to_owned()));
    }
    let schema_version: i64 = vault
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    vault
        .close(outreach_vault::audit::Action::SignOut, now)
        .expect("close");

    let out = fixture_dir();
    std::fs::create_dir_all(&out).expect("fixture dir");
    for name in ["vault.db", "vault.db.keys"] {
        std::fs::copy(work.path().join(name), out.join(name)).expect("copy");
    }
    assert!(
        !work.path().join("vault.db-wal").exists(),
        "the vault is one file once closed"
    );
    std::fs::write(out.join("office.key"), format!("{}\n", &*office.to_hex())).expect("key");
    let manifest = Manifest {
        schema_version,
        finalized,
        drafts,
        finalized_photos,
        draft_photo: hex(&Sha256::digest(&draft_bytes)),
    };
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).expect("json") + "\n",
    )
    .expect("manifest");
}

/// The fixture copied to a temporary folder: the committed files are never written.
fn fixture_copy() -> (tempfile::TempDir, PathBuf, Manifest) {
    let dir = tempfile::tempdir().expect("dir");
    for name in ["vault.db", "vault.db.keys"] {
        std::fs::copy(fixture_dir().join(name), dir.path().join(name))
            .unwrap_or_else(|e| panic!("the committed fixture {name}: {e}"));
    }
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(fixture_dir().join("manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    let db = dir.path().join("vault.db");
    (dir, db, manifest)
}

struct Office {
    store: Arc<outreach_server::store::Store>,
    url: String,
    pin: String,
    state: outreach_server::AppState,
    _dir: tempfile::TempDir,
}

/// The real office server over pinned HTTPS on a free loopback port.
async fn office() -> Office {
    use outreach_server::tls::TlsMaterial;
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(
        outreach_server::store::Store::open_sqlite(dir.path())
            .await
            .expect("store"),
    );
    // The office takes records only from staff it has: the fixture's author.
    let author = outreach_server::staff::new_account(
        STAFF_ID,
        STAFF_NAME,
        outreach_server::store::Role::Staff,
        PASSWORD,
        KdfParams::FOR_TESTS,
        chrono::Utc::now(),
    )
    .expect("account");
    store.insert_staff(&author).await.expect("staff");
    let tls =
        TlsMaterial::self_made(&dir.path().join("tls"), &["127.0.0.1".to_owned()]).expect("cert");
    let pin = tls.spki_pin().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    let mut state = outreach_server::AppState::new(store.clone(), KdfParams::FOR_TESTS);
    state.spki_pin = Some(pin.clone());
    tokio::spawn(outreach_server::serve_tls(
        listener,
        state.clone(),
        tls,
        std::future::pending(),
    ));
    Office {
        store,
        url,
        pin,
        state,
        _dir: dir,
    }
}

#[tokio::test]
async fn a_previous_release_vault_upgrades_keeps_its_drafts_and_sends_everything_once() {
    let (_dir, db, manifest) = fixture_copy();
    assert!(
        keyring_path(&db).is_file(),
        "the keyring travels with the vault"
    );
    let now = made_at() + chrono::Duration::days(30);

    // Today's code opens it: sign-in runs every migration newer than the file.
    let vault = Vault::sign_in(&db, STAFF_ID, PASSWORD, now, Policy::default())
        .expect("the previous release's vault opens with today's code");
    let version: i64 = vault
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert!(
        version >= manifest.schema_version,
        "migrated forward from {} (now {version})",
        manifest.schema_version
    );
    assert_eq!(vault.staff_name().expect("name"), STAFF_NAME);

    // The drafts are there, still drafts, with what was typed and the photo.
    for (id, name) in &manifest.drafts {
        let row = records::latest(vault.conn(), id)
            .expect("read")
            .expect("the draft survived the upgrade");
        assert_eq!(row.state, "draft");
        assert_eq!(row.payload["name"], name.as_str());
    }
    let draft_photo: Vec<u8> = vault
        .conn()
        .query_row(
            "SELECT sha256 FROM record_photos WHERE record_id = ?1",
            [&manifest.drafts[0].0],
            |r| r.get(0),
        )
        .expect("the draft's photo link");
    assert_eq!(hex(&draft_photo), manifest.draft_photo);
    let bytes = outbox::photo(vault.conn(), &draft_photo.try_into().expect("32 bytes"))
        .expect("read")
        .expect("the draft's photo bytes");
    assert_eq!(hex(&Sha256::digest(&bytes)), manifest.draft_photo);

    // The finalized records wait in the outbox.
    let pending: Vec<String> = outbox::pending(vault.conn())
        .expect("outbox")
        .into_iter()
        .map(|item| item.id)
        .collect();
    let mut expected = manifest.finalized.clone();
    expected.sort();
    let mut got = pending.clone();
    got.sort();
    assert_eq!(got, expected, "every finalized record is still unsent");

    // A real office: the tablet enrols (a new credential; the old server is gone) and
    // syncs twice. The second run must find nothing to do.
    let office = office().await;
    let issued = outreach_server::api::console::make_enrolment(
        &office.state,
        "boss",
        "upgraded tablet",
        15,
        office.url.clone(),
    )
    .await
    .expect("code");
    let client =
        outreach_sync::OfficeClient::new_pinned(&office.url, &office.pin, Duration::from_secs(10))
            .expect("client");
    let credential = client
        .enrol(&issued.enrolment.code, None, None)
        .await
        .expect("enrol")
        .credential;
    let vault = Mutex::new(vault);
    let first = outreach_sync::engine::sync_once(&vault, &client, &credential, &mut |_| {})
        .await
        .expect("sync");
    assert_eq!(first.records_sent, 3);
    let again = outreach_sync::engine::sync_once(&vault, &client, &credential, &mut |_| {})
        .await
        .expect("sync");
    assert_eq!(
        (again.records_sent, again.bytes_sent),
        (0, 0),
        "a second run sends nothing"
    );

    let stats = office.store.stats().await.expect("stats");
    assert_eq!(
        (stats.records, stats.photos, stats.uploads),
        (3, 3, 0),
        "exactly the finalized records and their photos, once; drafts stay on the tablet"
    );
    for sha in &manifest.finalized_photos {
        let held = office
            .store
            .photo(sha)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("photo {sha} reached the office"));
        assert_eq!(
            &hex(&Sha256::digest(&held)),
            sha,
            "the office's copy is intact"
        );
    }
    let vault = vault.into_inner().expect("vault");
    assert!(outbox::pending(vault.conn()).expect("outbox").is_empty());
    for (id, _) in &manifest.drafts {
        let row = records::latest(vault.conn(), id)
            .expect("read")
            .expect("draft");
        assert_eq!(row.state, "draft", "a draft is never sent");
    }
}
