//! The office server's integration tests: one binary whose modules read like a table
//! of contents. Every test runs against embedded SQLite and, when
//! `OUTREACH_TEST_DATABASE_URL` is set (`make test` starts a throwaway server), PostgreSQL.

mod client;
mod console_site;
mod health;
mod logs;
mod office;
mod openapi;
mod pickup;
mod reports;
mod staff;
mod store_races;
mod support;
mod sync;
mod tls;
mod tus;
