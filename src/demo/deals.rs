//! Demo deals at every stage, so that the deal pages and the funnel show something on a first
//! start: each demo company writes to a research organization about one of its results, and
//! the pairs go as far as a registered contract, or close, or wait for an answer; the demo
//! broker introduces two more pairs, one accepted by both sides and one waiting.

use chrono::Utc;
use techmatch_domain::deal::{
    DealChange, DealChangeInput, DealStage, InterestAnswer, InterestInput, InterestPurpose, MessageText, NewInterest,
};
use techmatch_domain::{Actor, OrganizationKind, Role};
use techmatch_service::Services;
use techmatch_service::deals::DealService;
use techmatch_service::import::ImportOwner;
use techmatch_store::Store;

/// How far each demo pair goes (`None`: the interest waits for its answer).
const PLANS: [Option<&[&str]>; 8] = [
    Some(&[]),
    Some(&["in_talks"]),
    Some(&["in_talks", "nda_signed"]),
    Some(&["in_talks", "intent_signed"]),
    Some(&["in_talks", "intent_signed", "contract_signed"]),
    Some(&["in_talks", "nda_signed", "intent_signed", "contract_signed", "contract_registered"]),
    Some(&["in_talks", "closed"]),
    None,
];

fn change(stage: &str, index: usize) -> DealChangeInput {
    let signed_on = (Utc::now() - chrono::Duration::days(7)).date_naive().to_string();
    let mut input = DealChangeInput { stage: stage.to_owned(), ..DealChangeInput::default() };
    match stage {
        "contract_signed" => {
            input.contract_type = Some("technology_transfer".into());
            input.contract_amount_yuan = Some(600_000 + 150_000 * i64::try_from(index).unwrap_or(0));
            input.contract_date = Some(signed_on);
        }
        "contract_registered" => {
            input.registration_number = Some(format!("2026420100{index:06}"));
            input.registration_date = Some(signed_on);
        }
        "closed" => input.close_reason = Some("price".into()),
        _ => {}
    }
    input
}

/// Creates the demo pairs; how many deals were opened.
pub async fn load(
    store: &Store,
    services: &Services,
    owners: &[(&'static str, ImportOwner)],
    officer: Actor,
) -> anyhow::Result<usize> {
    let mut companies = Vec::new();
    let mut research = Vec::new();
    let mut brokers = Vec::new();
    for (_, owner) in owners {
        let Some(account) = store.find_account(owner.user_id).await? else { continue };
        let Some(organization) = store.find_organization(owner.organization_id).await? else { continue };
        let actor = Actor { user_id: account.id, role: account.role, organization_id: Some(owner.organization_id) };
        if organization.kind == OrganizationKind::Company {
            companies.push(actor);
        } else if account.role == Role::Researcher {
            research.push(actor);
        } else if account.role == Role::Broker {
            brokers.push(actor);
        }
    }
    let fail = |error: techmatch_service::ServiceError| anyhow::anyhow!("demo deals: {error}");
    let mut opened = 0;
    for (index, plan) in PLANS.iter().enumerate() {
        let (Some(company), Some(researcher)) =
            (companies.get(index % companies.len().max(1)), research.get(index % research.len().max(1)))
        else {
            break;
        };
        let filters = techmatch_service::ListingFilters {
            organization_id: researcher.organization_id,
            ..techmatch_service::ListingFilters::default()
        };
        let page = techmatch_store::PageRequest { offset: (index / research.len().max(1)) as u64, limit: 1 };
        let Some(result) =
            services.listings.list_results(Some(researcher), filters, page).await.map_err(fail)?.items.pop()
        else {
            continue;
        };
        let input = InterestInput {
            listing_kind: "result".into(),
            listing_id: result.id.0,
            purpose: InterestPurpose::ALL[index % InterestPurpose::ALL.len()].as_str().into(),
            message: "我们对这项成果很感兴趣，希望了解转化条件并安排现场交流。".into(),
            related_kind: None,
            related_id: None,
            // Some found among their matches, the others by searching: both origins show.
            found_via: Some(if index % 2 == 0 { "match" } else { "search" }.into()),
        };
        let new = NewInterest::parse(&input).map_err(|errors| anyhow::anyhow!("demo interest: {errors:?}"))?;
        let now = Utc::now();
        let interest = services.deals.express_interest(company, new, now).await.map_err(fail)?;
        let Some(path) = plan else { continue };
        let answered = services
            .deals
            .answer_interest(researcher, interest.interest.id, InterestAnswer::Accept { note: None }, now)
            .await
            .map_err(fail)?;
        let Some(deal_id) = answered.interest.deal_id else { continue };
        opened += 1;
        let mut version = 1;
        for stage in path.iter() {
            let parsed = DealChange::parse(&change(stage, index), DealService::today(now))
                .map_err(|errors| anyhow::anyhow!("demo deal change: {errors:?}"))?;
            let mover = if parsed.stage == DealStage::ContractRegistered { &officer } else { company };
            version =
                services.deals.change_deal(mover, deal_id, version, parsed, now).await.map_err(fail)?.deal.version;
        }
    }
    if let Some(broker) = brokers.first() {
        opened += brokered(services, broker, &companies, &research).await?;
    }
    Ok(opened)
}

/// The broker's introductions: the last company's need and the last research organization's
/// result, accepted by both and in talks; the next pair waits for its answers. How many deals
/// opened.
async fn brokered(
    services: &Services,
    broker: &Actor,
    companies: &[Actor],
    research: &[Actor],
) -> anyhow::Result<usize> {
    let fail = |error: techmatch_service::ServiceError| anyhow::anyhow!("demo introductions: {error}");
    let first = techmatch_store::PageRequest { offset: 0, limit: 1 };
    let mut opened = 0;
    for (turn, (company, researcher)) in companies.iter().rev().zip(research.iter().rev()).take(2).enumerate() {
        let needs = techmatch_service::ListingFilters {
            organization_id: company.organization_id,
            ..techmatch_service::ListingFilters::default()
        };
        let results = techmatch_service::ListingFilters {
            organization_id: researcher.organization_id,
            ..techmatch_service::ListingFilters::default()
        };
        // What the public sees of each: a broker introduces nothing confidential.
        let need = services.listings.list_needs(None, needs, first).await.map_err(fail)?.items.pop();
        let result = services.listings.list_results(None, results, first).await.map_err(fail)?.items.pop();
        let (Some(need), Some(result)) = (need, result) else { continue };
        let note = MessageText::parse("note", "双方方向契合，建议先约一次线上交流。")
            .map_err(|error| anyhow::anyhow!("demo introduction note: {}", error.message))?;
        let now = Utc::now();
        let made = match services.deals.introduce(broker, result.id, need.id, note, now).await {
            Ok(made) => made,
            // A pair the demo cannot introduce (a need no longer open): the next one.
            Err(techmatch_service::ServiceError::Conflict { .. }) => continue,
            Err(error) => return Err(fail(error)),
        };
        if turn > 0 {
            continue;
        }
        for side in [researcher, company] {
            let answered =
                services.deals.answer_introduction(side, made.introduction.id, true, now).await.map_err(fail)?;
            if let Some(deal_id) = answered.introduction.deal_id {
                opened += 1;
                let parsed = DealChange::parse(&change("in_talks", 0), DealService::today(now))
                    .map_err(|errors| anyhow::anyhow!("demo deal change: {errors:?}"))?;
                services.deals.change_deal(company, deal_id, 1, parsed, now).await.map_err(fail)?;
            }
        }
    }
    Ok(opened)
}
