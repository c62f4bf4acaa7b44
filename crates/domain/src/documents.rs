//! 本人確認: the identity documents staff tick, and the city's rule for how many of
//! which kind are enough.
//!
//! The rule differs by city and can be stricter for mailed cards, so it is data from
//! the office (`DeviceSettings.documentRules`), not code: a list of alternatives, each
//! a minimum count per list, e.g. `{"anyOf": [{"A": 1}, {"B": 2}]}` for the usual
//! counter rule (DOMAIN.md, "本人確認").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which list a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DocList {
    /// List A: one is enough at the counter (photo ID issued by a public body).
    A,
    /// List B: two are needed, each with name plus birth date or address.
    B,
    /// 通知カード or 個人番号通知書, which some cities' mailing rules count separately.
    #[serde(rename = "notice")]
    Notice,
}

impl DocList {
    /// How staff call the list.
    pub fn label(self) -> &'static str {
        match self {
            DocList::A => "A書類",
            DocList::B => "B書類",
            DocList::Notice => "通知カード・個人番号通知書",
        }
    }
}

macro_rules! documents {
    ($($variant:ident => ($code:literal, $list:ident, $label:literal)),+ $(,)?) => {
        /// An identity document staff can tick.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum Document {
            $(
                #[doc = $label]
                #[serde(rename = $code)]
                $variant,
            )+
        }

        impl Document {
            /// Every document, list A first, in the order the UI shows them.
            pub const ALL: &'static [Document] = &[$(Document::$variant),+];

            /// The stable code stored in a record.
            pub fn code(self) -> &'static str {
                match self { $(Document::$variant => $code),+ }
            }

            /// The list it counts for.
            pub fn list(self) -> DocList {
                match self { $(Document::$variant => DocList::$list),+ }
            }

            /// Its name, as staff know it.
            pub fn label(self) -> &'static str {
                match self { $(Document::$variant => $label),+ }
            }
        }
    };
}

documents! {
    MyNumberCard => ("myNumberCard", A, "マイナンバーカード"),
    JukiCardWithPhoto => ("jukiCardWithPhoto", A, "写真付き住基カード"),
    DriversLicence => ("driversLicence", A, "運転免許証"),
    DrivingHistory => ("drivingHistory", A, "運転経歴証明書（平成24年4月1日以降交付）"),
    Passport => ("passport", A, "旅券（パスポート）"),
    PhysicalDisability => ("physicalDisability", A, "身体障害者手帳"),
    MentalDisability => ("mentalDisability", A, "精神障害者保健福祉手帳"),
    Ryoiku => ("ryoiku", A, "療育手帳"),
    ResidenceCard => ("residenceCard", A, "在留カード"),
    SpecialPermanent => ("specialPermanent", A, "特別永住者証明書"),
    TemporaryRefuge => ("temporaryRefuge", A, "一時庇護許可書"),
    ProvisionalStay => ("provisionalStay", A, "仮滞在許可書"),
    HealthInsurance => ("healthInsurance", B, "健康保険の資格確認書・保険証"),
    MedicalCertificate => ("medicalCertificate", B, "医療受給者証"),
    Pension => ("pension", B, "年金手帳・年金証書"),
    Bankbook => ("bankbook", B, "預金通帳"),
    EmployeeId => ("employeeId", B, "社員証"),
    StudentId => ("studentId", B, "学生証"),
    Licence => ("licence", B, "各種免状（海技免状など）"),
    PhotoCertificate => ("photoCertificate", B, "個人番号カード顔写真証明書"),
    NotificationCard => ("notificationCard", Notice, "通知カード・個人番号通知書"),
}

/// The city's rule: any one of the alternatives is enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RuleSet {
    /// The rule's name, shown to staff.
    pub name: String,
    /// Alternatives; each maps a list to the minimum number of its documents.
    pub any_of: Vec<BTreeMap<DocList, u32>>,
}

/// Why an office rule set cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleSetError {
    /// Not the expected JSON shape.
    #[error("本人確認書類のルールを読み取れません: {0}")]
    Malformed(String),
    /// No alternative, or an alternative that asks for nothing.
    #[error("本人確認書類のルールに条件がありません。")]
    Empty,
}

impl RuleSet {
    /// The usual counter rule: one from list A, or two from list B.
    pub fn standard() -> Self {
        Self {
            name: "標準（A書類1点またはB書類2点）".to_owned(),
            any_of: vec![
                BTreeMap::from([(DocList::A, 1)]),
                BTreeMap::from([(DocList::B, 2)]),
            ],
        }
    }

    /// A stricter rule some cities use for mailed cards: A×2, A+B, or a notice + B×2.
    pub fn strict_mailing() -> Self {
        Self {
            name: "郵送用（A書類2点、A書類1点とB書類1点、または通知カード等とB書類2点）".to_owned(),
            any_of: vec![
                BTreeMap::from([(DocList::A, 2)]),
                BTreeMap::from([(DocList::A, 1), (DocList::B, 1)]),
                BTreeMap::from([(DocList::Notice, 1), (DocList::B, 2)]),
            ],
        }
    }

    /// Reads the office's rule set (`DeviceSettings.documentRules`).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, RuleSetError> {
        let rules: RuleSet = serde_json::from_value(value.clone())
            .map_err(|e| RuleSetError::Malformed(e.to_string()))?;
        if rules.any_of.is_empty() || rules.any_of.iter().any(|alt| alt.values().all(|n| *n == 0)) {
            return Err(RuleSetError::Empty);
        }
        Ok(rules)
    }

    /// Evaluates the documents ticked so far.
    pub fn evaluate(&self, shown: &[Document]) -> RuleOutcome {
        let mut have: BTreeMap<DocList, u32> = BTreeMap::new();
        // The same document ticked twice counts once.
        let mut seen = shown.to_vec();
        seen.sort();
        seen.dedup();
        for d in &seen {
            *have.entry(d.list()).or_default() += 1;
        }
        // The alternative needing the fewest further documents is the one to name.
        let shortfalls: Vec<BTreeMap<DocList, u32>> = self
            .any_of
            .iter()
            .map(|alt| {
                alt.iter()
                    .filter_map(|(list, need)| {
                        let got = have.get(list).copied().unwrap_or(0);
                        (got < *need).then(|| (*list, need - got))
                    })
                    .collect()
            })
            .collect();
        if shortfalls.iter().any(BTreeMap::is_empty) {
            return RuleOutcome {
                satisfied: true,
                missing: None,
            };
        }
        let mut options: Vec<(u32, String)> = shortfalls
            .iter()
            .map(|s| {
                let total = s.values().sum();
                let text = s
                    .iter()
                    .map(|(list, n)| format!("{}あと{}点", list.label(), n))
                    .collect::<Vec<_>>()
                    .join("と");
                (total, text)
            })
            .collect();
        options.sort();
        options.dedup_by(|a, b| a.1 == b.1);
        let sentence = match options.as_slice() {
            [] => "本人確認書類が足りません。".to_owned(),
            [only] => format!("本人確認書類が足りません: {}が必要です。", only.1),
            [first, rest @ ..] => format!(
                "本人確認書類が足りません: {}が必要です（または{}）。",
                first.1,
                rest.iter()
                    .map(|o| o.1.as_str())
                    .collect::<Vec<_>>()
                    .join("、または")
            ),
        };
        RuleOutcome {
            satisfied: false,
            missing: Some(sentence),
        }
    }
}

/// Whether the ticked documents meet the rule, and if not, what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RuleOutcome {
    /// Enough documents were shown.
    pub satisfied: bool,
    /// What is still missing, in plain Japanese.
    pub missing: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_rule_one_a_or_two_b() {
        let rule = RuleSet::standard();
        assert!(rule.evaluate(&[Document::DriversLicence]).satisfied);
        assert!(
            rule.evaluate(&[Document::HealthInsurance, Document::Pension])
                .satisfied
        );
        let one_b = rule.evaluate(&[Document::HealthInsurance]);
        assert!(!one_b.satisfied);
        assert_eq!(
            one_b.missing.as_deref(),
            Some("本人確認書類が足りません: A書類あと1点が必要です（またはB書類あと1点）。")
        );
        let none = rule.evaluate(&[]);
        assert_eq!(
            none.missing.as_deref(),
            Some("本人確認書類が足りません: A書類あと1点が必要です（またはB書類あと2点）。")
        );
        assert!(
            !rule
                .evaluate(&[Document::Pension, Document::Pension])
                .satisfied,
            "the same document ticked twice is one document"
        );
        assert!(
            !rule
                .evaluate(&[Document::NotificationCard, Document::Pension])
                .satisfied,
            "a notice is not a B document"
        );
    }

    #[test]
    fn strict_mailing_rule() {
        let rule = RuleSet::strict_mailing();
        assert!(!rule.evaluate(&[Document::DriversLicence]).satisfied);
        assert!(
            rule.evaluate(&[Document::DriversLicence, Document::HealthInsurance])
                .satisfied
        );
        assert!(
            rule.evaluate(&[Document::DriversLicence, Document::Passport])
                .satisfied
        );
        assert!(
            rule.evaluate(&[
                Document::NotificationCard,
                Document::Pension,
                Document::Bankbook
            ])
            .satisfied
        );
        let licence = rule.evaluate(&[Document::DriversLicence]);
        assert_eq!(
            licence.missing.as_deref(),
            Some(
                "本人確認書類が足りません: A書類あと1点が必要です（またはB書類あと1点、またはB書類あと2点と通知カード・個人番号通知書あと1点）。"
            )
        );
    }

    #[test]
    fn the_office_json_is_read_and_bad_rules_refused() {
        let default = serde_json::json!({
            "version": 1,
            "name": "標準（A書類1点またはB書類2点）",
            "anyOf": [{ "A": 1 }, { "B": 2 }]
        });
        assert_eq!(RuleSet::from_json(&default), Ok(RuleSet::standard()));
        assert!(matches!(
            RuleSet::from_json(&serde_json::json!({"name": "x", "anyOf": [{"C": 1}]})),
            Err(RuleSetError::Malformed(_))
        ));
        assert_eq!(
            RuleSet::from_json(&serde_json::json!({"name": "x", "anyOf": []})),
            Err(RuleSetError::Empty)
        );
        assert_eq!(
            RuleSet::from_json(&serde_json::json!({"name": "x", "anyOf": [{"A": 0}]})),
            Err(RuleSetError::Empty)
        );
    }

    #[test]
    fn codes_round_trip_through_serde() {
        for d in Document::ALL {
            let json = serde_json::to_value(d).expect("serialise");
            assert_eq!(json, serde_json::Value::String(d.code().to_owned()));
            let back: Document = serde_json::from_value(json).expect("deserialise");
            assert_eq!(back, *d);
        }
    }

    fn any_documents() -> impl Strategy<Value = Vec<Document>> {
        proptest::collection::vec(proptest::sample::select(Document::ALL), 0..6)
    }

    proptest! {
        /// Showing more documents never turns a satisfied rule into an unsatisfied one.
        #[test]
        fn more_documents_never_hurt(shown in any_documents(), extra in any_documents()) {
            for rule in [RuleSet::standard(), RuleSet::strict_mailing()] {
                if rule.evaluate(&shown).satisfied {
                    let mut more = shown.clone();
                    more.extend(extra.iter().copied());
                    prop_assert!(rule.evaluate(&more).satisfied);
                }
            }
        }

        /// Satisfied exactly when a message is absent; the strict rule implies the standard one.
        #[test]
        fn outcome_is_consistent(shown in any_documents()) {
            let std = RuleSet::standard().evaluate(&shown);
            prop_assert_eq!(std.satisfied, std.missing.is_none());
            if RuleSet::strict_mailing().evaluate(&shown).satisfied {
                prop_assert!(std.satisfied);
            }
        }
    }
}
