//! The tus 1.0 resumable-upload protocol as the office server speaks it
//! (<https://tus.io/protocols/resumable-upload>): core, creation, checksum (sha256 and
//! sha1), termination and expiration. Photos are content-addressed: the creation
//! request names the photo's SHA-256 in `Upload-Metadata` (`sha256 <base64 of the hex>`).

/// The protocol version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Extensions supported.
pub const TUS_EXTENSIONS: &str = "creation,checksum,termination,expiration";
/// Checksum algorithms supported, per PATCH.
pub const TUS_CHECKSUMS: &str = "sha256,sha1";
/// Largest upload accepted: a J-LIS digital photo is at most 7 MB.
pub const TUS_MAX_SIZE: u64 = 8 * 1024 * 1024;
/// The upload collection.
pub const UPLOADS_PATH: &str = "/api/v1/uploads";
/// Content type of a PATCH body.
pub const OFFSET_CONTENT_TYPE: &str = "application/offset+octet-stream";
/// Hours an unfinished upload is kept before it expires.
pub const UPLOAD_EXPIRY_HOURS: i64 = 24;
