//! When the tablet tries again: soon after the office becomes reachable, without every
//! tablet that lost the same pocket Wi-Fi coming back in the same second.

use std::time::Duration;

/// The first wait after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(2);

/// The longest wait between probes: a server that comes back is found within this
/// (plus jitter), so sync starts by itself within seconds.
pub const MAX_RETRY: Duration = Duration::from_secs(16);

/// How long to wait after `failures` failed attempts in a row: 2 s, 4 s, 8 s, then
/// 16 s, each stretched or shrunk by up to a fifth by `jitter` (in -1.0..=1.0, drawn at
/// random by the caller). Pure, so it is a unit test.
pub fn retry_delay(failures: u32, jitter: f64) -> Duration {
    let base = FIRST_RETRY
        .saturating_mul(1 << failures.saturating_sub(1).min(8))
        .min(MAX_RETRY);
    base.mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let secs: Vec<u64> = (1..=7).map(|n| retry_delay(n, 0.0).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 16, 16, 16]);
        assert_eq!(retry_delay(u32::MAX, 0.0), MAX_RETRY, "no overflow");
    }

    #[test]
    fn jitter_spreads_by_a_fifth_at_most() {
        assert_eq!(retry_delay(4, 1.0), Duration::from_millis(19_200));
        assert_eq!(retry_delay(4, -1.0), Duration::from_millis(12_800));
        assert_eq!(
            retry_delay(4, 7.0),
            retry_delay(4, 1.0),
            "out-of-range jitter is clamped"
        );
    }
}
