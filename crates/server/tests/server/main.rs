//! The office server's integration tests: one binary whose modules read like a table
//! of contents. Every test runs against embedded SQLite and, when
//! `OUTREACH_TEST_DATABASE_URL` is set (`make test` starts a throwaway server), PostgreSQL.

mod health;
mod openapi;
mod staff;
mod sync;
mod tus;
mod client;
mod logs;
mod support;
mod tls;
