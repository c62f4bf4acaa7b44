//! Allowed exceptions to the photo rules, recorded with the application.

use serde::{Deserialize, Serialize};

/// Why a photo that does not meet every rule is still submitted (DOMAIN.md, "Allowed
/// exceptions"). The app stores it with the record; the checks themselves are not
/// relaxed, so the office sees both the failed checks and the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExceptionReason {
    /// An infant (may lie on a plain light sheet; no helper in frame).
    Infant,
    /// A person with a disability, or bedridden.
    DisabilityOrBedridden,
    /// A religious or medical head covering that leaves the face outline visible.
    HeadCovering,
}

impl ExceptionReason {
    /// Every reason, in the order the app offers them.
    pub const ALL: [ExceptionReason; 3] = [
        ExceptionReason::Infant,
        ExceptionReason::DisabilityOrBedridden,
        ExceptionReason::HeadCovering,
    ];

    /// The label staff see.
    pub fn label_ja(self) -> &'static str {
        match self {
            ExceptionReason::Infant => "乳幼児",
            ExceptionReason::DisabilityOrBedridden => "障害・寝たきり等",
            ExceptionReason::HeadCovering => "宗教上・医療上の理由による頭部の被り物",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_to_stable_camel_case_names() {
        let names: Vec<String> = ExceptionReason::ALL
            .iter()
            .map(|r| serde_json::to_string(r).expect("a unit variant serialises"))
            .collect();
        assert_eq!(
            names,
            [
                r#""infant""#,
                r#""disabilityOrBedridden""#,
                r#""headCovering""#
            ],
            "the names are stored with records, so they must never change"
        );
        for r in ExceptionReason::ALL {
            let back: ExceptionReason =
                serde_json::from_str(&serde_json::to_string(&r).expect("serialises"))
                    .expect("a stored reason reads back");
            assert_eq!(back, r, "a stored reason must read back as itself");
        }
    }
}
