//! The bureau's funnel: of the deals opened in a period, how many reached each stage and how
//! many went on to the next, what the contracts came to, how much of it was registered and how
//! much stayed in the platform's region; overall and by origin, month, buyer's province,
//! industry, introducer and the introducer's role (liaison officers' and brokers' credit).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use techmatch_domain::deal::DealStage;
use techmatch_domain::{Action, Actor, FieldError, Role, UserId, ValidationErrors, authorize};
use techmatch_store::{FunnelDimension, FunnelRow};

use super::DealService;
use crate::error::ServiceError;

/// The stages a deal passes on its way, in order. An NDA is optional, so it is not a step of
/// the chain: a deal that signed one and one that skipped it both count as in talks.
pub const FUNNEL_STAGES: [DealStage; 5] = [
    DealStage::Introduced,
    DealStage::InTalks,
    DealStage::IntentSigned,
    DealStage::ContractSigned,
    DealStage::ContractRegistered,
];

/// The figures of one group of deals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunnelFigures {
    pub deals: u64,
    /// Deals that reached each of [`FUNNEL_STAGES`] (closed ones count for the stages they reached).
    pub reached: [u64; 5],
    /// Deals at each stage now, closed and NDA included.
    pub now_at: BTreeMap<&'static str, u64>,
    pub contract_amount_yuan: i64,
    pub registered_amount_yuan: i64,
    pub local_contracts: u64,
    pub local_amount_yuan: i64,
}

impl FunnelFigures {
    fn add(&mut self, row: &FunnelRow) {
        self.deals += row.deals;
        for (reached, stage) in self.reached.iter_mut().zip(FUNNEL_STAGES) {
            if row.furthest_stage.rank() >= stage.rank() {
                *reached += row.deals;
            }
        }
        *self.now_at.entry(row.stage.as_str()).or_insert(0) += row.deals;
        self.contract_amount_yuan += row.contract_amount_yuan;
        self.registered_amount_yuan += row.registered_amount_yuan;
        self.local_contracts += row.local_contracts;
        self.local_amount_yuan += row.local_amount_yuan;
    }

    fn merge(&mut self, other: &FunnelFigures) {
        self.deals += other.deals;
        for (reached, more) in self.reached.iter_mut().zip(other.reached) {
            *reached += more;
        }
        for (stage, count) in &other.now_at {
            *self.now_at.entry(stage).or_insert(0) += count;
        }
        self.contract_amount_yuan += other.contract_amount_yuan;
        self.registered_amount_yuan += other.registered_amount_yuan;
        self.local_contracts += other.local_contracts;
        self.local_amount_yuan += other.local_amount_yuan;
    }

    /// Of the deals that reached each stage, the share that reached the next (none when none
    /// reached it).
    pub fn conversions(&self) -> [Option<f64>; 4] {
        let mut conversions = [None; 4];
        for (index, conversion) in conversions.iter_mut().enumerate() {
            let (before, after) = (self.reached[index], self.reached[index + 1]);
            *conversion = (before > 0).then(|| after as f64 / before as f64);
        }
        conversions
    }

    pub fn contracts(&self) -> u64 {
        self.reached[3]
    }

    pub fn registered(&self) -> u64 {
        self.reached[4]
    }

    /// The share of the contract amount whose buyer is local.
    pub fn local_share(&self) -> Option<f64> {
        (self.contract_amount_yuan > 0).then(|| self.local_amount_yuan as f64 / self.contract_amount_yuan as f64)
    }
}

/// The funnel of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub all: FunnelFigures,
    pub by_origin: BTreeMap<String, FunnelFigures>,
    /// By the month the deals opened in (China time, `2026-12`).
    pub by_month: BTreeMap<String, FunnelFigures>,
    /// By the buyer's province (the first two digits of its GB/T 2260 code).
    pub by_province: BTreeMap<String, FunnelFigures>,
    /// By the GB/T 4754 code of the deals' need (else result); [`UNCLASSIFIED`] without one.
    pub by_industry: BTreeMap<String, FunnelFigures>,
    /// By introducer (deals without one are not listed).
    pub by_introducer: BTreeMap<i64, FunnelFigures>,
    /// The introducers' names and roles, by user id.
    pub introducers: BTreeMap<i64, Introducer>,
    /// By the introducer's role (`liaison_officer`, `broker`, `admin`).
    pub by_introducer_role: BTreeMap<&'static str, FunnelFigures>,
}

/// Who introduced deals of the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Introducer {
    pub display_name: String,
    pub role: Role,
}

/// The industry of deals whose listings name none.
pub const UNCLASSIFIED: &str = "unclassified";

/// Groups the stored figures into the funnel. Every deal has an origin, so the figures by
/// origin add up to all of them and, month by month, to the months'.
pub fn funnel_of(from: NaiveDate, to: NaiveDate, rows: &[FunnelRow]) -> Funnel {
    let mut funnel = Funnel {
        from,
        to,
        all: FunnelFigures::default(),
        by_origin: BTreeMap::new(),
        by_month: BTreeMap::new(),
        by_province: BTreeMap::new(),
        by_industry: BTreeMap::new(),
        by_introducer: BTreeMap::new(),
        introducers: BTreeMap::new(),
        by_introducer_role: BTreeMap::new(),
    };
    for row in rows {
        match row.dimension {
            FunnelDimension::Origin => {
                funnel.all.add(row);
                funnel.by_origin.entry(row.value.clone()).or_default().add(row);
                funnel.by_month.entry(row.month.clone()).or_default().add(row);
            }
            FunnelDimension::Province => funnel.by_province.entry(row.value.clone()).or_default().add(row),
            FunnelDimension::Industry => {
                let industry = if row.value.is_empty() { UNCLASSIFIED.to_owned() } else { row.value.clone() };
                funnel.by_industry.entry(industry).or_default().add(row);
            }
            FunnelDimension::Introducer => {
                if let Ok(introducer) = row.value.parse::<i64>() {
                    funnel.by_introducer.entry(introducer).or_default().add(row);
                }
            }
        }
    }
    funnel
}

/// The figures of every row together (rows of one dimension, such as one introducer's).
pub fn figures_of(rows: &[FunnelRow]) -> FunnelFigures {
    let mut figures = FunnelFigures::default();
    for row in rows {
        figures.add(row);
    }
    figures
}

/// Midnight in China, where the office counts its days, as a UTC instant.
fn china_midnight(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    crate::events::china_time()
        .from_local_datetime(&local)
        .single()
        .map_or_else(|| Utc.from_utc_datetime(&local), |moment| moment.with_timezone(&Utc))
}

/// The instants a period of days in China runs between (the end exclusive), or why not.
pub(super) fn period_instants(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>), ServiceError> {
    if from > to {
        return Err(ValidationErrors::single(FieldError::new("from", "range_reversed", "must not be after to")).into());
    }
    let end = to.succ_opt().unwrap_or(to);
    Ok((china_midnight(from), china_midnight(end)))
}

impl DealService {
    /// The funnel of the deals opened from `from` to `to`, both days included (staff).
    pub async fn funnel(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Funnel, ServiceError> {
        authorize(Some(actor), Action::ReadStatistics)?;
        period_instants(from, to)?;
        let rows = self.store.deal_funnel_rows(from, to, None).await?;
        let mut funnel = funnel_of(from, to, &rows);
        let ids: Vec<UserId> = funnel.by_introducer.keys().map(|id| UserId(*id)).collect();
        for account in self.store.accounts_by_ids(&ids).await? {
            let introducer = Introducer { display_name: account.display_name.as_str().to_owned(), role: account.role };
            funnel.introducers.insert(account.id.0, introducer);
        }
        for (id, figures) in &funnel.by_introducer {
            if let Some(introducer) = funnel.introducers.get(id) {
                funnel.by_introducer_role.entry(introducer.role.as_str()).or_default().merge(figures);
            }
        }
        Ok(funnel)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use techmatch_domain::deal::DealOrigin;

    use super::*;

    /// The stored figures of `deals` alike deals: one row per dimension, as the store keeps them.
    fn rows(origin: DealOrigin, furthest: DealStage, stage: DealStage, deals: u64, amount: i64) -> Vec<FunnelRow> {
        let month = if furthest == DealStage::Introduced { "2026-11" } else { "2026-12" };
        let introduced = origin == DealOrigin::Introduction;
        let mut values = vec![
            (FunnelDimension::Origin, origin.as_str().to_owned()),
            (FunnelDimension::Province, "42".to_owned()),
            (FunnelDimension::Industry, if introduced { "38".to_owned() } else { String::new() }),
        ];
        if introduced {
            values.push((FunnelDimension::Introducer, "7".to_owned()));
        }
        values
            .into_iter()
            .map(|(dimension, value)| row(month, dimension, value, furthest, stage, deals, amount))
            .collect()
    }

    fn row(
        month: &str,
        dimension: FunnelDimension,
        value: String,
        furthest: DealStage,
        stage: DealStage,
        deals: u64,
        amount: i64,
    ) -> FunnelRow {
        FunnelRow {
            month: month.to_owned(),
            dimension,
            value,
            furthest_stage: furthest,
            stage,
            deals,
            contract_amount_yuan: amount,
            registered_amount_yuan: if furthest == DealStage::ContractRegistered { amount } else { 0 },
            local_contracts: u64::from(amount > 0),
            local_amount_yuan: amount / 2,
        }
    }

    #[test]
    fn deals_count_for_every_stage_they_reached_and_closed_ones_too() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let rows = [
            rows(DealOrigin::InterestFromSearch, DealStage::Introduced, DealStage::Introduced, 5, 0),
            rows(DealOrigin::InterestFromSearch, DealStage::NdaSigned, DealStage::Closed, 2, 0),
            rows(DealOrigin::Introduction, DealStage::IntentSigned, DealStage::IntentSigned, 2, 0),
            rows(DealOrigin::Introduction, DealStage::ContractRegistered, DealStage::ContractRegistered, 1, 400_000),
        ]
        .concat();
        let funnel = funnel_of(day, day, &rows);
        assert_eq!(funnel.all.deals, 10);
        assert_eq!(funnel.all.reached, [10, 5, 3, 1, 1]);
        assert_eq!(funnel.all.conversions(), [Some(0.5), Some(0.6), Some(1.0 / 3.0), Some(1.0)]);
        assert_eq!(funnel.all.now_at["closed"], 2);
        assert_eq!((funnel.all.contracts(), funnel.all.registered()), (1, 1));
        assert_eq!(funnel.all.local_share(), Some(0.5));
        assert_eq!(funnel.by_origin["introduction"].reached, [3, 3, 3, 1, 1]);
        assert_eq!(funnel.by_introducer[&7].deals, 3);
        assert_eq!(funnel.by_province["42"].deals, 10);
        assert_eq!((funnel.by_month["2026-11"].deals, funnel.by_month["2026-12"].deals), (5, 5));
        assert_eq!((funnel.by_industry["38"].deals, funnel.by_industry[UNCLASSIFIED].deals), (3, 7));
        assert_eq!(
            figures_of(
                &rows.iter().filter(|row| row.dimension == FunnelDimension::Introducer).cloned().collect::<Vec<_>>()
            )
            .reached,
            [3, 3, 3, 1, 1]
        );
        assert_eq!(funnel_of(day, day, &[]).all.conversions(), [None; 4]);
    }
}
