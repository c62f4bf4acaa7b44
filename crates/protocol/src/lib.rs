//! Wire types of the tablet ↔ office API.
//!
//! Both ends depend on this crate, so a change to a type is a change to both. Every
//! response carries [`API_VERSION`] in the `outreach-api-version` header; a tablet
//! refuses to sync with a server whose major version differs from its own.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

pub mod bindings;
pub mod console;
pub mod pickup;
pub mod sync;
pub mod tus;

/// The API's version. The major number changes when an old client can no longer talk
/// to the server.
pub const API_VERSION: &str = "1.0";

/// Header that carries [`API_VERSION`] on every response.
pub const API_VERSION_HEADER: &str = "outreach-api-version";

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";

/// Which database the office server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// Embedded SQLite under the server's data folder (the default).
    Sqlite,
    /// PostgreSQL, for production.
    Postgres,
}

impl std::fmt::Display for StorageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StorageKind::Sqlite => "sqlite",
            StorageKind::Postgres => "postgres",
        })
    }
}

/// Body of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always `"ok"` when the server answers and its database does.
    pub status: String,
    /// The server's build version (its Cargo package version).
    pub version: String,
    /// The API version, [`API_VERSION`].
    pub api_version: String,
    /// Which database the server runs on.
    pub storage: StorageKind,
    /// Newest schema migration applied.
    pub schema_version: i64,
}

/// Body of every API error: a stable machine code and a precise English message for
/// the developer of a client. Internal details are logged on the server, never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ErrorBody {
    /// Stable code a client branches on, e.g. `not_found`, `payload_too_large`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// For `record_conflict`: the record versions whose payload differs from what the
    /// office holds under the same version. Nothing of the batch was stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(type = "Array<{ id: string, version: number }>", optional)]
    pub conflicts: Vec<sync::RecordKey>,
}

/// True when a server announcing `server` can serve a client built for [`API_VERSION`].
pub fn compatible(server: &str) -> bool {
    let major = |v: &str| v.split('.').next().map(str::to_owned);
    major(server).is_some() && major(server) == major(API_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_serialises_in_camel_case_with_lowercase_storage() {
        let h = Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            api_version: API_VERSION.into(),
            storage: StorageKind::Postgres,
            schema_version: 1,
        };
        let v = serde_json::to_value(&h).expect("health serialises");
        assert_eq!(v["apiVersion"], "1.0", "clients read apiVersion");
        assert_eq!(
            v["storage"], "postgres",
            "storage kind is lowercase on the wire"
        );
    }

    #[test]
    fn only_the_same_major_version_is_compatible() {
        assert!(compatible("1.7"), "a newer minor keeps compatibility");
        assert!(!compatible("2.0"), "a new major breaks compatibility");
        assert!(!compatible(""), "a missing version is not compatible");
    }
}
