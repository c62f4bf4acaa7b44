//! The OpenAPI document at `/api/v1/openapi.json`: it lists every route the tablets,
//! the console and these tests use, with the right methods and security, and what it
//! says about security and errors is what the server does. (scripts/schemathesis checks
//! the answers against it in depth; the document itself does not depend on the
//! storage, so these tests run on SQLite only.)

use serde_json::Value;

use crate::support::{Storage, TestServer};

/// Which credential an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// None: enrolment, health, sign-in, tus's OPTIONS.
    Open,
    /// `Authorization: Bearer <device credential>`.
    Device,
    /// The console's session cookie.
    Console,
}

/// Every operation the tests (and the tablet and the console) use, relative to `/api/v1`.
const OPERATIONS: &[(&str, &str, Auth)] = &[
    ("get", "/health", Auth::Open),
    ("post", "/enrol", Auth::Open),
    ("get", "/device", Auth::Device),
    ("post", "/device/credential", Auth::Device),
    ("get", "/roster", Auth::Device),
    ("get", "/trips", Auth::Device),
    ("get", "/settings", Auth::Device),
    ("post", "/records", Auth::Device),
    ("post", "/manifest", Auth::Device),
    ("options", "/uploads", Auth::Open),
    ("post", "/uploads", Auth::Device),
    ("head", "/uploads/{id}", Auth::Device),
    ("patch", "/uploads/{id}", Auth::Device),
    ("delete", "/uploads/{id}", Auth::Device),
    ("head", "/photos/{sha256}", Auth::Device),
    ("post", "/console/session", Auth::Open),
    ("get", "/console/session", Auth::Console),
    ("delete", "/console/session", Auth::Console),
    ("post", "/console/enrolments", Auth::Console),
    ("get", "/console/devices", Auth::Console),
    ("post", "/console/devices/{id}/revoke", Auth::Console),
    ("get", "/console/staff", Auth::Console),
    ("post", "/console/staff", Auth::Console),
    ("get", "/console/audit", Auth::Console),
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

async fn document(server: &TestServer) -> Value {
    let response = crate::support::get(server.url("/api/v1/openapi.json")).await;
    assert_eq!(response.status(), 200, "the document is served");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "the document is JSON"
    );
    response.json().await.expect("the document parses as JSON")
}

/// Every (method, path, operation) in the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                out.push((method.to_string(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// The security schemes an operation requires (empty: none).
fn schemes(op: &Value) -> Vec<String> {
    op.get("security")
        .and_then(Value::as_array)
        .map(|reqs| {
            reqs.iter()
                .filter_map(Value::as_object)
                .flat_map(|r| r.keys().cloned())
                .collect()
        })
        .unwrap_or_default()
}

fn documents_status(op: &Value, status: u16) -> bool {
    op["responses"].get(status.to_string()).is_some()
}

#[tokio::test]
async fn the_document_lists_every_route_with_its_method_and_security() {
    let server = TestServer::start(Storage::Sqlite).await;
    let doc = document(&server).await;

    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1, got {}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], outreach_protocol::API_VERSION);
    assert_eq!(
        doc["servers"][0]["url"],
        outreach_protocol::API_PREFIX,
        "paths are relative to the API prefix"
    );

    // The two security schemes, as the server checks them.
    let security = &doc["components"]["securitySchemes"];
    assert_eq!(security["device"]["type"], "http", "{security}");
    assert_eq!(security["device"]["scheme"], "bearer", "{security}");
    assert_eq!(security["console"]["type"], "apiKey", "{security}");
    assert_eq!(security["console"]["in"], "cookie", "{security}");
    assert_eq!(
        security["console"]["name"],
        outreach_protocol::console::SESSION_COOKIE,
        "{security}"
    );

    for (method, path, auth) in OPERATIONS {
        let op = doc["paths"][*path]
            .get(*method)
            .unwrap_or_else(|| panic!("the document lacks {} {path}", method.to_uppercase()));
        let want: Vec<String> = match auth {
            Auth::Open => vec![],
            Auth::Device => vec!["device".to_owned()],
            Auth::Console => vec!["console".to_owned()],
        };
        assert_eq!(
            schemes(op),
            want,
            "{} {path}: security requirement",
            method.to_uppercase()
        );
        assert!(
            op["responses"]
                .as_object()
                .is_some_and(|r| r.keys().any(|s| s.starts_with('2'))),
            "{} {path}: a success response is documented",
            method.to_uppercase()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn documented_errors_match_what_the_server_answers() {
    let server = TestServer::start(Storage::Sqlite).await;
    let doc = document(&server).await;
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let secured = !schemes(&op).is_empty();
        if secured {
            assert!(
                documents_status(&op, 401),
                "{name}: 401 without credentials"
            );
        }
        // Every operation but tus's OPTIONS asks the database.
        if method != "options" {
            assert!(
                documents_status(&op, 503),
                "{name}: 503 when the database is not available"
            );
        }
        // A JSON body can be refused as no JSON (400), too large (413), of another
        // type (415) or not of the schema (422).
        let json_body = op["requestBody"]["content"]
            .get("application/json")
            .is_some();
        if json_body {
            for status in [400, 413, 415, 422] {
                assert!(
                    documents_status(&op, status),
                    "{name}: {status} for a JSON body"
                );
            }
        }
    }

    // A tus PATCH body is bytes, not a JSON array of numbers.
    let patch_body = &doc["paths"]["/uploads/{id}"]["patch"]["requestBody"]["content"]["application/offset+octet-stream"]
        ["schema"];
    assert_eq!(patch_body["type"], "string", "{patch_body}");
    assert_eq!(patch_body["format"], "binary", "{patch_body}");
    server.stop().await;
}

#[tokio::test]
async fn parameters_are_where_the_server_reads_them() {
    let server = TestServer::start(Storage::Sqlite).await;
    let doc = document(&server).await;
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let in_path: Vec<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        // Each {name} of the path is a path parameter, and each path parameter is one.
        let templated: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(in_path, templated, "{name}: path parameters");
    }
    // The audit log's limit is an optional query parameter.
    let limit = doc["paths"]["/console/audit"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .cloned()
        .expect("GET /console/audit documents limit");
    assert_eq!(limit["in"], "query", "{limit}");
    assert_eq!(limit["required"], false, "{limit}");
    server.stop().await;
}

/// What the document says about security is what the server does: without
/// credentials a secured operation answers 401, an open one anything but 401; and no
/// documented operation is missing from the router (404 or 405).
#[tokio::test]
async fn every_documented_operation_is_served_and_secured_as_documented() {
    let server = TestServer::start(Storage::Sqlite).await;
    let doc = document(&server).await;
    let http = crate::client::http();
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let concrete = path
            .replace("{id}", "0123456789abcdef0123456789abcdef")
            .replace("{sha256}", &"ab".repeat(32));
        let url = server.url(&format!("{}{concrete}", outreach_protocol::API_PREFIX));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = http
            .request(method, url)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        assert!(
            status != 404 && status != 405,
            "{name} is documented but answered {status}"
        );
        if schemes(&op).is_empty() {
            assert_ne!(
                status, 401,
                "{name} is documented open but wants credentials"
            );
        } else {
            assert_eq!(
                status, 401,
                "{name} is documented secured: without credentials, 401"
            );
        }
    }
    server.stop().await;
}
