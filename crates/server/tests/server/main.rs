//! The office server's integration tests: one binary whose modules read like a table
//! of contents. Every test runs against embedded SQLite and, when
//! `OUTREACH_TEST_DATABASE_URL` is set (`make test` starts a throwaway server), PostgreSQL.

mod audit_client;
mod client;
mod connection_limits;
mod console_site;
mod cross_site;
mod error_messages;
mod health;
mod http2;
mod identity;
mod logs;
mod office;
mod openapi;
mod password_rule;
mod pickup;
mod reports;
mod request_ids;
mod security_headers;
mod sign_in_limits;
mod staff;
mod store_races;
mod support;
mod sync;
mod tablet_audit;
mod tls;
mod totp;
mod tus;
