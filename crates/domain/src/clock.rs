//! The one clock the server and the tablet read. The rules in this crate take the
//! instant as an argument; the programs that apply them ask a [`Clock`], so a test can
//! drive a credential's half-life, an idle timeout or a deadline by moving one manual
//! clock instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// The system clock, or a manual one a test sets and advances. Clones share the time.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    /// The machine's clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock standing at `start` until it is moved.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self(Some(Arc::new(Mutex::new(start))))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(at) => *at.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Today in Japan.
    pub fn today_in_japan(&self) -> NaiveDate {
        crate::japan::date_at(self.now())
    }

    /// Moves a manual clock forward by `by`.
    ///
    /// # Panics
    /// On the system clock, which nobody can move.
    pub fn advance(&self, by: TimeDelta) {
        let at = self.0.as_ref().expect("only a manual clock can be moved");
        *at.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }

    /// Sets a manual clock to `to`.
    ///
    /// # Panics
    /// On the system clock.
    pub fn set(&self, to: DateTime<Utc>) {
        let at = self.0.as_ref().expect("only a manual clock can be moved");
        *at.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_share_the_time() {
        let start = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Clock::manual(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(TimeDelta::days(200));
        assert_eq!(clock.now(), start + TimeDelta::days(200));
        clock.set(start);
        assert_eq!(other.now(), start);
    }

    #[test]
    fn the_system_clock_reads_the_machine() {
        let before = Utc::now();
        let now = Clock::system().now();
        assert!(now >= before && now <= Utc::now());
    }
}
