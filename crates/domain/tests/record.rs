//! The applicant record's rules, walked through with the three residents of the
//! capture issue and the bad input staff meet.

use chrono::NaiveDate;
use outreach_domain::documents::{Document, RuleSet};
use outreach_domain::record::{
    ApplicantRecord, Context, CounterReason, Delivery, IdSource, IdentityCheck, IssueKind,
    MailingConditions, Mode, OldCard, PhotoInfo, Relationship, RelationshipProof, Representative,
    Sex, check,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn ctx(mode: Mode, rules: &RuleSet) -> Context<'_> {
    Context {
        today: d(2026, 11, 26),
        trip_date: d(2026, 11, 26),
        mode,
        rules,
    }
}

fn adult() -> ApplicantRecord {
    ApplicantRecord {
        application_id: "１２３４５ ６７８９０ １２３４５ ６７８９０ １２３".to_owned(),
        application_id_source: Some(IdSource::Typed),
        name: "太田\u{3000}花子".to_owned(),
        kana: "おおた はなこ".to_owned(),
        birth_date: Some(d(1985, 4, 1)),
        sex: Some(Sex::Female),
        postal_code: "３７３０８５３".to_owned(),
        address: "群馬県太田市浜町２－３５".to_owned(),
        phone: "０２７６－４７－１１１１".to_owned(),
        photo: Some(PhotoInfo::default()),
        ..ApplicantRecord::default()
    }
}

fn all_yes() -> MailingConditions {
    MailingConditions {
        in_person: Some(true),
        no_forwarding: Some(true),
        no_move_planned: Some(true),
        pin_consent: Some(true),
        old_card: Some(OldCard::Returned),
        pin_request_received: Some(true),
    }
}

#[test]
fn adult_uketsuke_with_a_driving_licence_is_mailed() {
    let rules = RuleSet::standard();
    let mut r = adult();
    r.identity = Some(IdentityCheck {
        documents: vec![Document::DriversLicence],
        ..IdentityCheck::default()
    });
    r.mailing = Some(all_yes());
    let c = check(&r, &ctx(Mode::Uketsuke, &rules));
    assert!(c.ready, "issues: {:?}", c.issues);
    assert_eq!(c.record.application_id, "12345678901234567890123");
    assert_eq!(c.record.kana, "オオタ\u{3000}ハナコ");
    assert_eq!(
        c.record.name, "太田\u{3000}花子",
        "kanji and the full-width space stay"
    );
    assert_eq!(c.record.postal_code, "373-0853");
    assert_eq!(c.record.address, "群馬県太田市浜町2-35");
    assert_eq!(c.record.phone, "0276-47-1111");
    assert_eq!(c.age, Some(41));
    assert_eq!(
        c.birth_display.as_deref(),
        Some("昭和60年4月1日（1985年4月1日）")
    );
    assert_eq!(c.record.delivery, Some(Delivery::Mail));
    assert!(c.record.counter_reasons.is_empty());
    assert!(c.record.certificates.signature);
    assert!(!c.needs_representative);
    let id = c.record.identity.expect("identity kept");
    assert!(id.satisfied);
    assert_eq!(id.rule_name, rules.name);
}

#[test]
fn child_of_twelve_needs_a_representative_and_gets_no_signature_certificate() {
    let rules = RuleSet::standard();
    let mut r = adult();
    r.name = "太田\u{3000}蓮".to_owned();
    r.kana = "ｵｵﾀ ﾚﾝ".to_owned();
    r.birth_date = Some(d(2014, 6, 10));
    r.sex = Some(Sex::Male);
    r.identity = Some(IdentityCheck {
        documents: vec![Document::HealthInsurance, Document::StudentId],
        ..IdentityCheck::default()
    });
    r.mailing = Some(all_yes());
    let first = check(&r, &ctx(Mode::Uketsuke, &rules));
    assert!(first.needs_representative);
    assert_eq!(first.age, Some(12));
    assert!(!first.ready);
    assert!(
        !first.record.certificates.signature,
        "署名用 is off for under-15s"
    );
    let fields: Vec<&str> = first.issues.iter().map(|i| i.field.as_str()).collect();
    for f in [
        "representative.name",
        "representative.relationship",
        "representative.documents",
        "representative.relationshipProof",
    ] {
        assert!(fields.contains(&f), "{f} must be asked for: {fields:?}");
    }
    r.representative = Some(Representative {
        name: "太田\u{3000}花子".to_owned(),
        kana: "おおた はなこ".to_owned(),
        relationship: Some(Relationship::Parent),
        documents: vec![Document::DriversLicence],
        relationship_proof: Some(RelationshipProof::SameHousehold),
        ..Representative::default()
    });
    let c = check(&r, &ctx(Mode::Uketsuke, &rules));
    assert!(c.ready, "issues: {:?}", c.issues);
    assert_eq!(c.record.delivery, Some(Delivery::Mail));
    assert_eq!(
        c.birth_display.as_deref(),
        Some("平成26年6月10日（2014年6月10日）")
    );
}

#[test]
fn support_mode_is_always_counter_pickup_and_asks_no_identity() {
    let rules = RuleSet::standard();
    let r = adult();
    let c = check(&r, &ctx(Mode::Support, &rules));
    assert!(c.ready, "issues: {:?}", c.issues);
    assert_eq!(c.record.delivery, Some(Delivery::Counter));
    assert_eq!(c.record.counter_reasons, vec![CounterReason::SupportMode]);
    assert!(c.record.identity.is_none());
    assert!(c.record.mailing.is_none());
}

#[test]
fn a_failed_mailing_condition_or_too_few_documents_make_it_counter_pickup() {
    let rules = RuleSet::standard();
    let mut r = adult();
    r.identity = Some(IdentityCheck {
        documents: vec![Document::Pension],
        ..IdentityCheck::default()
    });
    r.mailing = Some(MailingConditions {
        no_move_planned: Some(false),
        old_card: Some(OldCard::NotReturned),
        ..all_yes()
    });
    let c = check(&r, &ctx(Mode::Uketsuke, &rules));
    assert!(
        c.ready,
        "a counter-pickup record can still be finalized: {:?}",
        c.issues
    );
    assert_eq!(c.record.delivery, Some(Delivery::Counter));
    assert_eq!(
        c.record.counter_reasons,
        vec![
            CounterReason::IdentityNotMet,
            CounterReason::MovePlanned,
            CounterReason::OldCardKept
        ]
    );
    let warning = c
        .issues
        .iter()
        .find(|i| i.field == "identity.documents")
        .expect("the rule's shortfall is shown");
    assert_eq!(warning.kind, IssueKind::Warning);
    assert!(warning.message.contains("あと1点"), "{}", warning.message);
}

#[test]
fn unanswered_mailing_conditions_stop_finalizing() {
    let rules = RuleSet::standard();
    let mut r = adult();
    r.identity = Some(IdentityCheck {
        documents: vec![Document::Passport],
        ..IdentityCheck::default()
    });
    let c = check(&r, &ctx(Mode::Uketsuke, &rules));
    assert!(!c.ready);
    assert!(
        c.issues
            .iter()
            .any(|i| i.field == "mailing.pinRequestReceived" && i.kind == IssueKind::Missing)
    );
}

#[test]
fn bad_input_is_named_field_by_field_and_the_rest_is_kept() {
    let rules = RuleSet::standard();
    let mut r = adult();
    r.application_id = "1234567890123456789012".to_owned(); // 22 digits
    r.birth_date = Some(d(2027, 1, 1));
    r.postal_code = "373-085".to_owned();
    r.kana = "おおた😀".to_owned();
    r.name = "太田\u{0008}花子".to_owned();
    r.phone = "12345".to_owned();
    r.notes = "個人番号 1234-5678-9018 を聞いた".to_owned();
    let c = check(&r, &ctx(Mode::Support, &rules));
    assert!(!c.ready);
    let message = |field: &str| {
        c.issues
            .iter()
            .find(|i| i.field == field && i.kind == IssueKind::Invalid)
            .map(|i| i.message.clone())
            .unwrap_or_else(|| panic!("{field} must be reported: {:?}", c.issues))
    };
    assert_eq!(
        message("applicationId"),
        "申請書IDは23桁です（入力は22桁）。"
    );
    assert_eq!(message("birthDate"), "生年月日が未来の日付です。");
    assert!(message("postalCode").contains("7桁"));
    assert!(message("kana").contains("😀"));
    assert!(message("name").contains("制御文字"));
    assert!(message("phone").contains("電話番号"));
    assert!(message("notes").contains("個人番号"));
    // What could not be stored is left out of the storable record; the rest stays.
    assert_eq!(c.record.notes, "");
    assert_eq!(c.record.name, "");
    assert_eq!(c.record.address, "群馬県太田市浜町2-35");
    assert_eq!(c.record.application_id, "1234567890123456789012");
    assert!(
        !serde_json::to_string(&c.record)
            .expect("json")
            .contains("9018")
    );
}

#[test]
fn a_twelve_digit_id_that_is_a_my_number_is_not_kept_even_as_digits() {
    let rules = RuleSet::standard();
    let mut r = adult();
    r.application_id = "123456789018".to_owned();
    let c = check(&r, &ctx(Mode::Support, &rules));
    assert_eq!(c.record.application_id, "");
}

#[test]
fn old_payloads_without_the_new_fields_still_read() {
    let old = serde_json::json!({
        "applicationId": "12345678901234567890123",
        "name": "佐藤 花子",
        "kana": "サトウ ハナコ",
        "birthDate": "1980-01-02",
        "sex": "female",
        "postalCode": "373-0853",
        "address": "群馬県太田市浜町1-1",
        "phone": "0276-11-2222",
        "certificates": { "signature": true, "userAuth": true },
    });
    let r = outreach_domain::record::parse(&old).expect("reads");
    assert_eq!(r.birth_date, Some(d(1980, 1, 2)));
    assert!(r.trip.is_none());
}
