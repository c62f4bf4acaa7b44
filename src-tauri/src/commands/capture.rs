//! Capture at the site: today's trips, the applicant record (checked by the rules in
//! `outreach-domain`, stored by `outreach-vault`), finalizing, amending and the tally.
//!
//! Every command works on the signed-in staff member's open vault and nothing else;
//! none of them needs the network. What staff typed is never logged.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use outreach_domain::documents::{Document, RuleSet};
use outreach_domain::record::{self, ApplicantRecord, Context, CounterReason, TripRef};
use outreach_domain::{ApplicationId, Wareki};
use outreach_vault::records::{self, NewTrip, TripRow, TripTally};
use outreach_vault::{Connection, Vault, VaultError, outbox};
use tauri::State;

use crate::Session;
use crate::ipc::{
    AmendRequest, CaptureOptions, CounterReasonOption, DocumentOption, IpcError, NewTripRequest,
    PostalAddress, RecordCheck, RecordInput, RecordLineView, RecordView, TallyView, TripDetail,
    TripView, TripsToday, VersionView,
};

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// Today in Japan.
fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&jst()).date_naive()
}

fn error(code: &str, message: &str) -> IpcError {
    IpcError {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn vault_error(e: VaultError) -> IpcError {
    match e {
        VaultError::MyNumber => error(
            "my_number",
            "個人番号と思われる12桁の番号が含まれています。個人番号は入力・保存できません。",
        ),
        VaultError::Missing(_) => error("not_found", "この記録または出張先が見つかりません。"),
        VaultError::WrongState { .. } => error(
            "wrong_state",
            "この記録は確定済みです。変更するには「訂正」から理由を入れて保存してください。",
        ),
        other => {
            tracing::error!(error = %other, "capture: vault call failed");
            IpcError::internal()
        }
    }
}

/// Runs `f` on the signed-in staff member's vault.
fn with_vault<T>(
    session: &Session,
    f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
) -> Result<T, IpcError> {
    let mut guard = session.0.lock().map_err(|_| IpcError::internal())?;
    let vault = guard
        .as_mut()
        .ok_or_else(|| error("signed_out", "サインインしてください。"))?;
    f(vault).map_err(vault_error)
}

fn rules(conn: &Connection) -> RuleSet {
    match outbox::document_rules(conn) {
        Ok(Some(json)) => RuleSet::from_json(&json).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the office's document rules are unusable; the standard rule applies");
            RuleSet::standard()
        }),
        _ => RuleSet::standard(),
    }
}

fn date_display(date: NaiveDate) -> String {
    record::wareki_and_seireki(date)
}

fn tally_view(t: TripTally) -> TallyView {
    TallyView {
        finalized: t.finalized,
        incomplete: t.incomplete,
        mailed: t.mailed,
        counter: t.counter,
        photo_retakes: t.photo_retakes,
        unsent: t.unsent,
    }
}

fn trip_view(conn: &Connection, t: TripRow) -> Result<TripView, VaultError> {
    let tally = records::tally(conn, &t.id)?;
    Ok(TripView {
        date: t.date.to_string(),
        date_display: date_display(t.date),
        id: t.id,
        site_name: t.site_name,
        site_address: t.site_address,
        mode: t.mode,
        expected_count: t.expected_count,
        from_office: t.from_office,
        staff: t.staff,
        tally: tally_view(tally),
    })
}

fn add(a: &mut TallyView, b: &TallyView) {
    a.finalized += b.finalized;
    a.incomplete += b.incomplete;
    a.mailed += b.mailed;
    a.counter += b.counter;
    a.photo_retakes += b.photo_retakes;
    a.unsent += b.unsent;
}

/// Today's trips with their tallies, and the day's totals by mode.
#[tauri::command]
pub fn trips_today(session: State<'_, Session>) -> Result<TripsToday, IpcError> {
    let day = today(Utc::now());
    with_vault(&session, |v| {
        let trips = records::trips_on(v.conn(), day)?
            .into_iter()
            .map(|t| trip_view(v.conn(), t))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut uketsuke, mut support) = (TallyView::default(), TallyView::default());
        for t in &trips {
            match t.mode {
                record::Mode::Uketsuke => add(&mut uketsuke, &t.tally),
                record::Mode::Support => add(&mut support, &t.tally),
            }
        }
        Ok(TripsToday {
            date: day.to_string(),
            date_display: date_display(day),
            trips,
            uketsuke,
            support,
        })
    })
}

/// Makes a trip for today on the tablet (when the office pushed none).
#[tauri::command]
pub fn create_trip(
    request: NewTripRequest,
    session: State<'_, Session>,
) -> Result<TripView, IpcError> {
    let now = Utc::now();
    let clean = |text: &str, what: &str| {
        outreach_domain::text::clean_text(text, false, 100)
            .map_err(|e| error("invalid", &format!("{what}: {e}")))
            .and_then(|t| {
                if t.is_empty() {
                    Err(error("invalid", &format!("{what}を入力してください。")))
                } else {
                    Ok(t)
                }
            })
    };
    let site_name = clean(&request.site_name, "企業・施設名")?;
    let site_address = clean(&request.site_address, "所在地")?;
    with_vault(&session, |v| {
        let trip = NewTrip {
            id: records::new_id(now)?,
            site_name,
            site_address,
            date: today(now),
            mode: request.mode,
            expected_count: request.expected_count,
            from_office: false,
            staff: vec![v.staff_id().to_owned()],
        };
        v.write(|tx, staff| records::insert_trip(tx, &trip, now, staff))?;
        let row = records::trip(v.conn(), &trip.id)?
            .ok_or_else(|| VaultError::Missing(format!("trip {}", trip.id)))?;
        trip_view(v.conn(), row)
    })
}

fn sync_label(state: &str, outbox: Option<&str>) -> &'static str {
    match (state, outbox) {
        ("draft", _) => "下書き",
        ("purged", _) => "送信済み（端末から消去）",
        (_, Some("queued")) => "送信待ち",
        (_, Some("sending")) => "送信中",
        (_, Some("awaiting_confirmation")) => "受領確認待ち",
        (_, Some("failed")) => "送信失敗",
        (_, Some("sent")) | ("sent", _) => "送信済み",
        _ => "送信待ち",
    }
}

/// A trip and its records, newest first.
#[tauri::command]
pub fn trip_detail(trip_id: String, session: State<'_, Session>) -> Result<TripDetail, IpcError> {
    with_vault(&session, |v| {
        let trip = records::trip(v.conn(), &trip_id)?
            .ok_or_else(|| VaultError::Missing(format!("trip {trip_id}")))?;
        let lines = records::trip_records(v.conn(), &trip_id)?;
        let records = lines
            .into_iter()
            .map(|l| {
                let r = record::parse(&l.payload).unwrap_or_default();
                let started = DateTime::parse_from_rfc3339(&l.created_at)
                    .map(|t| t.with_timezone(&jst()).format("%H:%M").to_string())
                    .unwrap_or_default();
                RecordLineView {
                    sync_label: sync_label(&l.state, l.outbox.as_deref()).to_owned(),
                    id: l.id,
                    version: l.version,
                    state: l.state,
                    application_id: r.application_id,
                    name: r.name,
                    delivery: r.delivery,
                    started_at: started,
                }
            })
            .collect();
        Ok(TripDetail {
            trip: trip_view(v.conn(), trip)?,
            records,
        })
    })
}

/// The documents, the rule in force and the 窓口受取 reasons, for the capture screens.
#[tauri::command]
pub fn capture_options(session: State<'_, Session>) -> Result<CaptureOptions, IpcError> {
    let rule_name = with_vault(&session, |v| Ok(rules(v.conn()).name))?;
    let reasons = [
        CounterReason::SupportMode,
        CounterReason::IdentityNotMet,
        CounterReason::NotInPerson,
        CounterReason::Forwarding,
        CounterReason::MovePlanned,
        CounterReason::NoPinConsent,
        CounterReason::OldCardKept,
        CounterReason::NoPinRequest,
        CounterReason::RelationshipProofMissing,
    ];
    Ok(CaptureOptions {
        documents: Document::ALL
            .iter()
            .map(|d| DocumentOption {
                code: *d,
                label: d.label().to_owned(),
                list: d.list(),
            })
            .collect(),
        rule_name,
        counter_reasons: reasons
            .iter()
            .map(|r| CounterReasonOption {
                code: *r,
                label: r.label().to_owned(),
            })
            .collect(),
    })
}

/// Checks a record against the rules with its trip's date and mode.
fn check_in(
    v: &Vault,
    trip_id: &str,
    record_id: Option<&str>,
    input: &ApplicantRecord,
    now: DateTime<Utc>,
) -> Result<RecordCheck, VaultError> {
    let trip = records::trip(v.conn(), trip_id)?
        .ok_or_else(|| VaultError::Missing(format!("trip {trip_id}")))?;
    let rules = rules(v.conn());
    let mut r = input.clone();
    r.trip = Some(TripRef {
        id: trip.id.clone(),
        site_name: trip.site_name.clone(),
        site_address: trip.site_address.clone(),
        date: trip.date,
        mode: trip.mode,
    });
    let ctx = Context {
        today: today(now),
        trip_date: trip.date,
        mode: trip.mode,
        rules: &rules,
    };
    let mut checked = record::check(&r, &ctx);
    if let Some(id) = checked.record.identity.as_mut()
        && !id.documents.is_empty()
        && id.checked_by.is_empty()
    {
        id.checked_by = v.staff_id().to_owned();
        id.checked_at = now.to_rfc3339();
    }
    let app_id = &checked.record.application_id;
    let duplicate = app_id.len() == ApplicationId::LEN
        && records::application_id_taken(v.conn(), app_id, record_id)?;
    if duplicate {
        checked.ready = false;
        checked.issues.push(record::FieldIssue {
            field: "applicationId".to_owned(),
            kind: record::IssueKind::Invalid,
            message: "この申請書IDは、この端末の別の記録ですでに使われています。申請書を確認してください。".to_owned(),
        });
    }
    Ok(RecordCheck {
        record_id: record_id.map(str::to_owned),
        checked,
        duplicate_application_id: duplicate,
    })
}

fn to_json(r: &ApplicantRecord) -> Result<serde_json::Value, VaultError> {
    serde_json::to_value(r).map_err(|_| VaultError::Corrupt("record".into()))
}

/// What the rules say about the record on screen; writes nothing.
#[tauri::command]
pub fn check_record(
    input: RecordInput,
    session: State<'_, Session>,
) -> Result<RecordCheck, IpcError> {
    with_vault(&session, |v| {
        check_in(
            v,
            &input.trip_id,
            input.record_id.as_deref(),
            &input.record,
            Utc::now(),
        )
    })
}

/// Saves the record on screen as a draft (what can be stored of it: a field the rules
/// refuse is left out and reported) and answers the rules' verdict. When this answers,
/// the draft is on disk.
#[tauri::command]
pub fn save_record(
    input: RecordInput,
    session: State<'_, Session>,
) -> Result<RecordCheck, IpcError> {
    let now = Utc::now();
    with_vault(&session, |v| {
        let id = match input.record_id.clone() {
            Some(id) => id,
            None => records::new_id(now)?,
        };
        let mut check = check_in(v, &input.trip_id, Some(&id), &input.record, now)?;
        let payload = to_json(&check.checked.record)?;
        v.write(|tx, staff| {
            records::save_draft(tx, &id, &input.trip_id, &payload, &[], now, staff)
        })?;
        check.record_id = Some(id);
        tracing::info!("draft saved");
        Ok(check)
    })
}

/// Freezes a saved draft once nothing stops it; answers the verdict either way.
#[tauri::command]
pub fn finalize_record(
    record_id: String,
    session: State<'_, Session>,
) -> Result<RecordCheck, IpcError> {
    let now = Utc::now();
    with_vault(&session, |v| {
        let row = records::latest(v.conn(), &record_id)?
            .ok_or_else(|| VaultError::Missing(format!("record {record_id}")))?;
        let stored = record::parse(&row.payload).unwrap_or_default();
        let check = check_in(v, &row.trip_id, Some(&record_id), &stored, now)?;
        if check.checked.ready {
            let payload = to_json(&check.checked.record)?;
            v.write(|tx, staff| {
                records::save_draft(tx, &record_id, &row.trip_id, &payload, &[], now, staff)?;
                records::finalize(tx, &record_id, now, staff)
            })?;
            tracing::info!("record finalized");
        }
        Ok(check)
    })
}

/// Opens a record from the list: every version, the newest checked. Viewing a
/// finalized record is audited.
#[tauri::command]
pub fn open_record(record_id: String, session: State<'_, Session>) -> Result<RecordView, IpcError> {
    let now = Utc::now();
    with_vault(&session, |v| {
        let row = v
            .write(|tx, staff| records::view(tx, &record_id, now, staff))?
            .ok_or_else(|| VaultError::Missing(format!("record {record_id}")))?;
        let stored = record::parse(&row.payload).unwrap_or_default();
        let check = check_in(v, &row.trip_id, Some(&record_id), &stored, now)?;
        let versions = records::versions(v.conn(), &record_id)?
            .into_iter()
            .map(|r| VersionView {
                version: r.version,
                amend_reason: r.amend_reason,
                created_by: r.created_by,
                record: record::parse(&r.payload).unwrap_or_default(),
            })
            .collect();
        Ok(RecordView {
            record_id,
            trip_id: row.trip_id,
            state: row.state,
            check,
            versions,
        })
    })
}

/// Amends a finalized record: a new version with the reason and the staff ID; the
/// earlier version stays. Refused (with the verdict) while the rules find a problem.
#[tauri::command]
pub fn amend_record(
    request: AmendRequest,
    session: State<'_, Session>,
) -> Result<RecordCheck, IpcError> {
    let now = Utc::now();
    let reason = outreach_domain::text::clean_text(&request.reason, false, 200)
        .map_err(|e| error("invalid_reason", &e.to_string()))?;
    if reason.is_empty() {
        return Err(error("invalid_reason", "訂正の理由を入力してください。"));
    }
    with_vault(&session, |v| {
        let row = records::latest(v.conn(), &request.record_id)?
            .ok_or_else(|| VaultError::Missing(format!("record {}", request.record_id)))?;
        let check = check_in(
            v,
            &row.trip_id,
            Some(&request.record_id),
            &request.record,
            now,
        )?;
        if check.checked.ready {
            let payload = to_json(&check.checked.record)?;
            v.write(|tx, staff| {
                records::amend(tx, &request.record_id, &reason, &payload, &[], now, staff)
            })?;
            tracing::info!("record amended");
        }
        Ok(check)
    })
}

/// The 申請書ID in a QR code's text, or why there is none.
#[tauri::command]
pub fn application_id_from_qr(text: String) -> Result<String, IpcError> {
    ApplicationId::from_qr_payload(&text)
        .map(|id| id.as_str().to_owned())
        .map_err(|e| error("no_application_id", &e.to_string()))
}

/// A birth date typed in 和暦 (era name, year, month, day) as `YYYY-MM-DD`.
#[tauri::command]
pub fn wareki_to_date(era: String, year: u32, month: u32, day: u32) -> Result<String, IpcError> {
    let era = outreach_domain::wareki::Era::from_name(&era)
        .ok_or_else(|| error("invalid_date", "元号を選んでください。"))?;
    Wareki {
        era,
        year,
        month,
        day,
    }
    .to_date()
    .map(|d| d.to_string())
    .map_err(|e| error("invalid_date", &e.to_string()))
}

/// The addresses a 郵便番号 stands for, from the data shipped with the app (offline).
#[tauri::command]
pub fn lookup_postal(code: String) -> Result<Vec<PostalAddress>, IpcError> {
    outreach_postal::lookup(&code)
        .map(|found| {
            found
                .into_iter()
                .map(|a| PostalAddress {
                    address: format!("{}{}{}", a.prefecture, a.city, a.town),
                    note: a.note,
                })
                .collect()
        })
        .map_err(|e| error("postal", &e.to_string()))
}
