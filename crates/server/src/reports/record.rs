//! Reading a record payload as the office needs it, tolerantly: the tablet's format
//! grows, and records from older tablets or from `outreach vault seed` lack the trip,
//! the delivery and the photo block. A missing or mistyped field is "unknown", never
//! a failure.

use serde_json::Value;

use crate::store::HeldRecord;

/// What the office reads from one record version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFacts {
    /// 申請書ID as sent (may be empty or malformed in old records).
    pub application_id: String,
    /// YYYY-MM-DD (Japan) of the trip, or of finalization when no trip is known.
    pub date: String,
    /// Site name, or `（会場不明）`.
    pub site: String,
    /// `uketsuke`, `support` or `unknown`.
    pub mode: String,
    /// `mail`, `counter` or `unknown`.
    pub delivery: String,
    /// Photo retakes at the site.
    pub retakes: i64,
    /// Photo checks that warned.
    pub photo_warnings: Vec<String>,
    /// Photo checks that failed.
    pub photo_failures: Vec<String>,
    /// The photo exception recorded, if any.
    pub photo_exception: Option<String>,
    /// False when the identity check's document rule was not met.
    pub documents_satisfied: Option<bool>,
    /// What the rule said was missing.
    pub documents_missing: String,
    /// 氏名 (mailing lists only; reports never show it).
    pub name: String,
    /// 郵便番号.
    pub postal_code: String,
    /// 住所.
    pub address: String,
    /// The office's stage: `received`, `shipped`, `preissue` or `issued`.
    pub stage: String,
}

/// Site name shown when a record names none.
pub const UNKNOWN_SITE: &str = "（会場不明）";

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str().map(str::to_owned)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The Japan date (UTC+9) of an RFC 3339 time.
pub fn japan_date(rfc3339: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    let day = outreach_domain::japan::date_at(t.with_timezone(&chrono::Utc));
    Some(day.format("%Y-%m-%d").to_string())
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

impl RecordFacts {
    /// Reads a held record: the payload first, then the trip the office planned, then
    /// the finalization time.
    pub fn of(r: &HeldRecord) -> RecordFacts {
        let v: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
        let planned = r.trip.as_ref();
        let date = text(&v, &["trip", "date"])
            .filter(|d| is_date(d))
            .or_else(|| planned.map(|t| t.trip_date.clone()))
            .or_else(|| japan_date(&r.finalized_at))
            .unwrap_or_default();
        let site = text(&v, &["trip", "siteName"])
            .filter(|s| !s.trim().is_empty())
            .or_else(|| planned.map(|t| t.site_name.clone()))
            .unwrap_or_else(|| UNKNOWN_SITE.to_owned());
        let mode = text(&v, &["trip", "mode"])
            .or_else(|| planned.map(|t| t.mode.clone()))
            .filter(|m| m == "uketsuke" || m == "support")
            .unwrap_or_else(|| "unknown".to_owned());
        let delivery = text(&v, &["delivery"])
            .filter(|d| d == "mail" || d == "counter")
            .unwrap_or_else(|| "unknown".to_owned());
        let photo = v.get("photo").filter(|p| p.is_object());
        let identity = v.get("identity").filter(|p| p.is_object());
        RecordFacts {
            application_id: text(&v, &["applicationId"]).unwrap_or_default(),
            date,
            site,
            mode,
            delivery,
            retakes: photo
                .and_then(|p| p.get("retakes"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0),
            photo_warnings: strings(photo.and_then(|p| p.get("warnings"))),
            photo_failures: strings(photo.and_then(|p| p.get("failures"))),
            photo_exception: photo
                .and_then(|p| p.get("exception"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            documents_satisfied: identity
                .and_then(|i| i.get("satisfied"))
                .and_then(Value::as_bool),
            documents_missing: identity
                .and_then(|i| i.get("missing"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            name: text(&v, &["name"]).unwrap_or_default(),
            postal_code: text(&v, &["postalCode"]).unwrap_or_default(),
            address: text(&v, &["address"]).unwrap_or_default(),
            stage: r.stage.clone(),
        }
    }

    /// Whether the card is mailed to the resident: taken in mode 受付 and not marked
    /// for the counter. Every other card is collected at the counter (交付時来庁方式)
    /// and needs a 交付通知書.
    pub fn by_mail(&self) -> bool {
        self.mode == "uketsuke" && self.delivery != "counter"
    }

    /// Whether the 申請書ID has its shape (23 digits).
    pub fn has_application_id(&self) -> bool {
        is_application_id(&self.application_id)
    }

    /// What is missing or doubtful, as codes (see `ReviewItem::issues`).
    pub fn issues(&self, version: i64) -> Vec<String> {
        let mut out = Vec::new();
        if !self.photo_failures.is_empty() {
            out.push("photo_failure");
        }
        if !self.photo_warnings.is_empty() {
            out.push("photo_warning");
        }
        if self.photo_exception.is_some() {
            out.push("photo_exception");
        }
        if self.documents_satisfied == Some(false) {
            out.push("documents_missing");
        }
        if self.delivery == "counter" {
            out.push("counter_pickup");
        }
        if !self.has_application_id() {
            out.push("no_application_id");
        }
        if version > 1 {
            out.push("amended");
        }
        out.into_iter().map(str::to_owned).collect()
    }

    /// Needs a person to look at it (an amendment alone does not).
    pub fn flagged(&self) -> bool {
        self.issues(1).iter().any(|i| i != "counter_pickup")
    }
}

/// A 申請書ID: exactly 23 ASCII digits (its inner structure is not public).
pub fn is_application_id(s: &str) -> bool {
    s.len() == 23 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(payload: &str, trip: Option<outreach_protocol::sync::Trip>) -> HeldRecord {
        HeldRecord {
            record_id: "r".into(),
            version: 1,
            trip_id: "t1".into(),
            base_version: None,
            amend_reason: None,
            created_by: "s1".into(),
            finalized_at: "2026-11-25T16:30:00.000Z".into(),
            payload: payload.into(),
            stage: "received".into(),
            trip,
        }
    }

    #[test]
    fn an_old_synthetic_record_reads_as_unknown_not_as_an_error() {
        let f = RecordFacts::of(&held(r#"{"name":"太田 花子","applicationId":12}"#, None));
        assert_eq!(f.mode, "unknown", "no trip block: the mode is unknown");
        assert_eq!(f.delivery, "unknown");
        assert_eq!(f.site, UNKNOWN_SITE);
        assert_eq!(
            f.date, "2026-11-26",
            "16:30 UTC is the next day in Japan: the report day is the Japan date"
        );
        assert!(f.issues(1).contains(&"no_application_id".to_owned()));
        let broken = RecordFacts::of(&held("not json", None));
        assert_eq!(
            broken.application_id, "",
            "a payload that is not JSON reads as empty"
        );
    }

    /// The tablet's own record type (outreach-domain), serialized as the tablet sends
    /// it, reads with every field the office uses.
    #[test]
    fn a_record_as_the_tablet_writes_it_reads_back() {
        use outreach_domain::record::{
            Delivery, IdentityCheck, PhotoException, PhotoInfo, TripRef,
        };
        use outreach_domain::{ApplicantRecord, Mode};
        let record = ApplicantRecord {
            trip: Some(TripRef {
                id: "t1".into(),
                site_name: "株式会社スバル太田工場".into(),
                site_address: "群馬県太田市".into(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
                mode: Mode::Uketsuke,
            }),
            application_id: "12345678901234567890123".into(),
            name: "太田 花子".into(),
            postal_code: "373-0853".into(),
            address: "群馬県太田市浜町2-35".into(),
            identity: Some(IdentityCheck {
                satisfied: false,
                missing: Some("B書類があと1点必要です".into()),
                ..Default::default()
            }),
            delivery: Some(Delivery::Counter),
            photo: Some(PhotoInfo {
                exception: Some(PhotoException::Infant),
                retakes: 3,
                warnings: vec!["shadow".into()],
                failures: vec![],
            }),
            ..Default::default()
        };
        let payload = serde_json::to_string(&record).expect("JSON");
        let f = RecordFacts::of(&held(&payload, None));
        assert_eq!(
            (
                f.date.as_str(),
                f.site.as_str(),
                f.mode.as_str(),
                f.delivery.as_str()
            ),
            (
                "2026-11-20",
                "株式会社スバル太田工場",
                "uketsuke",
                "counter"
            ),
            "{payload}"
        );
        assert_eq!(
            (f.retakes, f.photo_exception.as_deref()),
            (3, Some("infant"))
        );
        assert_eq!(f.documents_satisfied, Some(false));
        assert_eq!(f.documents_missing, "B書類があと1点必要です");
        assert!(f.has_application_id());
        assert_eq!(
            (f.postal_code.as_str(), f.address.as_str()),
            ("373-0853", "群馬県太田市浜町2-35")
        );
        assert_eq!(
            f.issues(1),
            [
                "photo_warning",
                "photo_exception",
                "documents_missing",
                "counter_pickup"
            ]
        );
    }

    #[test]
    fn the_payload_trip_wins_over_the_planned_trip() {
        let trip = outreach_protocol::sync::Trip {
            id: "t1".into(),
            site_name: "計画".into(),
            site_address: String::new(),
            trip_date: "2026-11-20".into(),
            mode: "support".into(),
            expected_count: None,
            staff_ids: vec![],
        };
        let f = RecordFacts::of(&held(
            r#"{"trip":{"siteName":"SUBARU","date":"2026-11-21","mode":"uketsuke"},"delivery":"counter",
                "photo":{"retakes":2,"warnings":["shadow"],"failures":[]},"identity":{"satisfied":false,"missing":"B書類があと1点"}}"#,
            Some(trip.clone()),
        ));
        assert_eq!(
            (f.site.as_str(), f.date.as_str(), f.mode.as_str()),
            ("SUBARU", "2026-11-21", "uketsuke")
        );
        assert_eq!(f.retakes, 2);
        assert_eq!(
            f.issues(2),
            [
                "photo_warning",
                "documents_missing",
                "counter_pickup",
                "no_application_id",
                "amended"
            ]
        );
        let planned = RecordFacts::of(&held("{}", Some(trip)));
        assert_eq!(
            (planned.site.as_str(), planned.mode.as_str()),
            ("計画", "support")
        );
    }
}
