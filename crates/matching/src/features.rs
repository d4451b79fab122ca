//! Re-ranking features of a result↔need pair, each scaled to [0, 1], and their weighted
//! combination. The score is the weighted mean of the features, so it stays in [0, 1] and each
//! feature's contribution (weight × value / total weight) sums to it exactly.

/// What matching needs to know about a research result (no IO types).
#[derive(Debug, Clone, Default)]
pub struct ResultProfile {
    pub keywords: Vec<String>,
    /// The result's text (title, keywords, abstract), for keyword matching.
    pub text: String,
    pub industry_codes: Vec<String>,
    /// Position in the maturity scale, 0 (lab) to 4 (mass production).
    pub maturity_stage: Option<u8>,
    pub asking_price_min: Option<i64>,
    pub transfer_modes: Vec<String>,
    pub region_code: Option<String>,
    pub age_days: f64,
    /// Liaison officers' decisions on the result's pairs with other needs.
    pub decisions: DecisionTally,
}

/// How liaison officers decided on a result's pairs (outcomes of meetings count as shortlists).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionTally {
    pub shortlisted: u32,
    pub rejected: u32,
}

/// What matching needs to know about a technology need.
#[derive(Debug, Clone, Default)]
pub struct NeedProfile {
    pub keywords: Vec<String>,
    pub text: String,
    pub industry_codes: Vec<String>,
    pub min_maturity_stage: Option<u8>,
    pub budget_max: Option<i64>,
    pub cooperation_modes: Vec<String>,
    pub region_code: Option<String>,
    pub age_days: f64,
}

/// Relative weights of the features; any non-negative values (they are normalised).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub text: f64,
    pub keywords: f64,
    pub industry: f64,
    pub maturity: f64,
    pub budget: f64,
    pub modes: f64,
    pub region: f64,
    pub freshness: f64,
    pub feedback: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            text: 0.55,
            keywords: 0.10,
            industry: 0.10,
            maturity: 0.07,
            budget: 0.05,
            modes: 0.05,
            region: 0.05,
            freshness: 0.03,
            feedback: 0.05,
        }
    }
}

/// The features, with their names in English and Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    Text,
    Keywords,
    Industry,
    Maturity,
    Budget,
    Modes,
    Region,
    Freshness,
    Feedback,
}

impl Feature {
    pub const ALL: [Feature; 9] = [
        Feature::Text,
        Feature::Keywords,
        Feature::Industry,
        Feature::Maturity,
        Feature::Budget,
        Feature::Modes,
        Feature::Region,
        Feature::Freshness,
        Feature::Feedback,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Feature::Text => "text",
            Feature::Keywords => "keywords",
            Feature::Industry => "industry",
            Feature::Maturity => "maturity",
            Feature::Budget => "budget",
            Feature::Modes => "modes",
            Feature::Region => "region",
            Feature::Freshness => "freshness",
            Feature::Feedback => "feedback",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Feature::Text => "text relevance",
            Feature::Keywords => "keyword and field overlap",
            Feature::Industry => "industry fit",
            Feature::Maturity => "maturity fit",
            Feature::Budget => "budget vs asking price",
            Feature::Modes => "cooperation mode fit",
            Feature::Region => "local transfer",
            Feature::Freshness => "freshness",
            Feature::Feedback => "officers' feedback",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Feature::Text => "文本相关度",
            Feature::Keywords => "关键词与领域重合",
            Feature::Industry => "行业匹配",
            Feature::Maturity => "成熟度匹配",
            Feature::Budget => "预算与报价",
            Feature::Modes => "合作方式匹配",
            Feature::Region => "本地转化",
            Feature::Freshness => "时效性",
            Feature::Feedback => "专员反馈",
        }
    }

    fn weight(self, weights: &Weights) -> f64 {
        let weight = match self {
            Feature::Text => weights.text,
            Feature::Keywords => weights.keywords,
            Feature::Industry => weights.industry,
            Feature::Maturity => weights.maturity,
            Feature::Budget => weights.budget,
            Feature::Modes => weights.modes,
            Feature::Region => weights.region,
            Feature::Freshness => weights.freshness,
            Feature::Feedback => weights.feedback,
        };
        if weight.is_finite() { weight.max(0.0) } else { 0.0 }
    }
}

/// One feature's part in a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub feature: Feature,
    /// The feature's value in [0, 1].
    pub value: f64,
    /// Its normalised weight (weights of a pair sum to 1).
    pub weight: f64,
    /// weight × value; the contributions sum to the score.
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    pub score: f64,
    pub contributions: Vec<Contribution>,
}

/// Unknown on either side: neither rewarded nor punished.
const NEUTRAL: f64 = 0.5;

fn clamp(value: f64) -> f64 {
    if value.is_finite() { value.clamp(0.0, 1.0) } else { 0.0 }
}

/// Same division 1, same GB/T 4754 section 0.5, otherwise 0.
pub fn industry_fit(need: &[String], result: &[String], section_of: impl Fn(&str) -> Option<char>) -> f64 {
    if need.is_empty() || result.is_empty() {
        return NEUTRAL;
    }
    if need.iter().any(|code| result.contains(code)) {
        return 1.0;
    }
    let sections = |codes: &[String]| codes.iter().filter_map(|code| section_of(code)).collect::<Vec<char>>();
    let need_sections = sections(need);
    if sections(result).iter().any(|section| need_sections.contains(section)) { 0.5 } else { 0.0 }
}

/// At or beyond the need's minimum 1, one stage short 0.4, further short 0.
pub fn maturity_fit(minimum: Option<u8>, stage: Option<u8>) -> f64 {
    match (minimum, stage) {
        (None, _) => 1.0,
        (Some(_), None) => NEUTRAL,
        (Some(minimum), Some(stage)) if stage >= minimum => 1.0,
        (Some(minimum), Some(stage)) if stage + 1 == minimum => 0.4,
        _ => 0.0,
    }
}

/// Within budget 1; above it, the share of the asking price the budget covers.
pub fn budget_fit(budget_max: Option<i64>, asking_min: Option<i64>) -> f64 {
    match (budget_max, asking_min) {
        (Some(budget), Some(asking)) if asking <= budget => 1.0,
        (Some(budget), Some(asking)) if asking > 0 => clamp(budget as f64 / asking as f64),
        _ => NEUTRAL,
    }
}

/// Any mode in common 1, none 0.
pub fn modes_fit(wanted: &[String], offered: &[String]) -> f64 {
    if wanted.is_empty() || offered.is_empty() {
        return NEUTRAL;
    }
    if wanted.iter().any(|mode| offered.contains(mode)) { 1.0 } else { 0.0 }
}

/// Same prefecture (city) 1, same province 0.6, elsewhere 0 (GB/T 2260 codes).
pub fn region_fit(need: Option<&str>, result: Option<&str>) -> f64 {
    match (need, result) {
        (Some(need), Some(result)) if need.len() >= 4 && result.len() >= 4 => {
            if need[..4] == result[..4] {
                1.0
            } else if need[..2] == result[..2] {
                0.6
            } else {
                0.0
            }
        }
        _ => NEUTRAL,
    }
}

/// Share of the need's keywords found in the result's keywords or text (case-insensitive).
pub fn keyword_overlap(need: &[String], result_keywords: &[String], result_text: &str) -> f64 {
    if need.is_empty() {
        return NEUTRAL;
    }
    let text = result_text.to_lowercase();
    let found = need
        .iter()
        .filter(|keyword| {
            let keyword = keyword.to_lowercase();
            result_keywords.iter().any(|candidate| candidate.to_lowercase() == keyword) || text.contains(&keyword)
        })
        .count();
    found as f64 / need.len() as f64
}

/// Decisions count against this many neutral ones, so that one decision moves a result a
/// little and many move it much (a rejection alone: 0.33; ten rejections: 0.08).
const FEEDBACK_PRIOR: f64 = 2.0;

/// The result's shortlist rate among officers' decisions on its pairs, drawn toward 0.5 while
/// there are few: no decisions 0.5.
pub fn feedback_fit(tally: DecisionTally) -> f64 {
    let decided = f64::from(tally.shortlisted) + f64::from(tally.rejected);
    clamp((f64::from(tally.shortlisted) + NEUTRAL * FEEDBACK_PRIOR) / (decided + FEEDBACK_PRIOR))
}

/// Halves every year.
pub fn freshness(age_days: f64) -> f64 {
    clamp(0.5f64.powf(age_days.max(0.0) / 365.0))
}

/// Scores a pair. `text_relevance` is the pair's retrieval score scaled to [0, 1] (by the best
/// score among the candidates).
pub fn score_pair(
    need: &NeedProfile,
    result: &ResultProfile,
    text_relevance: f64,
    weights: &Weights,
    section_of: impl Fn(&str) -> Option<char>,
) -> ScoredPair {
    let value = |feature: Feature| -> f64 {
        clamp(match feature {
            Feature::Text => text_relevance,
            Feature::Keywords => keyword_overlap(&need.keywords, &result.keywords, &result.text),
            Feature::Industry => industry_fit(&need.industry_codes, &result.industry_codes, &section_of),
            Feature::Maturity => maturity_fit(need.min_maturity_stage, result.maturity_stage),
            Feature::Budget => budget_fit(need.budget_max, result.asking_price_min),
            Feature::Modes => modes_fit(&need.cooperation_modes, &result.transfer_modes),
            Feature::Region => region_fit(need.region_code.as_deref(), result.region_code.as_deref()),
            Feature::Freshness => freshness(result.age_days.min(need.age_days.max(result.age_days))),
            Feature::Feedback => feedback_fit(result.decisions),
        })
    };
    let total: f64 = Feature::ALL.iter().map(|feature| feature.weight(weights)).sum();
    let contributions: Vec<Contribution> = Feature::ALL
        .iter()
        .map(|feature| {
            let weight = if total > 0.0 { feature.weight(weights) / total } else { 1.0 / Feature::ALL.len() as f64 };
            let value = value(*feature);
            Contribution { feature: *feature, value, weight, contribution: weight * value }
        })
        .collect();
    // Rounding can push a sum of parts that are each at most their weight a hair past 1.
    let score = clamp(contributions.iter().map(|part| part.contribution).sum());
    ScoredPair { score, contributions }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(code: &str) -> Option<char> {
        match code {
            "36" | "38" | "39" => Some('C'),
            "01" => Some('A'),
            _ => None,
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn single_features() {
        assert_eq!(industry_fit(&strings(&["36"]), &strings(&["38", "36"]), section), 1.0);
        assert_eq!(industry_fit(&strings(&["36"]), &strings(&["39"]), section), 0.5);
        assert_eq!(industry_fit(&strings(&["36"]), &strings(&["01"]), section), 0.0);
        assert_eq!(maturity_fit(Some(2), Some(3)), 1.0);
        assert_eq!(maturity_fit(Some(2), Some(1)), 0.4);
        assert_eq!(maturity_fit(Some(3), Some(0)), 0.0);
        assert_eq!(budget_fit(Some(100), Some(50)), 1.0);
        assert_eq!(budget_fit(Some(100), Some(400)), 0.25);
        assert_eq!(modes_fit(&strings(&["license"]), &strings(&["assignment"])), 0.0);
        assert_eq!(region_fit(Some("420111"), Some("420106")), 1.0);
        assert_eq!(region_fit(Some("420111"), Some("420500")), 0.6);
        assert_eq!(region_fit(Some("420111"), Some("110108")), 0.0);
        assert_eq!(keyword_overlap(&strings(&["大棚", "Sensor"]), &[], "温室大棚 sensors"), 1.0);
        assert!((freshness(365.0) - 0.5).abs() < 1e-9);
        assert_eq!(feedback_fit(DecisionTally::default()), 0.5);
        let tally = |shortlisted, rejected| DecisionTally { shortlisted, rejected };
        assert!((feedback_fit(tally(0, 1)) - 1.0 / 3.0).abs() < 1e-9);
        assert!((feedback_fit(tally(1, 0)) - 2.0 / 3.0).abs() < 1e-9);
        assert!((feedback_fit(tally(0, 10)) - 1.0 / 12.0).abs() < 1e-9);
        assert!(feedback_fit(tally(5, 5)) == 0.5 && feedback_fit(tally(u32::MAX, 0)) <= 1.0);
    }

    #[test]
    fn a_fitting_result_outranks_a_misfit_with_the_same_text() {
        let need = NeedProfile {
            industry_codes: strings(&["36"]),
            min_maturity_stage: Some(2),
            budget_max: Some(1_000_000),
            cooperation_modes: strings(&["license"]),
            region_code: Some("420105".into()),
            ..NeedProfile::default()
        };
        let fit = ResultProfile {
            industry_codes: strings(&["36"]),
            maturity_stage: Some(3),
            asking_price_min: Some(500_000),
            transfer_modes: strings(&["license"]),
            region_code: Some("420111".into()),
            ..ResultProfile::default()
        };
        let misfit = ResultProfile {
            industry_codes: strings(&["01"]),
            maturity_stage: Some(0),
            asking_price_min: Some(9_000_000),
            transfer_modes: strings(&["equity"]),
            region_code: Some("110108".into()),
            ..ResultProfile::default()
        };
        let weights = Weights::default();
        assert!(
            score_pair(&need, &fit, 0.8, &weights, section).score
                > score_pair(&need, &misfit, 0.8, &weights, section).score
        );
    }

    #[test]
    fn officers_feedback_moves_a_result_and_shows_in_the_explanation() {
        let need = NeedProfile::default();
        let with = |shortlisted, rejected| ResultProfile {
            decisions: DecisionTally { shortlisted, rejected },
            ..ResultProfile::default()
        };
        let weights = Weights::default();
        let score = |result: &ResultProfile| score_pair(&need, result, 0.6, &weights, section);
        let (liked, unknown, disliked) = (score(&with(3, 0)), score(&with(0, 0)), score(&with(0, 3)));
        assert!(liked.score > unknown.score && unknown.score > disliked.score);
        let feedback = |scored: &ScoredPair| {
            scored.contributions.iter().find(|part| part.feature == Feature::Feedback).map(|part| part.value)
        };
        assert_eq!(feedback(&unknown), Some(0.5));
        assert_eq!(feedback(&liked), Some(0.8));
        // Without its weight, feedback changes nothing.
        let blind = Weights { feedback: 0.0, ..Weights::default() };
        assert_eq!(
            score_pair(&need, &with(3, 0), 0.6, &blind, section).score,
            score_pair(&need, &with(0, 3), 0.6, &blind, section).score
        );
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound as u64) as usize
        }

        fn pick(&mut self, items: &[&str]) -> Vec<String> {
            let count = self.below(3);
            (0..count).map(|_| items[self.below(items.len())].to_owned()).collect()
        }
    }

    /// Property over many generated inputs, odd weights and scores included: the score stays in
    /// [0, 1] and the contributions sum to it.
    #[test]
    fn scores_stay_in_range_and_explanations_sum_to_the_score() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let codes = ["36", "38", "01", "99"];
        let modes = ["license", "equity", "assignment"];
        let regions = [None, Some("420111"), Some("420500"), Some("110108"), Some("4")];
        let raw = [0.0, 0.2, 1.0, 5.0, -1.0, f64::INFINITY];
        for _ in 0..5_000 {
            let need = NeedProfile {
                keywords: rng.pick(&["电池", "sensor", "大棚"]),
                industry_codes: rng.pick(&codes),
                cooperation_modes: rng.pick(&modes),
                min_maturity_stage: [None, Some(0), Some(4)][rng.below(3)],
                budget_max: [None, Some(0), Some(1_000), Some(i64::MAX)][rng.below(4)],
                region_code: regions[rng.below(5)].map(str::to_owned),
                age_days: rng.below(4000) as f64,
                ..NeedProfile::default()
            };
            let result = ResultProfile {
                keywords: rng.pick(&["电池", "Sensor"]),
                text: "电池 sensor".into(),
                industry_codes: rng.pick(&codes),
                transfer_modes: rng.pick(&modes),
                maturity_stage: [None, Some(0), Some(2), Some(4)][rng.below(4)],
                asking_price_min: [None, Some(0), Some(5_000), Some(i64::MAX)][rng.below(4)],
                region_code: regions[rng.below(5)].map(str::to_owned),
                age_days: rng.below(4000) as f64,
                decisions: DecisionTally {
                    shortlisted: [0, 1, 7, u32::MAX][rng.below(4)],
                    rejected: [0, 2, u32::MAX][rng.below(3)],
                },
            };
            let text = [0.0, 0.3, 1.0, 7.5, -2.0, f64::NAN][rng.below(6)];
            let weights = Weights {
                text: raw[rng.below(6)],
                keywords: raw[rng.below(6)],
                industry: raw[rng.below(6)],
                maturity: raw[rng.below(6)],
                budget: raw[rng.below(6)],
                modes: raw[rng.below(6)],
                region: raw[rng.below(6)],
                freshness: raw[rng.below(6)],
                feedback: raw[rng.below(6)],
            };
            let scored = score_pair(&need, &result, text, &weights, section);
            assert!((0.0..=1.0).contains(&scored.score), "{scored:?}");
            let sum: f64 = scored.contributions.iter().map(|part| part.contribution).sum();
            assert!((sum - scored.score).abs() < 1e-9, "{scored:?}");
            for part in &scored.contributions {
                assert!((0.0..=1.0).contains(&part.value) && (0.0..=1.0).contains(&part.weight), "{part:?}");
            }
        }
    }
}
