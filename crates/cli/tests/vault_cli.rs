//! `outreach vault create` and `outreach vault recover`, as the office runs them.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn outreach(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outreach"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("outreach runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn create(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("tablet.db");
    let out = outreach(
        &[
            "vault",
            "create",
            "--db",
            db.to_str().expect("utf-8"),
            "--staff-id",
            "s001",
            "--name",
            "太田花子",
            "--password-stdin",
            "--kdf",
            "test",
            "--office-key-out",
            dir.join("office.key").to_str().expect("utf-8"),
        ],
        "hanako-pass\n",
    );
    assert!(
        out.status.success(),
        "create must succeed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

#[test]
fn the_office_key_recovers_a_readable_export_and_the_raw_key() {
    let dir = tempfile::tempdir().expect("dir");
    let db = create(dir.path());
    let key_file = dir.path().join("office.key");
    assert!(
        key_file.is_file(),
        "a demo's office key is written where --office-key-out says"
    );

    let export = dir.path().join("export.json");
    let out = outreach(
        &[
            "vault",
            "recover",
            "--db",
            db.to_str().expect("utf-8"),
            "--office-key",
            key_file.to_str().expect("utf-8"),
            "--out",
            export.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "recover must succeed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).expect("export")).expect("JSON");
    assert_eq!(
        json["staff"][0]["name"], "太田花子",
        "the export holds the vault's data, readable"
    );
    let actions: Vec<&str> = json["audit_events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"export"),
        "the export itself is audited: {actions:?}"
    );

    let out = outreach(
        &[
            "vault",
            "recover",
            "--db",
            db.to_str().expect("utf-8"),
            "--office-key",
            key_file.to_str().expect("utf-8"),
            "--print-key",
        ],
        "",
    );
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = printed.lines();
    let key = lines.next().unwrap_or_default().to_owned();
    let pragmas = lines.next().unwrap_or_default().to_owned();
    assert!(
        key.starts_with("x'") && key.ends_with('\'') && key.len() == 67,
        "a raw SQLCipher key: {key}"
    );
    assert!(
        pragmas.contains("cipher_page_size") && pragmas.contains("HMAC_SHA256"),
        "the page layout a standard tool needs: {pragmas}"
    );

    // A standard SQLCipher 4 tool opens the file with that key and not without it.
    if Command::new("python3")
        .args(["-c", "import sqlcipher3"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let script = "import sqlcipher3, sys\n\
            c = sqlcipher3.connect(sys.argv[1])\n\
            if sys.argv[2]: c.execute(\"PRAGMA key = \\\"\" + sys.argv[2] + \"\\\"\")\n\
            [c.execute(p) for p in sys.argv[3].split(';') if p.strip()]\n\
            print(c.execute('SELECT name FROM staff').fetchone()[0])\n";
        let with_key = Command::new("python3")
            .args([
                "-c",
                script,
                db.to_str().expect("utf-8"),
                key.trim(),
                &pragmas,
            ])
            .output()
            .expect("python");
        assert!(
            with_key.status.success(),
            "sqlcipher3 must open the vault with the key: {}",
            String::from_utf8_lossy(&with_key.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&with_key.stdout).trim(), "太田花子");
        let without = Command::new("python3")
            .args(["-c", script, db.to_str().expect("utf-8"), "", &pragmas])
            .output()
            .expect("python");
        assert!(
            !without.status.success(),
            "without the key the file must not open"
        );
    } else if std::env::var("OUTREACH_REQUIRE_SQLCIPHER_TOOL").as_deref() == Ok("1") {
        panic!("python3 -m pip install sqlcipher3-wheels is needed for this check");
    } else {
        eprintln!(
            "note: the SQLCipher 4 interoperability check was skipped (pip install sqlcipher3-wheels)"
        );
    }
}

#[test]
fn a_wrong_office_key_and_an_existing_vault_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let db = create(dir.path());
    let wrong = dir.path().join("wrong.key");
    std::fs::write(&wrong, "11".repeat(32)).expect("write");
    let out = outreach(
        &[
            "vault",
            "recover",
            "--db",
            db.to_str().expect("utf-8"),
            "--office-key",
            wrong.to_str().expect("utf-8"),
            "--print-key",
        ],
        "",
    );
    assert!(!out.status.success(), "a wrong office key must be refused");
    assert!(out.stdout.is_empty(), "nothing is printed on failure");

    let again = outreach(
        &[
            "vault",
            "create",
            "--db",
            db.to_str().expect("utf-8"),
            "--staff-id",
            "s9",
            "--name",
            "x",
            "--password-stdin",
            "--kdf",
            "test",
            "--office-key-out",
            dir.path().join("office2.key").to_str().expect("utf-8"),
        ],
        "pw\n",
    );
    assert!(
        !again.status.success(),
        "an existing vault is never overwritten"
    );
}

#[test]
fn a_roster_file_adds_staff_who_can_then_sign_in() {
    let dir = tempfile::tempdir().expect("dir");
    let db = create(dir.path());
    let entry = outreach(
        &[
            "vault",
            "roster-entry",
            "--staff-id",
            "s002",
            "--name",
            "桐生一郎",
            "--password-stdin",
            "--kdf",
            "test",
        ],
        "ichiro-pass\n",
    );
    assert!(
        entry.status.success(),
        "roster-entry: {}",
        String::from_utf8_lossy(&entry.stderr)
    );
    let text = String::from_utf8(entry.stdout).expect("utf-8");
    assert!(
        !text.contains("ichiro-pass"),
        "a roster entry never carries the password"
    );
    let roster = dir.path().join("roster.json");
    std::fs::write(&roster, format!("[{text}]")).expect("write roster");

    let imported = outreach(
        &[
            "vault",
            "roster-import",
            "--db",
            db.to_str().expect("utf-8"),
            "--roster",
            roster.to_str().expect("utf-8"),
            "--staff-id",
            "s001",
            "--password-stdin",
        ],
        "hanako-pass\n",
    );
    assert!(
        imported.status.success(),
        "import: {}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&imported.stdout).trim(),
        "added 1 of 1 staff members"
    );

    let v = outreach_vault::Vault::sign_in(
        &db,
        "s002",
        "ichiro-pass",
        chrono::Utc::now(),
        outreach_vault::Policy::default(),
    )
    .expect("the imported staff member signs in with their own password");
    assert_eq!(v.staff_name().expect("name"), "桐生一郎");
}

/// Issue 24: a demo vault's office key is written only where asked, never beside the
/// vault by default (a copy of the folder would carry the key that opens it).
#[test]
fn issue_24_create_without_an_office_key_is_refused_and_writes_no_key() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tablet.db");
    let out = outreach(
        &[
            "vault",
            "create",
            "--db",
            db.to_str().expect("utf-8"),
            "--staff-id",
            "s001",
            "--name",
            "太田花子",
            "--password-stdin",
            "--kdf",
            "test",
        ],
        "hanako-pass\n",
    );
    assert!(!out.status.success(), "no office key named: refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--office-public-key") && stderr.contains("--office-key-out"),
        "the message names both ways: {stderr}"
    );
    assert!(!db.exists(), "no vault is made");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "and no key file lies beside where it would be"
    );
}
