//! A record's national stage: 申請受付 → 発送 → 交付前設定 → 交付. The store moves
//! stages forward by the same order (`advance_stages`, which never moves one back).

/// Every stage, in order.
pub const STAGES: [&str; 4] = ["received", "shipped", "preissue", "issued"];

/// Whether `stage` is one of [`STAGES`].
pub fn is_stage(stage: &str) -> bool {
    STAGES.contains(&stage)
}

/// How far along `stage` is: 0 (received, or unknown) to 3 (issued). Cumulative: a
/// card handed over was also shipped and set up.
pub fn rank(stage: &str) -> i32 {
    match stage {
        "shipped" => 1,
        "preissue" => 2,
        "issued" => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_rank_in_their_order_and_unknown_ones_as_received() {
        let ranks: Vec<i32> = STAGES.iter().map(|s| rank(s)).collect();
        assert_eq!(ranks, [0, 1, 2, 3], "STAGES is in rank order");
        assert_eq!(rank("lost"), 0);
        assert!(is_stage("preissue") && !is_stage("mailed"));
    }
}
