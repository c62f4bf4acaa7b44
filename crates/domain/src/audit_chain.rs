//! The tablet's audit events form a hash chain: each event's hash covers its own fields
//! and the previous event's hash. The tablet makes the chain; the office checks the
//! part it receives against what it holds. One function, so both ends agree.

use sha2::{Digest, Sha256};

/// The hash of event `seq` after the event whose hash is `prev` (empty for the first).
/// Fields are length-prefixed, so moving text from one field to another changes it.
pub fn event_hash(
    prev: &[u8],
    seq: i64,
    at: &str,
    staff_id: &str,
    action: &str,
    subject: &str,
) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    for field in [at, staff_id, action, subject] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_the_link_change_the_hash() {
        let base = event_hash(b"p", 1, "t", "s", "a", "x");
        assert_eq!(base.len(), 32);
        for other in [
            event_hash(b"q", 1, "t", "s", "a", "x"),
            event_hash(b"p", 2, "t", "s", "a", "x"),
            event_hash(b"p", 1, "u", "s", "a", "x"),
            event_hash(b"p", 1, "t", "", "sa", "x"),
            event_hash(b"p", 1, "t", "s", "a", "y"),
        ] {
            assert_ne!(base, other);
        }
    }
}
