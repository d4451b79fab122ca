//! `techmatch bench funnel`: the bureau's deal funnel over many deals. It fills an empty
//! database (SQLite in a scratch directory, or the PostgreSQL database given) with synthetic
//! deals at every stage and their timelines, then times the funnel's query over the whole year
//! and over one month, beside a reference in the same run: counting every deal.

use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use techmatch_domain::deal::{ContractType, DealOrigin, DealStage};
use techmatch_domain::{JoinCode, OrganizationId, OrganizationKind, OrganizationName, RegionCode, UserId};
use techmatch_service::deals::funnel_of;
use techmatch_store::{BulkDeal, DatabaseSettings, DealFilter, NewOrganization, PageRequest, SqliteSynchronous, Store};

use crate::figures::{LatencyFigures, ScratchDirectory, cores, milliseconds, warn_if_unoptimised};

/// `techmatch bench funnel`.
#[derive(Debug, Clone, clap::Args)]
pub struct FunnelBenchmark {
    /// Deals to create.
    #[arg(long, default_value_t = 100_000)]
    pub deals: usize,
    /// Timeline entries to create in all (spread over the deals).
    #[arg(long, default_value_t = 1_000_000)]
    pub timeline: usize,
    /// An empty PostgreSQL database to run on (default: SQLite in a temporary directory).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Times each query runs.
    #[arg(long, default_value_t = 20)]
    pub repeat: usize,
}

impl FunnelBenchmark {
    pub fn run(&self) -> anyhow::Result<()> {
        warn_if_unoptimised("bench funnel");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        runtime.block_on(run(self))
    }
}

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// Where a synthetic deal got to, roughly as a real pipeline thins out.
fn furthest_stage(random: &mut Xorshift) -> DealStage {
    match random.below(100) {
        0..40 => DealStage::Introduced,
        40..65 => DealStage::InTalks,
        65..70 => DealStage::NdaSigned,
        70..85 => DealStage::IntentSigned,
        85..95 => DealStage::ContractSigned,
        _ => DealStage::ContractRegistered,
    }
}

const PATH: [DealStage; 6] = [
    DealStage::Introduced,
    DealStage::InTalks,
    DealStage::NdaSigned,
    DealStage::IntentSigned,
    DealStage::ContractSigned,
    DealStage::ContractRegistered,
];

fn synthetic_deal(
    index: usize,
    random: &mut Xorshift,
    sides: usize,
    organizations: &Sides,
    entries: usize,
    year_start: DateTime<Utc>,
) -> BulkDeal {
    let furthest = furthest_stage(random);
    let closed = !furthest.is_finished() && random.below(5) == 0;
    let created_at = year_start + chrono::Duration::minutes(i64::try_from(random.below(365 * 24 * 60)).unwrap_or(0));
    let contract = furthest.rank() >= DealStage::ContractSigned.rank();
    let amount = contract.then(|| i64::try_from(100_000 + random.below(4_900_000)).unwrap_or(0));
    let actor = UserId(1);
    let mut timeline = Vec::with_capacity(entries);
    let mut previous = None;
    for (step, stage) in PATH.iter().take_while(|stage| stage.rank() <= furthest.rank()).enumerate() {
        let at = created_at + chrono::Duration::days(i64::try_from(step).unwrap_or(0));
        timeline.push((at, actor, previous, *stage));
        previous = Some(*stage);
    }
    if closed {
        timeline.push((created_at + chrono::Duration::days(7), actor, previous, DealStage::Closed));
    }
    // Notes fill the timeline to its share of entries.
    while timeline.len() < entries {
        let stage = previous.unwrap_or(DealStage::Introduced);
        timeline.push((created_at + chrono::Duration::hours(1), actor, Some(stage), stage));
    }
    BulkDeal {
        result_id: None,
        need_id: None,
        research_organization: organizations.0[index % sides],
        company_organization: organizations.1[index / sides % sides].0,
        buyer_region: organizations.1[index / sides % sides].1.clone(),
        // Twenty manufacturing divisions, and some deals whose listings named none.
        industry_code: (random.below(10) > 0).then(|| (13 + random.below(20)).to_string()),
        stage: if closed { DealStage::Closed } else { furthest },
        furthest_stage: furthest,
        origin: [
            DealOrigin::InterestFromMatch,
            DealOrigin::InterestFromSearch,
            DealOrigin::Introduction,
            DealOrigin::EventMeeting,
        ][index % 4],
        introducer: None,
        contract_type: contract.then_some(ContractType::Transfer),
        contract_amount_yuan: amount,
        contract_date: contract.then(|| created_at.date_naive()),
        buyer_local: contract.then(|| random.below(10) < 6),
        registration_number: (furthest == DealStage::ContractRegistered).then(|| format!("2026420100{index:06}")),
        registration_date: (furthest == DealStage::ContractRegistered).then(|| created_at.date_naive()),
        created_at,
        updated_at: created_at,
        timeline,
    }
}

/// The provinces' GB/T 2260 prefixes: companies are spread over all of them, half in Hubei.
const PROVINCES: [&str; 31] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
];

fn company_region(index: usize) -> String {
    if index.is_multiple_of(2) {
        "420106".to_owned()
    } else {
        format!("{}0100", PROVINCES[index / 2 % PROVINCES.len()])
    }
}

/// Research organizations, and companies with their regions.
type Sides = (Vec<OrganizationId>, Vec<(OrganizationId, RegionCode)>);

async fn organizations(store: &Store, sides: usize) -> anyhow::Result<Sides> {
    let mut research = Vec::with_capacity(sides);
    let mut companies = Vec::with_capacity(sides);
    for index in 0..sides {
        for (kind, region, into) in [
            (OrganizationKind::University, "420111", &mut research),
            (OrganizationKind::Company, &company_region(index), &mut companies),
        ] {
            let organization = store
                .ensure_organization(NewOrganization {
                    name: OrganizationName::from_trusted(format!("漏斗压测 {} {index}", kind.as_str())),
                    kind,
                    region_code: RegionCode::from_trusted(region.to_owned()),
                    join_code: JoinCode::from_trusted(format!(
                        "FUNNEL{}{index:09}",
                        &kind.as_str()[..1].to_uppercase()
                    )),
                })
                .await?;
            into.push((organization.id, organization.region_code));
        }
    }
    Ok((research.into_iter().map(|(id, _)| id).collect(), companies))
}

async fn time<T, F, Fut>(repeat: usize, mut call: F) -> anyhow::Result<(LatencyFigures, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut samples = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        last = Some(call().await?);
        samples.push(started.elapsed());
    }
    match last {
        Some(last) => Ok((LatencyFigures::of(samples), last)),
        None => bail!("nothing was timed"),
    }
}

async fn run(options: &FunnelBenchmark) -> anyhow::Result<()> {
    let directory = ScratchDirectory::new("funnel")?;
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", directory.path().join("funnel.db").display()));
    let backend = if options.database_url.is_some() { "postgresql" } else { "sqlite" };
    let store = Store::connect(&DatabaseSettings {
        url,
        max_connections: 4,
        acquire_timeout_ms: 60_000,
        sqlite_busy_timeout_ms: 5_000,
        sqlite_synchronous: SqliteSynchronous::Normal,
    })
    .await?;
    store.migrate().await?;
    // Enough organizations on each side for every deal to be a pair of its own.
    let sides = (options.deals as f64).sqrt().ceil() as usize + 1;
    eprintln!("creating {sides} research organizations and {sides} companies…");
    let organizations = organizations(&store, sides).await?;
    let entries = (options.timeline / options.deals.max(1)).max(1);
    let year_start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_else(Utc::now);
    let mut random = Xorshift(0x2545_F491_4F6C_DD1D);
    let started = Instant::now();
    const BATCH: usize = 5_000;
    let mut made = 0;
    while made < options.deals {
        let batch: Vec<BulkDeal> = (made..(made + BATCH).min(options.deals))
            .map(|index| synthetic_deal(index, &mut random, sides, &organizations, entries, year_start))
            .collect();
        made += usize::try_from(store.insert_deals_in_bulk(&batch).await?).unwrap_or(0);
        eprintln!("  {made} / {} deals ({} timeline entries each)", options.deals, entries);
    }
    let filling = started.elapsed();

    let day = |month: u32, day: u32| NaiveDate::from_ymd_opt(2026, month, day).unwrap_or_default();
    let mut lines = Vec::new();
    let periods = [
        ("whole year", day(1, 1), day(12, 31)),
        ("one month", day(6, 1), day(6, 30)),
        // Whole months and the days of two months in part.
        ("15 March to 14 June", day(3, 15), day(6, 14)),
        ("one week", day(6, 8), day(6, 14)),
    ];
    for (name, from, to) in periods {
        let (figures, funnel) = time(options.repeat, || async {
            let rows = store.deal_funnel_rows(from, to, None).await?;
            Ok(funnel_of(from, to, &rows))
        })
        .await?;
        lines.push((format!("funnel, {name}"), figures, funnel.all.deals));
    }
    let (figures, counted) = time(options.repeat, || async {
        Ok(store.deals(DealFilter::default(), PageRequest { offset: 0, limit: 1 }).await?.total)
    })
    .await?;
    lines.push(("count every deal (reference)".to_owned(), figures, counted));
    drop(store);

    println!(
        "deal funnel on {backend}: {} deals, {} timeline entries, {} cores (filled in {:.1} s)",
        options.deals,
        options.deals * entries,
        cores(),
        filling.as_secs_f64()
    );
    for (name, figures, deals) in &lines {
        println!(
            "{name:<30} p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  ({deals} deals, {} runs)",
            milliseconds(figures.p50),
            milliseconds(figures.p99),
            milliseconds(figures.max),
            figures.samples
        );
    }
    println!("target: the funnel under {} ms", Duration::from_millis(200).as_millis());
    Ok(())
}
