//! Issue 24, defect 8: a refusal never echoes what was sent. serde's own messages
//! quote the value (`invalid type: string "山田 太郎"`) and an unknown field's name;
//! the server keeps only the field path and the expected type.

use outreach_protocol::ErrorBody;
use outreach_server::store::Role;
use serde_json::json;

use crate::client::{Console, Tablet, new_record_id, record};
use crate::support::{Storage, TestServer};

#[tokio::test]
async fn issue_24_a_wrongly_typed_or_unknown_field_is_named_without_its_content() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let console = Console::sign_in(&server, "boss", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &console, "タブレット").await;
        let mut wrong_type = serde_json::to_value(record(&new_record_id(), 1, &[])).expect("json");
        wrong_type["format"] = json!("山田太郎 群馬県太田市浜町2-35");
        let mut unknown = serde_json::to_value(record(&new_record_id(), 1, &[])).expect("json");
        unknown["山田花子"] = json!(1);
        for (body, expected) in [
            (wrong_type, "records[0].format: wrong type, expected"),
            (unknown, "unknown field, expected one of"),
        ] {
            let r = tablet
                .post("/api/v1/records", &json!({ "records": [body] }))
                .await;
            assert_eq!(r.status(), 422, "{storage:?}");
            let e: ErrorBody = r.json().await.expect("error body");
            assert_eq!(e.code, "invalid_body");
            assert!(
                e.message.contains(expected),
                "the path and the expected type: {}",
                e.message
            );
            for sent in ["山田", "太田市", "浜町"] {
                assert!(
                    !e.message.contains(sent),
                    "the message must not echo {sent:?}: {}",
                    e.message
                );
            }
        }
        let r = console.get("/api/v1/console/audit?limit=山田太郎").await;
        assert_eq!(r.status(), 400);
        let e: ErrorBody = r.json().await.expect("error body");
        assert_eq!(e.code, "invalid_query");
        assert!(!e.message.contains("山田"), "{}", e.message);
        server.stop().await;
    }
}
