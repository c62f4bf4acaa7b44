//! Background sync. While a staff member is signed in and the vault is enrolled, a task
//! probes the office server every few seconds and, when it answers, runs the engine
//! (`outreach_sync::engine::sync_once`) over the session's vault; afterwards it brings
//! the roster in line with the office's and purges what the office's retention allows.
//! It backs off with jitter while the office cannot be reached, and "今すぐ送信" or a
//! sign-in wakes it at once. The sync panel reads its state through `sync_status`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use outreach_protocol::sync::RetentionSetting;
use outreach_sync::Reachability;
use outreach_sync::api::ApiError;
use outreach_sync::engine::{Progress, SyncError, VaultAccess, sync_once};
use outreach_sync::renew::{WARN_DAYS, renew_if_due};
use outreach_sync::schedule::retry_delay;
use outreach_vault::outbox::{self, Enrolment, Overview};
use outreach_vault::records::Retention;
use tokio::sync::Notify;

use crate::ipc::{OutboxCounts, OutboxFailure, SyncPhase, SyncStatus};
use crate::{Link, Office, Session};

/// How often a signed-out or locked tablet looks again (a sign-in also wakes sync).
const LOCKED_POLL: Duration = Duration::from_secs(3);
/// How often an up-to-date tablet checks for new work and a reachable office.
const IDLE_POLL: Duration = Duration::from_secs(10);
/// How soon to ask again while the office has records it has not confirmed complete.
const CONFIRM_POLL: Duration = Duration::from_secs(3);
/// How often the roster and the office's settings are fetched while all is well; this
/// is also how soon an idle tablet learns that the office revoked it.
const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// How long to wait when nothing can change without the office (revoked, no
/// enrolment, credential refused); a sign-in or the button still wakes sync.
const STUCK_POLL: Duration = Duration::from_secs(60);

/// The shared state of background sync: what the panel shows, and the bell that wakes
/// the task.
#[derive(Default)]
pub struct SyncControl {
    state: Mutex<Shared>,
    wake: Notify,
}

#[derive(Default)]
struct Shared {
    phase: SyncPhase,
    progress: Option<Progress>,
    last_success: Option<DateTime<Utc>>,
    next_attempt: Option<Instant>,
}

impl SyncControl {
    /// Starts a run now (the "今すぐ送信" button, a sign-in, an enrolment).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The tablet was enrolled again: sync starts over at once with the new credential.
    pub fn reenrolled(&self) {
        self.set_phase(SyncPhase::Probing);
        self.wake();
    }

    fn set_phase(&self, phase: SyncPhase) {
        self.shared().phase = phase;
    }

    /// What the panel shows, with the vault's outbox and the days the credential has
    /// left when someone is signed in.
    pub fn status(
        &self,
        overview: Option<Overview>,
        credential_days_left: Option<i64>,
    ) -> SyncStatus {
        let shared = self.shared();
        let progress = shared.progress.clone().unwrap_or_default();
        let confirmed = overview
            .as_ref()
            .and_then(|o| o.last_sent_at.as_deref())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let last_success = shared.last_success.max(confirmed);
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        SyncStatus {
            phase: shared.phase,
            activity: shared.progress.as_ref().map(|p| p.phase.to_owned()),
            items_total: count(progress.items_total as u64),
            items_sent: count(progress.items_sent as u64),
            bytes_total: progress.bytes_total,
            bytes_done: progress.bytes_done,
            bytes_per_second: if shared.phase == SyncPhase::Syncing {
                progress.bytes_per_second
            } else {
                0.0
            },
            outbox: overview.as_ref().map(|o| OutboxCounts {
                queued: count(o.queued),
                sending: count(o.sending),
                awaiting_confirmation: count(o.awaiting_confirmation),
                sent: count(o.sent),
                failed: count(o.failed),
            }),
            failures: overview
                .map(|o| {
                    o.failures
                        .into_iter()
                        .map(|f| OutboxFailure {
                            record_id: f.id,
                            version: f.version,
                            reason: reason_code(f.reason.as_deref()),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            last_success_at: last_success.map(|t| t.to_rfc3339()),
            last_success_display: last_success.map(japan_time),
            credential_days_left: credential_days_left
                .map(|d| i32::try_from(d).unwrap_or(if d < 0 { i32::MIN } else { i32::MAX })),
            credential_warning: credential_days_left.is_some_and(|d| d <= WARN_DAYS),
            next_attempt_seconds: shared.next_attempt.map(|at| {
                let left = at.saturating_duration_since(Instant::now());
                u32::try_from(left.as_secs_f64().ceil() as u64).unwrap_or(u32::MAX)
            }),
        }
    }
}

/// The office's stable code from an outbox reason (`office_conflict: …` keeps only its
/// code), so the panel can say it in Japanese.
fn reason_code(reason: Option<&str>) -> String {
    let reason = reason.unwrap_or("unknown");
    reason
        .split_once(':')
        .map_or(reason, |(code, _)| code)
        .trim()
        .to_owned()
}

/// `令和8年11月26日（2026年11月26日）19:05`, Japan time (+09:00 all year).
pub fn japan_time(at: DateTime<Utc>) -> String {
    let jst = FixedOffset::east_opt(9 * 3600)
        .map_or_else(|| at.fixed_offset(), |offset| at.with_timezone(&offset));
    let date = jst.date_naive();
    let wareki = outreach_domain::wareki::Wareki::from_date(date)
        .map(|w| w.to_string())
        .unwrap_or_default();
    format!(
        "{wareki}（{}）{}",
        date.format("%Y年%-m月%-d日"),
        jst.format("%H:%M")
    )
}

/// The office's retention setting as the vault's purge takes it.
pub fn retention(setting: &RetentionSetting) -> Retention {
    match setting {
        RetentionSetting::EndOfDay => Retention::EndOfDay,
        RetentionSetting::Hours { hours } => {
            Retention::For(chrono::Duration::hours(i64::from(*hours)))
        }
    }
}

/// Runs background sync for as long as the app runs.
pub async fn run(session: &Session, office: &Office, control: &SyncControl) {
    let mut worker = Worker::default();
    loop {
        let wait = worker.tick(session, office, control).await;
        control.shared().next_attempt = Some(Instant::now() + wait);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = control.wake.notified() => {}
        }
        control.shared().next_attempt = None;
    }
}

/// What the task remembers between runs.
#[derive(Default)]
struct Worker {
    failures: u32,
    refreshed: Option<Instant>,
    retention: Option<Retention>,
}

impl Worker {
    /// One look at the vault and the office; answers how long to wait before the next.
    async fn tick(
        &mut self,
        session: &Session,
        office: &Office,
        control: &SyncControl,
    ) -> Duration {
        if control.shared().phase == SyncPhase::Revoked {
            return STUCK_POLL;
        }
        let enrolment = match session.0.with_vault(|v| outbox::enrolment(v.conn())) {
            Ok(Some(e)) => e,
            Ok(None) => {
                control.set_phase(SyncPhase::NotEnrolled);
                return STUCK_POLL;
            }
            Err(e) => return self.failed(e, session, control),
        };
        let link = match office.link_to(&enrolment.server_url, enrolment.spki_pin.as_deref()) {
            Ok(link) => link,
            Err(e) => {
                tracing::error!(error = %e, "the enrolled office's client could not be made");
                control.set_phase(SyncPhase::WrongServer);
                return STUCK_POLL;
            }
        };
        {
            // An idle tablet stays "idle" through its routine checks: no flicker.
            let mut shared = control.shared();
            if shared.phase != SyncPhase::Idle {
                shared.phase = SyncPhase::Probing;
            }
        }
        match link.probe.probe().await {
            Reachability::Reachable(_) => {}
            Reachability::Incompatible { .. } => {
                control.set_phase(SyncPhase::Incompatible);
                return STUCK_POLL;
            }
            Reachability::Unreachable(why) => {
                return self.failed(ApiError::Unreachable(why).into(), session, control);
            }
        }
        // Renewal failing (the office busy, the answer lost) never stops the run: the
        // credential in use stays valid, and the next run renews again.
        let enrolment = match renew_if_due(&session.0, &link.sync, enrolment.clone(), Utc::now())
            .await
        {
            Ok(renewed) => renewed,
            Err(e @ SyncError::Api(ApiError::Revoked | ApiError::NotEnrolled(_))) => {
                return self.failed(e, session, control);
            }
            Err(e) => {
                tracing::warn!(error = %e, "renewing the device credential failed; trying again at the next run");
                enrolment
            }
        };
        match self.sync(session, &link, &enrolment, control).await {
            Ok(waiting) => {
                self.failures = 0;
                control.set_phase(SyncPhase::Idle);
                if waiting { CONFIRM_POLL } else { IDLE_POLL }
            }
            Err(e) => self.failed(e, session, control),
        }
    }

    /// A run, then the roster and settings when due, then the purge. Answers whether
    /// record versions still wait for the office.
    async fn sync(
        &mut self,
        session: &Session,
        link: &Link,
        enrolment: &Enrolment,
        control: &SyncControl,
    ) -> Result<bool, SyncError> {
        let summary = sync_once(&session.0, &link.sync, &enrolment.credential, &mut |p| {
            let mut shared = control.shared();
            // A run with nothing to send keeps the last run's figures on the panel.
            if p.items_total > 0 {
                shared.phase = SyncPhase::Syncing;
                shared.progress = Some(p.clone());
            }
        })
        .await?;
        control.shared().last_success = Some(Utc::now());
        let due = self
            .refreshed
            .is_none_or(|at| at.elapsed() >= REFRESH_EVERY);
        if due {
            self.refresh(session, link, &enrolment.credential).await?;
        }
        if (due || summary.records_sent > 0)
            && let Some(retention) = self.retention
        {
            let purged = session.0.with_vault(|v| v.purge(retention, Utc::now()))?;
            if purged > 0 {
                tracing::info!(purged, "records purged by the office's retention");
            }
        }
        Ok(summary.records_waiting > 0)
    }

    /// Brings the roster in line with the office's, stores its trips and document rules
    /// and takes its retention setting.
    async fn refresh(
        &mut self,
        session: &Session,
        link: &Link,
        credential: &str,
    ) -> Result<(), SyncError> {
        let roster = link.sync.roster(credential).await?;
        let settings = link.sync.settings(credential).await?;
        let trips = link.sync.trips(credential).await?;
        let entries = outreach_sync::enrol::roster_entries(roster)
            .map_err(|e| ApiError::Server(e.to_string()))?;
        let changes = session
            .0
            .with_vault(|v| v.apply_roster(&entries, Utc::now()))?;
        if !changes.is_empty() {
            tracing::info!(
                added = changes.added.len(),
                rewrapped = changes.rewrapped.len(),
                removed = changes.removed.len(),
                "roster brought in line with the office"
            );
        }
        let stored = session
            .0
            .with_vault(|v| outreach_sync::office::apply(v, &trips.trips, &settings, Utc::now()))?;
        tracing::info!(trips = stored, "office trips and document rules stored");
        self.retention = Some(retention(&settings.retention));
        self.refreshed = Some(Instant::now());
        Ok(())
    }

    /// Sets the phase for a failure and answers how long to wait.
    fn failed(&mut self, e: SyncError, session: &Session, control: &SyncControl) -> Duration {
        match e {
            SyncError::Locked => {
                // The next sign-in may be someone else's: fetch the roster again then.
                self.refreshed = None;
                control.set_phase(SyncPhase::Locked);
                LOCKED_POLL
            }
            SyncError::Api(ApiError::Revoked) => {
                revoke(session);
                control.set_phase(SyncPhase::Revoked);
                STUCK_POLL
            }
            SyncError::Api(ApiError::NotEnrolled(code)) => {
                tracing::warn!(code, "the office refused this tablet's credential");
                control.set_phase(if code == "credential_expired" {
                    SyncPhase::CredentialExpired
                } else {
                    SyncPhase::CredentialRejected
                });
                STUCK_POLL
            }
            other => {
                self.failures = self.failures.saturating_add(1);
                let phase = match &other {
                    SyncError::Api(api) if api.is_pin_mismatch() => SyncPhase::WrongServer,
                    SyncError::Api(ApiError::Unreachable(_)) => SyncPhase::Offline,
                    _ => SyncPhase::Retrying,
                };
                if phase == SyncPhase::Offline {
                    tracing::debug!(error = %other, "office not reachable");
                } else {
                    tracing::warn!(error = %other, "sync run failed");
                }
                control.set_phase(phase);
                retry_delay(self.failures, jitter())
            }
        }
    }
}

/// The office revoked this tablet: the vault is closed and every staff key on it
/// destroyed; only the office can open the data from now on.
fn revoke(session: &Session) {
    let vault = session.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(vault) = vault {
        match vault.destroy_staff_keys(Utc::now()) {
            Ok(()) => tracing::warn!("tablet revoked by the office: staff keys destroyed"),
            Err(e) => tracing::error!(error = %e, "destroying the staff keys after revocation"),
        }
    }
}

/// A number in -1.0..=1.0 that differs between tablets and between calls.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    h.write_u128(clock.as_nanos());
    (h.finish() as f64 / u64::MAX as f64) * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn times_are_shown_in_wareki_and_seireki_japan_time_24_hours() {
        assert_eq!(
            japan_time(at("2026-11-26T10:05:00Z")),
            "令和8年11月26日（2026年11月26日）19:05"
        );
        assert_eq!(
            japan_time(at("2019-04-30T15:00:00Z")),
            "令和元年5月1日（2019年5月1日）00:00",
            "UTC 15:00 is already the next day in Japan"
        );
    }

    #[test]
    fn reasons_keep_only_the_office_code() {
        assert_eq!(
            reason_code(Some(
                "office_conflict: the office holds this version with different content"
            )),
            "office_conflict"
        );
        assert_eq!(reason_code(Some("my_number_refused")), "my_number_refused");
        assert_eq!(reason_code(None), "unknown");
    }

    #[test]
    fn the_panel_shows_the_later_of_the_last_run_and_the_last_confirmation() {
        let control = SyncControl::default();
        control.shared().last_success = Some(at("2026-11-26T01:00:00Z"));
        let overview = Overview {
            sent: 3,
            last_sent_at: Some("2026-11-26T02:00:00+00:00".into()),
            ..Overview::default()
        };
        let status = control.status(Some(overview), Some(120));
        assert_eq!(
            status.last_success_at.as_deref(),
            Some("2026-11-26T02:00:00+00:00"),
            "a confirmation kept in the vault outlives the app's memory"
        );
        assert_eq!(status.outbox.map(|o| o.sent), Some(3));
        assert_eq!(
            status.phase,
            SyncPhase::Locked,
            "nothing runs before a sign-in"
        );
        assert_eq!(status.bytes_per_second, 0.0, "no speed is shown when idle");
    }

    #[test]
    fn jitter_stays_within_bounds() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((-1.0..=1.0).contains(&j), "{j}");
        }
    }
}
