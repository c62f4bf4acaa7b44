//! Photos over tus 1.0: whole, cut and resumed, checksums, limits, termination.

use base64::Engine;
use outreach_protocol::ErrorBody;
use outreach_server::store::Role;
use tokio::io::AsyncWriteExt;

use crate::client::{Console, Tablet, photo, sha256_hex};
use crate::support::{Storage, TestServer};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: ErrorBody = r.json().await.expect("JSON error body");
    (status, body.code)
}

#[tokio::test]
async fn options_announce_the_protocol() {
    let server = TestServer::start(Storage::Sqlite).await;
    let r = crate::client::http()
        .request(reqwest::Method::OPTIONS, server.url("/api/v1/uploads"))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 204);
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(h("tus-version"), "1.0.0");
    for ext in ["creation", "checksum", "termination", "expiration"] {
        assert!(h("tus-extension").contains(ext), "{ext} announced");
    }
    assert!(h("tus-checksum-algorithm").contains("sha256"));
    assert!(h("tus-max-size").parse::<u64>().expect("a number") >= 7_000_000);
    server.stop().await;
}

#[tokio::test]
async fn an_upload_cut_in_the_middle_resumes_from_the_servers_offset() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット").await;
        let bytes = photo(900_000, 7);
        let path = tablet.tus_create(&bytes).await;
        assert_eq!(tablet.tus_offset(&path).await, Some(0));

        // Send the headers and 400 000 bytes of a 900 000-byte PATCH, then drop the link.
        let sent = 400_000;
        let mut link = tokio::net::TcpStream::connect(server.addr)
            .await
            .expect("connect");
        let head = format!(
            "PATCH {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
            server.addr,
            tablet.auth(),
            bytes.len()
        );
        link.write_all(head.as_bytes()).await.expect("headers");
        link.write_all(&bytes[..sent]).await.expect("first part");
        link.flush().await.expect("flush");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        drop(link);

        // The server kept what arrived (every byte that was sent, on loopback).
        let mut offset = None;
        for _ in 0..50 {
            offset = tablet.tus_offset(&path).await;
            if offset == Some(sent as u64) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            offset,
            Some(sent as u64),
            "{storage:?}: what arrived before the cut is kept"
        );

        // A PATCH at the wrong offset is refused and changes nothing.
        let (status, c) = code(tablet.tus_patch(&path, 0, &bytes, None).await).await;
        assert_eq!(
            (status, c.as_str()),
            (409, "offset_mismatch"),
            "{storage:?}"
        );

        // Continue from the offset, with a per-request checksum.
        let rest = &bytes[sent..];
        let sum = format!("sha256 {}", b64(&sha2::Sha256::digest(rest)));
        let r = tablet.tus_patch(&path, sent, rest, Some(sum)).await;
        assert_eq!(r.status(), 204, "{storage:?}: the rest completes the photo");
        assert_eq!(
            r.headers()
                .get("upload-offset")
                .and_then(|v| v.to_str().ok()),
            Some("900000")
        );
        assert_eq!(
            tablet.tus_offset(&path).await,
            None,
            "a finished upload is gone"
        );
        let stored = server
            .store
            .photo(&sha256_hex(&bytes))
            .await
            .expect("read")
            .expect("held");
        assert!(
            stored == bytes,
            "{storage:?}: the stored photo is byte for byte the original"
        );
        server.stop().await;
    }
}

use sha2::Digest;

#[tokio::test]
async fn checksums_lengths_and_ownership_are_enforced() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレットA").await;
        let other = Tablet::enrol(&server, &boss, "タブレットB").await;
        let bytes = photo(100_000, 3);
        let path = tablet.tus_create(&bytes).await;

        // A per-request checksum that does not match: 460, nothing stored.
        let wrong = format!("sha256 {}", b64(&[0u8; 32]));
        let (status, c) = code(
            tablet
                .tus_patch(&path, 0, &bytes[..50_000], Some(wrong))
                .await,
        )
        .await;
        assert_eq!(
            (status, c.as_str()),
            (460, "checksum_mismatch"),
            "{storage:?}"
        );
        assert_eq!(
            tablet.tus_offset(&path).await,
            Some(0),
            "{storage:?}: nothing of it stored"
        );
        let (status, c) = code(
            tablet
                .tus_patch(&path, 0, &bytes, Some("md5 AAAA".into()))
                .await,
        )
        .await;
        assert_eq!(
            (status, c.as_str()),
            (400, "checksum_algorithm_unsupported")
        );

        // Past the declared length: refused before anything is stored.
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"extra");
        let (status, c) = code(tablet.tus_patch(&path, 0, &longer, None).await).await;
        assert_eq!(
            (status, c.as_str()),
            (413, "upload_past_length"),
            "{storage:?}"
        );
        assert_eq!(tablet.tus_offset(&path).await, Some(0));

        // Another tablet cannot see or touch this upload.
        assert_eq!(
            other.tus_offset(&path).await,
            None,
            "{storage:?}: another device's upload is not found"
        );
        assert_eq!(other.tus_patch(&path, 0, &bytes, None).await.status(), 404);

        // Wrong content type, missing version header, path tricks.
        let r = tablet
            .req(reqwest::Method::PATCH, &path)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", "0")
            .header("content-type", "application/json")
            .body(bytes.clone())
            .send()
            .await
            .expect("answers");
        assert_eq!(code(r).await, (415, "unsupported_media_type".into()));
        let r = tablet
            .req(reqwest::Method::HEAD, &path)
            .send()
            .await
            .expect("answers");
        assert_eq!(
            r.status(),
            412,
            "{storage:?}: a request without Tus-Resumable"
        );
        for tricky in [
            "/api/v1/uploads/..%2F..%2Fetc%2Fpasswd",
            "/api/v1/uploads/../../etc/passwd",
            "/api/v1/uploads/ABCDEF",
        ] {
            let r = tablet.tus_patch(tricky, 0, &bytes, None).await;
            assert_eq!(r.status(), 404, "{storage:?}: {tricky}");
        }

        // Whole bytes that do not match the sha256 named at creation: discarded.
        let liar = tablet.tus_create(&photo(1000, 9)).await;
        let (status, c) = code(tablet.tus_patch(&liar, 0, &photo(1000, 10), None).await).await;
        assert_eq!(
            (status, c.as_str()),
            (460, "checksum_mismatch"),
            "{storage:?}"
        );
        assert_eq!(
            tablet.tus_offset(&liar).await,
            None,
            "the lying upload is gone"
        );
        assert!(
            !server
                .store
                .photo_held(&sha256_hex(&photo(1000, 9)))
                .await
                .expect("read")
        );

        // Creation without the photo's hash, or too big.
        let r = tablet
            .req(reqwest::Method::POST, "/api/v1/uploads")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", "1000")
            .send()
            .await
            .expect("answers");
        assert_eq!(
            code(r).await,
            (400, "upload_sha256_missing".into()),
            "{storage:?}"
        );
        let r = tablet
            .req(reqwest::Method::POST, "/api/v1/uploads")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", "999999999")
            .header(
                "upload-metadata",
                format!("sha256 {}", b64(sha256_hex(b"x").as_bytes())),
            )
            .send()
            .await
            .expect("answers");
        assert_eq!(code(r).await, (413, "upload_too_large".into()));

        // Termination.
        let r = tablet
            .req(reqwest::Method::DELETE, &path)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .expect("answers");
        assert_eq!(r.status(), 204, "{storage:?}: termination");
        assert_eq!(tablet.tus_offset(&path).await, None);
        server.stop().await;
    }
}

#[tokio::test]
async fn the_same_photo_sent_twice_is_stored_once() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット").await;
        let bytes = photo(300_000, 4);
        tablet.upload_photo(&bytes).await;
        tablet.upload_photo(&bytes).await;
        let held = tablet
            .req(
                reqwest::Method::HEAD,
                &format!("/api/v1/photos/{}", sha256_hex(&bytes)),
            )
            .send()
            .await
            .expect("answers");
        assert_eq!(held.status(), 200, "{storage:?}: the photo is held");
        let stats = server.store.stats().await.expect("stats");
        assert_eq!(stats.photos, 1, "{storage:?}: one copy, however often sent");
        assert_eq!(stats.photo_bytes, 300_000);
        assert_eq!(stats.uploads, 0, "no upload left behind");
        server.stop().await;
    }
}

#[tokio::test]
async fn abandoned_uploads_expire() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット").await;
        let bytes = photo(10_000, 5);
        let path = tablet.tus_create(&bytes).await;
        assert_eq!(
            tablet
                .tus_patch(&path, 0, &bytes[..5_000], None)
                .await
                .status(),
            204
        );
        let later = chrono::Utc::now() + chrono::Duration::hours(25);
        let n = server
            .store
            .expire_uploads(&outreach_server::store::timestamp(later))
            .await
            .expect("expire");
        assert_eq!(n, 1, "{storage:?}: the abandoned upload expired");
        assert_eq!(tablet.tus_offset(&path).await, None);
        assert_eq!(
            server.store.stats().await.expect("stats").upload_bytes,
            0,
            "its bytes went with it"
        );
        server.stop().await;
    }
}

/// Creates an upload declaring `length` bytes; its status and Location (if created).
/// Asks to create an upload of `length` bytes for a photo named by `seed`.
async fn post_declared(tablet: &Tablet, length: u64, seed: u32) -> reqwest::Response {
    let sha = sha256_hex(&seed.to_be_bytes());
    tablet
        .req(reqwest::Method::POST, "/api/v1/uploads")
        .header("tus-resumable", "1.0.0")
        .header("upload-length", length.to_string())
        .header("upload-metadata", format!("sha256 {}", b64(sha.as_bytes())))
        .send()
        .await
        .expect("answers")
}

async fn create_declared(tablet: &Tablet, length: u64, seed: u32) -> (u16, Option<String>) {
    let r = post_declared(tablet, length, seed).await;
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (r.status().as_u16(), location)
}

#[tokio::test]
async fn issue_24_a_devices_unfinished_uploads_are_capped_in_total() {
    const MIB: u64 = 1024 * 1024;
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット").await;
        let other = Tablet::enrol(&server, &boss, "二台目").await;
        let mut created = Vec::new();
        let mut refused = 0;
        for i in 0..300 {
            match create_declared(&tablet, 8 * MIB, i).await {
                (201, Some(at)) => created.push(at),
                (507, None) => refused += 1,
                other => panic!("{storage:?}: unexpected answer {other:?}"),
            }
        }
        assert_eq!(
            (created.len(), refused),
            (64, 236),
            "{storage:?}: 512 MiB of declared space, 8 MiB each, then 507"
        );
        let (status, _) = create_declared(&tablet, 8 * MIB, 999).await;
        assert_eq!(status, 507);
        let r = post_declared(&tablet, 10, 1000).await;
        assert_eq!(
            code(r).await,
            (507, "upload_space_full".to_owned()),
            "{storage:?}: a precise code"
        );
        for at in &created {
            assert_eq!(
                tablet.tus_offset(at).await,
                Some(0),
                "{storage:?}: existing uploads untouched"
            );
        }
        assert_eq!(
            create_declared(&other, 8 * MIB, 1).await.0,
            201,
            "{storage:?}: per device"
        );
        // A terminated upload frees its space; a finished one does too.
        let gone = tablet
            .req(reqwest::Method::DELETE, &created[0])
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .expect("answers");
        assert_eq!(gone.status(), 204);
        let (status, small) = create_declared(&tablet, 8 * MIB - 1_000_000, 5000).await;
        assert_eq!(
            status, 201,
            "{storage:?}: the terminated upload's space is free again"
        );
        let bytes = photo(900_000, 3);
        let path = tablet.tus_create(&bytes).await;
        assert_eq!(tablet.tus_patch(&path, 0, &bytes, None).await.status(), 204);
        assert_eq!(
            create_declared(&tablet, 900_000, 5001).await.0,
            201,
            "{storage:?}: a finished upload frees its space"
        );
        assert!(small.is_some());
        // An expired upload counts no more, before housekeeping deletes it.
        let fresh = |id: &str, hours: i64| outreach_server::store::Upload {
            upload_id: id.to_owned(),
            device_id: other.credential.device_id.clone(),
            sha256: sha256_hex(id.as_bytes()),
            length: 500 * MIB as i64,
            offset: 0,
            metadata: String::new(),
            created_at: outreach_server::store::timestamp(chrono::Utc::now()),
            expires_at: outreach_server::store::timestamp(
                chrono::Utc::now() + chrono::Duration::hours(hours),
            ),
        };
        server
            .store
            .create_upload(&fresh("expired1", -1), i64::MAX)
            .await
            .expect("store")
            .expect("room");
        assert_eq!(
            server
                .store
                .create_upload(&fresh("fits", 24), 512 * MIB as i64)
                .await
                .expect("store"),
            Ok(()),
            "{storage:?}: the expired upload's 500 MiB are free"
        );
        server.stop().await;
    }
}
