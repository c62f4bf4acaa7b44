//! The vault with its keyring: creation, sign-in, lock-out, office recovery, roster
//! changes and the audit chain, on real encrypted files.

use chrono::{DateTime, Duration, Utc};
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::{CipherProfile, Policy, RosterEntry, Vault, VaultError, audit, keyring_path};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn staff(id: &str, name: &str, password: &str) -> RosterEntry {
    let key = SecretKey::generate().expect("key");
    RosterEntry {
        staff_id: id.into(),
        name: name.into(),
        public_key: key.public_key(),
        wrap: PasswordWrap::wrap(&key, password, KdfParams::FOR_TESTS, id.as_bytes())
            .expect("wrap"),
    }
}

struct Tablet {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    office: SecretKey,
}

fn tablet() -> Tablet {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vault.db");
    let office = SecretKey::generate().expect("office key");
    Vault::create(
        &path,
        &office.public_key(),
        &[
            staff("s001", "太田花子", "hanako-pass"),
            staff("s002", "桐生一郎", "ichiro-pass"),
        ],
        t0(),
    )
    .expect("create vault");
    Tablet {
        _dir: dir,
        path,
        office,
    }
}

#[test]
fn staff_sign_in_with_their_own_password_and_see_their_name() {
    let t = tablet();
    let v = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect("right password signs in");
    assert_eq!(v.staff_id(), "s001");
    assert_eq!(v.staff_name().expect("name"), "太田花子");
    drop(v);
    let v = Vault::sign_in(&t.path, "s002", "ichiro-pass", t0(), Policy::default())
        .expect("second staff member too");
    assert_eq!(v.staff_name().expect("name"), "桐生一郎");
}

#[test]
fn nothing_readable_is_on_disk() {
    let t = tablet();
    let v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    // Keep the connection open so the WAL still exists while we look at it.
    let wal = t.path.with_file_name("vault.db-wal");
    let mut files = vec![std::fs::read(&t.path).expect("db")];
    if let Ok(w) = std::fs::read(&wal) {
        files.push(w);
    }
    files.push(std::fs::read(keyring_path(&t.path)).expect("keyring"));
    assert_ne!(
        &files[0][..16],
        b"SQLite format 3\0",
        "the database header must be encrypted"
    );
    for name in ["太田花子", "桐生一郎"] {
        let utf8 = name.as_bytes().to_vec();
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = name.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (i, f) in files.iter().enumerate() {
            for needle in [&utf8, &utf16, &utf16be] {
                assert!(
                    !f.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "{name} must not appear in file {i} in any encoding"
                );
            }
        }
    }
    drop(v);
}

#[test]
fn wrong_passwords_and_unknown_ids_fail_alike_and_back_off() {
    let t = tablet();
    let p = Policy::default();
    let e = Vault::sign_in(&t.path, "s001", "wrong", t0(), p).expect_err("wrong password");
    assert!(
        matches!(e, VaultError::WrongCredentials { remaining: 9 }),
        "got {e:?}"
    );
    let e = Vault::sign_in(&t.path, "nobody", "hanako-pass", t0(), p).expect_err("unknown id");
    assert!(
        matches!(e, VaultError::WrongCredentials { remaining: 8 }),
        "an unknown ID counts like a wrong password: {e:?}"
    );
    let e = Vault::sign_in(&t.path, "s001", "wrong", t0(), p).expect_err("third");
    assert!(matches!(e, VaultError::WrongCredentials { remaining: 7 }));
    let e = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), p)
        .expect_err("too soon after three failures");
    assert!(
        matches!(e, VaultError::TooSoon { wait_secs: 1 }),
        "the right password must wait out the back-off: {e:?}"
    );
    let later = t0() + Duration::seconds(2);
    let v = Vault::sign_in(&t.path, "s001", "hanako-pass", later, p)
        .expect("after the wait the right password works");
    let events = audit::events(v.conn()).expect("events");
    let failed = events
        .iter()
        .filter(|e| e.action == "sign_in_failed")
        .count();
    assert_eq!(
        failed, 3,
        "every failed attempt reaches the audit log at the next sign-in"
    );
    assert!(
        events.iter().all(|e| e.staff_id != "nobody"),
        "an ID not on the roster is not recorded"
    );
    drop(v);
    let e = Vault::sign_in(&t.path, "s001", "wrong", later, p).expect_err("counter was reset");
    assert!(
        matches!(e, VaultError::WrongCredentials { remaining: 9 }),
        "a success resets the count: {e:?}"
    );
}

#[test]
fn too_many_failures_destroy_the_staff_keys_but_the_office_can_recover() {
    let t = tablet();
    let p = Policy { max_failures: 4 };
    let mut now = t0();
    let mut last = None;
    for _ in 0..4 {
        now += Duration::minutes(10);
        last = Some(Vault::sign_in(&t.path, "s002", "guess", now, p).expect_err("wrong"));
    }
    assert!(
        matches!(last, Some(VaultError::Wiped)),
        "the last allowed failure destroys the keys: {last:?}"
    );
    let ring: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keyring_path(&t.path)).expect("keyring"))
            .expect("json");
    assert_eq!(
        ring["staff"],
        serde_json::json!([]),
        "no staff copy of the key or wrap may remain"
    );
    assert!(
        ring["office"]["sealed_key"].is_string(),
        "the office's recovery copy remains"
    );
    let e = Vault::sign_in(&t.path, "s001", "hanako-pass", now + Duration::hours(1), p)
        .expect_err("wiped");
    assert!(
        matches!(e, VaultError::Wiped),
        "even the right password cannot open a wiped tablet: {e:?}"
    );
    let v = Vault::open_with_office_key(&t.path, &t.office)
        .expect("the office recovery key still opens it");
    assert_eq!(
        audit::verify(v.conn())
            .expect("read")
            .expect("chain intact"),
        3,
        "created and two staff added; failures never reached the locked log"
    );
}

#[test]
fn a_keyring_from_another_tablet_does_not_open_this_one() {
    let a = tablet();
    let b = tablet();
    std::fs::copy(keyring_path(&b.path), keyring_path(&a.path)).expect("swap keyrings");
    let e = Vault::sign_in(&a.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect_err("foreign keyring");
    assert!(
        matches!(
            e,
            VaultError::WrongKeyOrNotAVault | VaultError::KeyringDamaged(_)
        ),
        "got {e:?}"
    );
    let e = Vault::open_with_office_key(&a.path, &a.office)
        .expect_err("office key of A vs keyring of B");
    assert!(matches!(e, VaultError::KeyringDamaged(_)), "got {e:?}");
}

#[test]
fn damaged_files_give_clear_errors_and_are_left_alone() {
    let t = tablet();
    let ring = keyring_path(&t.path);
    std::fs::write(&ring, b"{ not json").expect("damage keyring");
    let e = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect_err("damaged keyring");
    assert!(matches!(e, VaultError::KeyringDamaged(_)), "got {e:?}");
    assert_eq!(
        std::fs::read(&ring).expect("still there"),
        b"{ not json",
        "a damaged keyring is not rewritten"
    );
    std::fs::remove_file(&ring).expect("remove");
    assert!(matches!(
        Vault::sign_in(&t.path, "s001", "x", t0(), Policy::default()),
        Err(VaultError::NoKeyring)
    ));

    let t = tablet();
    let bytes = std::fs::read(&t.path).expect("db");
    std::fs::write(&t.path, &bytes[..bytes.len() / 2]).expect("truncate");
    let e = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect_err("truncated db");
    assert!(
        matches!(e, VaultError::WrongKeyOrNotAVault | VaultError::Sqlite(_)),
        "got {e:?}"
    );
}

#[test]
fn adding_staff_never_rekeys_the_database() {
    let t = tablet();
    let mut v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    let key_before = v.data_key().to_hex();
    v.add_staff(&staff("s003", "新田三郎", "saburo-pass"), t0())
        .expect("add staff");
    assert!(
        matches!(
            v.add_staff(&staff("s003", "x", "y"), t0()),
            Err(VaultError::StaffExists(_))
        ),
        "no duplicate staff"
    );
    drop(v);

    let v = Vault::sign_in(&t.path, "s003", "saburo-pass", t0(), Policy::default())
        .expect("new staff member signs in");
    assert_eq!(
        v.data_key().to_hex(),
        key_before,
        "adding staff must not change the data key"
    );
    drop(v);
    let office = Vault::open_with_office_key(&t.path, &t.office).expect("office");
    assert_eq!(office.data_key().to_hex(), key_before);
}

#[test]
fn a_password_change_replaces_only_the_wrap() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("vault.db");
    let office = SecretKey::generate().expect("office");
    let ichiro = SecretKey::generate().expect("key");
    let wrap =
        |pw: &str| PasswordWrap::wrap(&ichiro, pw, KdfParams::FOR_TESTS, b"s002").expect("wrap");
    let entry = RosterEntry {
        staff_id: "s002".into(),
        name: "桐生一郎".into(),
        public_key: ichiro.public_key(),
        wrap: wrap("old-pass"),
    };
    Vault::create(&path, &office.public_key(), &[entry], t0()).expect("create");
    let mut v =
        Vault::sign_in(&path, "s002", "old-pass", t0(), Policy::default()).expect("old password");
    v.replace_wrap("s002", wrap("new-pass"), t0())
        .expect("replace wrap");
    drop(v);
    assert!(matches!(
        Vault::sign_in(&path, "s002", "old-pass", t0(), Policy::default()),
        Err(VaultError::WrongCredentials { .. })
    ));
    Vault::sign_in(&path, "s002", "new-pass", t0(), Policy::default())
        .expect("the new password opens the same vault");
}

#[test]
fn removed_staff_can_no_longer_sign_in() {
    let t = tablet();
    let mut v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    v.remove_staff("s002", t0()).expect("remove");
    assert!(matches!(
        v.remove_staff("s002", t0()),
        Err(VaultError::UnknownStaff(_))
    ));
    drop(v);
    let e = Vault::sign_in(&t.path, "s002", "ichiro-pass", t0(), Policy::default())
        .expect_err("removed");
    assert!(
        matches!(e, VaultError::WrongCredentials { .. }),
        "got {e:?}"
    );
}

#[test]
fn the_audit_chain_detects_edits_deletions_and_reordering() {
    let t = tablet();
    let v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    v.close(audit::Action::Lock, t0()).expect("lock");
    let v = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect("sign in again");
    let n = audit::verify(v.conn())
        .expect("read")
        .expect("an untouched chain verifies");
    assert_eq!(n, 6, "created, two staff added, sign-in, lock, sign-in");
    let c = v.conn();

    c.execute(
        "UPDATE audit_events SET staff_id = 's002' WHERE seq = 4",
        [],
    )
    .expect("edit");
    assert_eq!(
        audit::verify(c).expect("read"),
        Err(audit::ChainBroken { seq: 4 }),
        "an edited event is found"
    );
    c.execute(
        "UPDATE audit_events SET staff_id = 's001' WHERE seq = 4",
        [],
    )
    .expect("undo");
    assert!(audit::verify(c).expect("read").is_ok());

    c.execute("UPDATE audit_events SET seq = 100 WHERE seq = 2", [])
        .expect("move");
    assert_eq!(
        audit::verify(c).expect("read"),
        Err(audit::ChainBroken { seq: 3 }),
        "a moved event is found"
    );
    c.execute("UPDATE audit_events SET seq = 2 WHERE seq = 100", [])
        .expect("undo");

    c.execute("DELETE FROM audit_events WHERE seq = 5", [])
        .expect("delete");
    assert_eq!(
        audit::verify(c).expect("read"),
        Err(audit::ChainBroken { seq: 6 }),
        "a deleted event is found"
    );
}

#[test]
fn a_vault_from_a_newer_app_is_refused_untouched() {
    let t = tablet();
    let v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    v.conn()
        .pragma_update(None, "user_version", 999)
        .expect("pretend newer");
    drop(v);
    let e =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect_err("newer");
    assert!(
        matches!(e, VaultError::NewerSchema { found: 999, .. }),
        "got {e:?}"
    );
}

#[test]
fn an_idle_lock_keeps_unsaved_input_for_the_same_staff_member_only() {
    let t = tablet();
    let v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    v.lock_keeping(r#"{"name":"新井 陽菜"}"#, t0())
        .expect("lock keeps the input");
    let mut other = Vault::sign_in(&t.path, "s002", "ichiro-pass", t0(), Policy::default())
        .expect("other staff");
    assert_eq!(
        other.take_unsaved().expect("read"),
        None,
        "another staff member never sees someone else's input"
    );
    drop(other);
    let mut v = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect("sign in again");
    assert_eq!(
        v.take_unsaved().expect("read").as_deref(),
        Some(r#"{"name":"新井 陽菜"}"#),
        "the input comes back"
    );
    assert_eq!(v.take_unsaved().expect("read"), None, "and only once");
    let e = v
        .lock_keeping("memo 123456789018", t0())
        .expect_err("a 個人番号 is never kept");
    assert!(matches!(e, VaultError::MyNumber));
    let mut v = Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default())
        .expect("the vault was locked all the same");
    assert_eq!(v.take_unsaved().expect("read"), None);
    let locks = audit::events(v.conn())
        .expect("events")
        .iter()
        .filter(|e| e.action == "lock")
        .count();
    assert_eq!(locks, 2, "every idle lock is audited");
}

#[test]
fn a_revoked_tablet_destroys_every_staff_key_but_the_office_can_recover() {
    let t = tablet();
    let v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("signed in");
    v.destroy_staff_keys(t0() + Duration::minutes(1))
        .expect("destroyed");
    let ring: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keyring_path(&t.path)).expect("keyring"))
            .expect("json");
    assert_eq!(
        ring["staff"],
        serde_json::json!([]),
        "no staff copy of the key or wrap may remain on a revoked tablet"
    );
    for (id, pw) in [("s001", "hanako-pass"), ("s002", "ichiro-pass")] {
        let e = Vault::sign_in(
            &t.path,
            id,
            pw,
            t0() + Duration::hours(1),
            Policy::default(),
        )
        .expect_err("revoked");
        assert!(
            matches!(e, VaultError::Wiped),
            "no staff password opens a revoked tablet: {e:?}"
        );
    }
    let v = Vault::open_with_office_key(&t.path, &t.office)
        .expect("the office recovery key still opens it");
    let events = audit::events(v.conn()).expect("events");
    assert_eq!(
        events.last().map(|e| e.action.as_str()),
        Some("device_revoked"),
        "the revocation is the last thing the audit log holds"
    );
}

#[test]
fn the_office_roster_adds_rewraps_and_removes_staff_but_never_the_signed_in_one() {
    let t = tablet();
    let mut v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("signed in");
    let later = t0() + Duration::minutes(5);
    // s002 changed their password at the office; s003 is new; s001 (signed in) is
    // missing from the answer.
    let changed = vault_entry_with_new_wrap(&t, "s002", "ichiro-pass", "ichiro-new-pass");
    let roster = [changed, staff("s003", "館林三郎", "saburo-pass")];
    let changes = v.apply_roster(&roster, later).expect("applied");
    assert_eq!(changes.added, ["s003"]);
    assert_eq!(changes.rewrapped, ["s002"]);
    assert!(
        changes.removed.is_empty(),
        "the signed-in staff member is never removed by their own sync: {changes:?}"
    );
    assert!(
        v.apply_roster(&roster, later).expect("again").is_empty(),
        "the same roster twice changes nothing"
    );
    drop(v);

    Vault::sign_in(&t.path, "s002", "ichiro-new-pass", later, Policy::default())
        .expect("the new password opens the tablet");
    let e = Vault::sign_in(&t.path, "s002", "ichiro-pass", later, Policy::default())
        .expect_err("old password");
    assert!(matches!(e, VaultError::WrongCredentials { .. }), "{e:?}");
    let mut v = Vault::sign_in(&t.path, "s003", "saburo-pass", later, Policy::default())
        .expect("a new staff member signs in after the next sync");
    let changes = v
        .apply_roster(&roster[1..], later)
        .expect("s001 and s002 left the office");
    assert_eq!(changes.removed, ["s001", "s002"]);
    drop(v);
    let e = Vault::sign_in(&t.path, "s001", "hanako-pass", later, Policy::default())
        .expect_err("removed");
    assert!(matches!(e, VaultError::WrongCredentials { .. }), "{e:?}");
    let mut v =
        Vault::sign_in(&t.path, "s003", "saburo-pass", later, Policy::default()).expect("still in");
    assert!(
        v.apply_roster(&[], later).expect("empty").is_empty(),
        "an empty roster removes nobody"
    );
}

/// The roster entry of a staff member already on the tablet, with their private key
/// re-wrapped under a new password (as the office does at a password change).
fn vault_entry_with_new_wrap(t: &Tablet, id: &str, old: &str, new: &str) -> RosterEntry {
    let ring: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keyring_path(&t.path)).expect("keyring"))
            .expect("json");
    let copy = ring["staff"]
        .as_array()
        .expect("staff")
        .iter()
        .find(|c| c["staff_id"] == id)
        .expect("on the tablet")
        .clone();
    let wrap: PasswordWrap = serde_json::from_value(copy["wrap"].clone()).expect("wrap");
    let secret = wrap.unwrap(old, id.as_bytes()).expect("old password");
    RosterEntry {
        staff_id: id.into(),
        name: "桐生一郎".into(),
        public_key: serde_json::from_value(copy["public_key"].clone()).expect("public key"),
        wrap: PasswordWrap::wrap(&secret, new, KdfParams::FOR_TESTS, id.as_bytes()).expect("wrap"),
    }
}

#[test]
fn a_vault_made_with_sqlcipher_defaults_and_an_older_keyring_still_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vault.db");
    let office = SecretKey::generate().expect("office key");
    Vault::create_with(
        &path,
        &Vault::new_id().expect("id"),
        &office.public_key(),
        &[staff("s001", "太田花子", "hanako-pass")],
        t0(),
        CipherProfile::Sqlcipher4Defaults,
    )
    .expect("create");
    // A keyring written before the page layout was recorded has no `cipher` field.
    let ring = keyring_path(&path);
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&ring).expect("read")).expect("json");
    json.as_object_mut().expect("object").remove("cipher");
    std::fs::write(&ring, serde_json::to_vec(&json).expect("json")).expect("write");
    let v = Vault::sign_in(&path, "s001", "hanako-pass", t0(), Policy::default())
        .expect("an older vault opens with SQLCipher's defaults");
    assert_eq!(v.cipher(), CipherProfile::Sqlcipher4Defaults);
    assert_eq!(v.staff_name().expect("name"), "太田花子");
}

#[test]
fn new_vaults_use_16k_pages_with_hmac_sha256() {
    let t = tablet();
    let v =
        Vault::sign_in(&t.path, "s001", "hanako-pass", t0(), Policy::default()).expect("sign in");
    assert_eq!(v.cipher(), CipherProfile::CURRENT);
    // SQLCipher answers `PRAGMA page_size` with its cipher page size, as text.
    let page: String = v
        .conn()
        .query_row("PRAGMA cipher_page_size", [], |r| r.get(0))
        .expect("page size");
    assert_eq!(page, "16384");
    // The file itself: without the profile's pragmas the right key does not open it.
    let conn = outreach_vault::Connection::open(&t.path).expect("open");
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")
        .expect("quiet");
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        v.data_key().to_hex().as_str()
    ))
    .expect("key");
    assert!(
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
            .is_err(),
        "SQLCipher's defaults must not read a vault made with the vault profile"
    );
}
