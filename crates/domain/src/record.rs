//! One applicant record (申請サポート記録): its fields as stored and sent to the office
//! (`format: "outreach-record/1"`, camelCase JSON), and the rules that check it.
//!
//! [`check`] is what the tablet runs on every change: it cleans what staff typed
//! (フリガナ to katakana, full-width digits folded, kanji untouched), says field by
//! field what is wrong or still missing, works out the age at the trip date, whether a
//! 法定代理人 is needed, whether the identity documents meet the city's rule and
//! whether the card can be mailed or must be collected at the counter, and why.
//! Nothing here refuses to keep what was typed: a field that cannot be stored (a
//! probable 個人番号, a control character) is left out of the storable record and
//! reported, and the screen keeps showing what was typed.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::documents::{Document, RuleOutcome, RuleSet};
use crate::kana::to_katakana_reading;
use crate::text::{clean_text, digits_only};
use crate::{ApplicationId, Wareki, age_on};

/// The payload format this module reads and writes.
pub const FORMAT: &str = "outreach-record/1";

/// Under this age the applicant needs a 法定代理人 and gets no 署名用 certificate.
pub const REPRESENTATIVE_AGE: u32 = 15;

/// How a trip takes applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// 出張申請受付: identity checked on site, card mailed.
    #[default]
    Uketsuke,
    /// 出張申請サポート: help only, card collected at the counter.
    Support,
}

impl Mode {
    /// As staff say it.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Uketsuke => "受付",
            Mode::Support => "サポート",
        }
    }
}

/// The trip a record was taken at, copied into the record so the office needs nothing
/// else to report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TripRef {
    /// The trip's UUID.
    pub id: String,
    /// 企業・施設名.
    pub site_name: String,
    /// Its address.
    pub site_address: String,
    /// The day.
    pub date: NaiveDate,
    /// 受付 or サポート.
    pub mode: Mode,
}

/// How the 申請書ID was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum IdSource {
    /// Read from the QR code on the form.
    Qr,
    /// Typed twice, both entries equal.
    Typed,
}

/// 性別.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// 電子証明書: two separate choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Certificates {
    /// 署名用電子証明書 (never for under-15s).
    pub signature: bool,
    /// 利用者証明用電子証明書.
    pub user_auth: bool,
}

impl Default for Certificates {
    fn default() -> Self {
        Self {
            signature: true,
            user_auth: true,
        }
    }
}

/// The representative's relationship to the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Relationship {
    /// 親権者（父母）.
    Parent,
    /// 未成年後見人・成年後見人.
    Guardian,
    /// その他 (with a note).
    Other,
}

/// Whether proof of the relationship was needed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RelationshipProof {
    /// Not needed: same household.
    SameHousehold,
    /// Not needed: same 本籍 in the city.
    SameHonseki,
    /// Needed and shown (戸籍謄本, 登記事項証明書 …).
    Shown,
    /// Needed and not shown.
    Missing,
}

/// 法定代理人: who attends for an under-15 or a 成年被後見人.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Representative {
    /// Name.
    pub name: String,
    /// Reading.
    pub kana: String,
    /// Relationship.
    pub relationship: Option<Relationship>,
    /// For `Other`: what it is.
    pub relationship_note: String,
    /// The representative's own identity documents.
    pub documents: Vec<Document>,
    /// Proof of the relationship.
    pub relationship_proof: Option<RelationshipProof>,
}

/// 本人確認 (mode 受付): the documents shown and who checked them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct IdentityCheck {
    /// Documents ticked.
    pub documents: Vec<Document>,
    /// The rule they were checked against (filled by [`check`]).
    pub rule_name: String,
    /// Whether they met it (filled by [`check`]).
    pub satisfied: bool,
    /// What was missing, in Japanese (filled by [`check`]).
    pub missing: Option<String>,
    /// Staff ID of the checker (filled by the tablet).
    pub checked_by: String,
    /// When (RFC 3339, filled by the tablet).
    pub checked_at: String,
}

/// What happened to the old 通知カード or 住基カード.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum OldCard {
    /// Handed back today.
    Returned,
    /// Reported lost.
    Lost,
    /// Neither (kept by the resident).
    NotReturned,
}

/// The mailing conditions (mode 受付). `None` means not yet answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct MailingConditions {
    /// The applicant attended in person (no voluntary proxy).
    pub in_person: Option<bool>,
    /// No mail forwarding request (転送届) is in place.
    pub no_forwarding: Option<bool>,
    /// No move is planned in the coming months.
    pub no_move_planned: Option<bool>,
    /// Agrees that city staff set the PINs.
    pub pin_consent: Option<bool>,
    /// The old card.
    pub old_card: Option<OldCard>,
    /// The sealed 暗証番号設定依頼書 was received (yes/no only; no PIN is ever typed).
    pub pin_request_received: Option<bool>,
}

/// How the card reaches the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Delivery {
    /// Mailed (本人限定受取郵便 or 簡易書留).
    Mail,
    /// 窓口受取: collected at the counter.
    Counter,
}

/// Why a record became 窓口受取.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CounterReason {
    /// The trip is サポート: cards are always collected.
    SupportMode,
    /// The identity documents did not meet the rule.
    IdentityNotMet,
    /// Not in person.
    NotInPerson,
    /// A forwarding request is in place.
    Forwarding,
    /// A move is planned.
    MovePlanned,
    /// No consent to PIN setting by city staff.
    NoPinConsent,
    /// The old card was neither returned nor reported lost.
    OldCardKept,
    /// The 暗証番号設定依頼書 was not received.
    NoPinRequest,
    /// The representative's relationship proof was needed and not shown.
    RelationshipProofMissing,
}

impl CounterReason {
    /// The reason as the record shows it.
    pub fn label(self) -> &'static str {
        match self {
            CounterReason::SupportMode => "出張申請サポートのため窓口で受け取ります",
            CounterReason::IdentityNotMet => "本人確認書類が規定に足りません",
            CounterReason::NotInPerson => "本人が来場していません（任意代理人）",
            CounterReason::Forwarding => "郵便の転送届が出ています",
            CounterReason::MovePlanned => "近く転居の予定があります",
            CounterReason::NoPinConsent => "市職員による暗証番号設定に同意がありません",
            CounterReason::OldCardKept => {
                "通知カード・住基カードの返納または紛失の申し出がありません"
            }
            CounterReason::NoPinRequest => "暗証番号設定依頼書を受け取っていません",
            CounterReason::RelationshipProofMissing => "法定代理人の関係を確認する書類がありません",
        }
    }
}

/// An exception to the photo rules, recorded with the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PhotoException {
    /// 乳幼児.
    Infant,
    /// 障害・寝たきり.
    Disability,
    /// 宗教上・医療上のかぶり物.
    HeadCovering,
}

/// What the record says about its photo (the photo itself is stored beside it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct PhotoInfo {
    /// An allowed exception, if any.
    pub exception: Option<PhotoException>,
    /// How many times it was retaken.
    pub retakes: u32,
    /// Names of checks that warned.
    pub warnings: Vec<String>,
    /// Names of checks that failed.
    pub failures: Vec<String>,
}

/// The record as stored (drafts included: any field may still be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicantRecord {
    /// Always [`FORMAT`].
    pub format: String,
    /// The trip.
    pub trip: Option<TripRef>,
    /// 申請書ID, 23 digits once valid.
    pub application_id: String,
    /// How it was confirmed.
    pub application_id_source: Option<IdSource>,
    /// 氏名, exactly as typed.
    pub name: String,
    /// フリガナ, full-width katakana.
    pub kana: String,
    /// 生年月日.
    pub birth_date: Option<NaiveDate>,
    /// 性別.
    pub sex: Option<Sex>,
    /// 郵便番号 `NNN-NNNN`.
    pub postal_code: String,
    /// 住所.
    pub address: String,
    /// 電話番号, digits and hyphens.
    pub phone: String,
    /// 電子証明書.
    pub certificates: Certificates,
    /// 点字表記.
    pub braille: bool,
    /// 顔認証マイナンバーカード.
    pub face_auth_card: bool,
    /// 成年被後見人.
    pub adult_ward: bool,
    /// 法定代理人, when needed.
    pub representative: Option<Representative>,
    /// 本人確認 (mode 受付).
    pub identity: Option<IdentityCheck>,
    /// 郵送の条件 (mode 受付).
    pub mailing: Option<MailingConditions>,
    /// 郵送 or 窓口受取 (filled by [`check`]).
    pub delivery: Option<Delivery>,
    /// Why 窓口受取 (filled by [`check`]).
    pub counter_reasons: Vec<CounterReason>,
    /// The photo's checks and exception.
    pub photo: Option<PhotoInfo>,
    /// 備考.
    pub notes: String,
}

impl Default for ApplicantRecord {
    fn default() -> Self {
        Self {
            format: FORMAT.to_owned(),
            trip: None,
            application_id: String::new(),
            application_id_source: None,
            name: String::new(),
            kana: String::new(),
            birth_date: None,
            sex: None,
            postal_code: String::new(),
            address: String::new(),
            phone: String::new(),
            certificates: Certificates::default(),
            braille: false,
            face_auth_card: false,
            adult_ward: false,
            representative: None,
            identity: None,
            mailing: None,
            delivery: None,
            counter_reasons: Vec::new(),
            photo: None,
            notes: String::new(),
        }
    }
}

/// Whether a problem stops finalizing because something is wrong or because it is
/// still empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum IssueKind {
    /// What was typed cannot be used.
    Invalid,
    /// Required and not yet filled.
    Missing,
    /// Allowed, but worth a look (does not stop finalizing).
    Warning,
}

/// One problem with one field, for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FieldIssue {
    /// The field's JSON path, e.g. `kana`, `representative.name`.
    pub field: String,
    /// Invalid, missing or warning.
    pub kind: IssueKind,
    /// What staff read.
    pub message: String,
}

/// Facts the record cannot know itself.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Today (Japan time): birth dates after it are impossible.
    pub today: NaiveDate,
    /// The trip's date and mode.
    pub trip_date: NaiveDate,
    /// The trip's mode.
    pub mode: Mode,
    /// The city's identity-document rule.
    pub rules: &'a RuleSet,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    /// The record cleaned and with its derived fields filled; fields that could not be
    /// stored are empty here.
    pub record: ApplicantRecord,
    /// Problems, field by field.
    pub issues: Vec<FieldIssue>,
    /// Age at the trip date.
    pub age: Option<u32>,
    /// 生年月日 in 和暦 and 西暦, e.g. `平成24年5月6日（2012年5月6日）`.
    pub birth_display: Option<String>,
    /// A 法定代理人 section is needed (under 15 or 成年被後見人).
    pub needs_representative: bool,
    /// The identity rule's verdict (mode 受付).
    pub identity: Option<RuleOutcome>,
    /// Nothing stops finalizing.
    pub ready: bool,
}

/// The 和暦 and 西暦 forms of a date: `昭和60年4月1日（1985年4月1日）`.
pub fn wareki_and_seireki(date: NaiveDate) -> String {
    let seireki = format!("{}年{}月{}日", date.year(), date.month(), date.day());
    match Wareki::from_date(date) {
        Ok(w) => format!("{w}（{seireki}）"),
        Err(_) => seireki,
    }
}

struct Issues(Vec<FieldIssue>);

impl Issues {
    fn push(&mut self, field: &str, kind: IssueKind, message: impl Into<String>) {
        self.0.push(FieldIssue {
            field: field.to_owned(),
            kind,
            message: message.into(),
        });
    }
    fn missing(&mut self, field: &str, message: &str) {
        self.push(field, IssueKind::Missing, message);
    }
    fn text(
        &mut self,
        field: &str,
        value: &mut String,
        multiline: bool,
        max: usize,
        required: Option<&str>,
    ) {
        match clean_text(value, multiline, max) {
            Ok(clean) => {
                *value = clean;
                if value.is_empty()
                    && let Some(message) = required
                {
                    self.missing(field, message);
                }
            }
            Err(e) => {
                self.push(field, IssueKind::Invalid, e.to_string());
                value.clear();
            }
        }
    }
}

/// Cleans and checks a record (see the module's documentation).
pub fn check(input: &ApplicantRecord, ctx: &Context<'_>) -> Checked {
    let mut r = input.clone();
    r.format = FORMAT.to_owned();
    let mut issues = Issues(Vec::new());

    // 申請書ID.
    if r.application_id.trim().is_empty() {
        issues.missing(
            "applicationId",
            "申請書IDを読み取るか、2回入力してください。",
        );
    } else {
        match ApplicationId::parse(&r.application_id) {
            Ok(id) => r.application_id = id.as_str().to_owned(),
            Err(e) => {
                issues.push("applicationId", IssueKind::Invalid, e.to_string());
                // Digits only are kept so the screen can show how far staff got; a
                // wrong-length run can still be a 個人番号, which is never kept.
                r.application_id = digits_only(&r.application_id)
                    .filter(|d| !crate::contains_my_number(d))
                    .unwrap_or_default();
            }
        }
        if r.application_id_source.is_none() {
            issues.missing(
                "applicationId",
                "申請書IDをもう一度入力して確認してください。",
            );
        }
    }

    issues.text(
        "name",
        &mut r.name,
        false,
        60,
        Some("氏名を入力してください。"),
    );
    if r.kana.trim().is_empty() {
        issues.missing("kana", "フリガナを入力してください。");
        r.kana.clear();
    } else {
        match to_katakana_reading(&r.kana) {
            Ok(k) => r.kana = k,
            Err(e) => {
                issues.push("kana", IssueKind::Invalid, e.to_string());
                r.kana.clear();
            }
        }
    }

    // 生年月日 and what follows from it.
    let mut age = None;
    let mut birth_display = None;
    match r.birth_date {
        None => issues.missing("birthDate", "生年月日を入力してください。"),
        Some(b) if b > ctx.today => {
            issues.push(
                "birthDate",
                IssueKind::Invalid,
                "生年月日が未来の日付です。",
            );
        }
        Some(b) if b < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(b) => {
            issues.push(
                "birthDate",
                IssueKind::Invalid,
                "生年月日が古すぎます。確認してください。",
            );
        }
        Some(b) => {
            age = age_on(b, ctx.trip_date);
            birth_display = Some(wareki_and_seireki(b));
        }
    }
    if r.sex.is_none() {
        issues.missing("sex", "性別を選んでください。");
    }

    // 住所.
    if r.postal_code.trim().is_empty() {
        issues.missing("postalCode", "郵便番号を入力してください。");
    } else {
        match digits_only(&r.postal_code).filter(|d| d.len() == 7) {
            Some(d) => r.postal_code = format!("{}-{}", &d[..3], &d[3..]),
            None => {
                issues.push(
                    "postalCode",
                    IssueKind::Invalid,
                    "郵便番号は7桁の数字です（例: 373-0853）。",
                );
                r.postal_code.clear();
            }
        }
    }
    issues.text(
        "address",
        &mut r.address,
        false,
        120,
        Some("住所を入力してください。"),
    );
    if !r.phone.trim().is_empty() {
        match digits_only(&r.phone) {
            Some(d) if (10..=11).contains(&d.len()) && d.starts_with('0') => {
                r.phone = crate::text::format_phone(&r.phone, &d);
            }
            _ => {
                issues.push(
                    "phone",
                    IssueKind::Invalid,
                    "電話番号は0から始まる10桁か11桁の数字で入力してください。",
                );
                r.phone.clear();
            }
        }
    }

    // 法定代理人 and the certificate an under-15 cannot have.
    let under_age = age.is_some_and(|a| a < REPRESENTATIVE_AGE);
    if under_age && r.certificates.signature {
        r.certificates.signature = false;
    }
    let needs_representative = under_age || r.adult_ward;
    let mut reasons: Vec<CounterReason> = Vec::new();
    if needs_representative {
        let rep = r.representative.get_or_insert_with(Representative::default);
        issues.text(
            "representative.name",
            &mut rep.name,
            false,
            60,
            Some("法定代理人の氏名を入力してください。"),
        );
        if !rep.kana.trim().is_empty() {
            match to_katakana_reading(&rep.kana) {
                Ok(k) => rep.kana = k,
                Err(e) => {
                    issues.push("representative.kana", IssueKind::Invalid, e.to_string());
                    rep.kana.clear();
                }
            }
        }
        match rep.relationship {
            None => issues.missing(
                "representative.relationship",
                "本人との関係を選んでください。",
            ),
            Some(Relationship::Other) => issues.text(
                "representative.relationshipNote",
                &mut rep.relationship_note,
                false,
                40,
                Some("本人との関係を具体的に入力してください。"),
            ),
            Some(_) => rep.relationship_note.clear(),
        }
        if !ctx.rules.evaluate(&rep.documents).satisfied {
            let message = if rep.documents.is_empty() {
                "法定代理人の本人確認書類を選んでください。".to_owned()
            } else {
                format!(
                    "法定代理人の{}",
                    ctx.rules
                        .evaluate(&rep.documents)
                        .missing
                        .unwrap_or_default()
                )
            };
            issues.push("representative.documents", IssueKind::Missing, message);
        }
        match rep.relationship_proof {
            None => issues.missing(
                "representative.relationshipProof",
                "関係を確認する書類が必要かどうかを選んでください。",
            ),
            Some(RelationshipProof::Missing) => {
                reasons.push(CounterReason::RelationshipProofMissing)
            }
            Some(_) => {}
        }
    } else {
        r.representative = None;
    }

    // 本人確認 and the mailing conditions decide how the card travels.
    let mut identity_outcome = None;
    match ctx.mode {
        Mode::Support => {
            r.identity = None;
            r.mailing = None;
            reasons.push(CounterReason::SupportMode);
        }
        Mode::Uketsuke => {
            let id = r.identity.get_or_insert_with(IdentityCheck::default);
            let outcome = ctx.rules.evaluate(&id.documents);
            id.rule_name = ctx.rules.name.clone();
            id.satisfied = outcome.satisfied;
            id.missing = outcome.missing.clone();
            if id.documents.is_empty() {
                issues.missing(
                    "identity.documents",
                    "提示された本人確認書類を選んでください。",
                );
            } else if !outcome.satisfied {
                issues.push(
                    "identity.documents",
                    IssueKind::Warning,
                    format!(
                        "{}このままでは窓口受取になります。",
                        outcome.missing.clone().unwrap_or_default()
                    ),
                );
                reasons.push(CounterReason::IdentityNotMet);
            }
            identity_outcome = Some(outcome);
            let m = r.mailing.get_or_insert_with(MailingConditions::default);
            let answers = [
                ("mailing.inPerson", m.in_person, CounterReason::NotInPerson),
                (
                    "mailing.noForwarding",
                    m.no_forwarding,
                    CounterReason::Forwarding,
                ),
                (
                    "mailing.noMovePlanned",
                    m.no_move_planned,
                    CounterReason::MovePlanned,
                ),
                (
                    "mailing.pinConsent",
                    m.pin_consent,
                    CounterReason::NoPinConsent,
                ),
                (
                    "mailing.pinRequestReceived",
                    m.pin_request_received,
                    CounterReason::NoPinRequest,
                ),
            ];
            for (field, answer, reason) in answers {
                match answer {
                    None => issues.missing(field, "「はい」か「いいえ」を選んでください。"),
                    Some(false) => reasons.push(reason),
                    Some(true) => {}
                }
            }
            match m.old_card {
                None => issues.missing(
                    "mailing.oldCard",
                    "通知カード・住基カードの扱いを選んでください。",
                ),
                Some(OldCard::NotReturned) => reasons.push(CounterReason::OldCardKept),
                Some(_) => {}
            }
        }
    }
    reasons.sort();
    reasons.dedup();
    r.delivery = Some(if reasons.is_empty() {
        Delivery::Mail
    } else {
        Delivery::Counter
    });
    r.counter_reasons = reasons;

    if r.photo.is_none() {
        issues.push("photo", IssueKind::Warning, "顔写真がまだありません。");
    }
    issues.text("notes", &mut r.notes, true, 1000, None);

    let ready = issues.0.iter().all(|i| i.kind == IssueKind::Warning);
    Checked {
        record: r,
        issues: issues.0,
        age,
        birth_display,
        needs_representative,
        identity: identity_outcome,
        ready,
    }
}

/// Reads a stored payload (older payloads with missing fields read as defaults).
pub fn parse(value: &serde_json::Value) -> Result<ApplicantRecord, serde_json::Error> {
    serde_json::from_value(value.clone())
}
