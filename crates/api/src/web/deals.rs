//! What follows a match, on pages: expressing interest from a listing's page, the user's
//! interests and deals (answering, moving a deal, its timeline), and the bureau's funnel.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::deal::{
    CloseReason, ContractType, DealChange, DealChangeInput, DealId, DealStage, DeclineReason, InterestAnswer,
    InterestId, InterestInput, InterestPurpose, InterestStatus, IntroductionId, ListingRef, MessageText, NewInterest,
    Side, Thread,
};
use techmatch_domain::listing::{NeedId, ResultId};
use techmatch_domain::{FieldError, ValidationErrors};
use techmatch_service::deals::{Contact, DealService, FUNNEL_STAGES, InterestView};
use techmatch_service::{PageRequest, ServiceError, Services};

use super::refusal::{OrPage, PageResult, back_after, form_notice};
use super::session::{Posted, Visit};
use crate::spreadsheet::ExportFormat;

/// The stages a deal may be moved to, in order.
const NEXT_STAGES: [DealStage; 6] = [
    DealStage::InTalks,
    DealStage::NdaSigned,
    DealStage::IntentSigned,
    DealStage::ContractSigned,
    DealStage::ContractRegistered,
    DealStage::Closed,
];

/// Every choice these pages offer, for the translation check.
pub(super) fn choices() -> Vec<&'static str> {
    let mut choices: Vec<&'static str> = Vec::new();
    choices.extend(InterestPurpose::ALL.iter().map(|purpose| purpose.as_str()));
    choices.extend(DeclineReason::ALL.iter().map(|reason| reason.as_str()));
    choices.extend(CloseReason::ALL.iter().map(|reason| reason.as_str()));
    choices.extend(ContractType::ALL.iter().map(|kind| kind.as_str()));
    choices.extend(DealStage::ALL.iter().map(|stage| stage.as_str()));
    choices.extend(techmatch_domain::deal::DealOrigin::ALL.iter().map(|origin| origin.as_str()));
    choices.extend(techmatch_domain::deal::InterestStatus::ALL.iter().map(|status| status.as_str()));
    choices
}

fn listing_path(listing: ListingRef) -> String {
    match listing {
        ListingRef::Result(id) => format!("/results/{id}"),
        ListingRef::Need(id) => format!("/needs/{id}"),
    }
}

/// A form's optional field: absent when left empty.
fn optional(form: &Posted, name: &str) -> Option<String> {
    super::forms::optional(form.field(name))
}

/// Sends an interest from a listing's page.
pub async fn express_interest_form(services: web::Data<Services>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let listing_id: i64 = form.field("listing_id").trim().parse().unwrap_or(0);
    let input = InterestInput {
        listing_kind: form.field("listing_kind").to_owned(),
        listing_id,
        purpose: form.field("purpose").to_owned(),
        message: form.field("message").to_owned(),
        related_kind: None,
        related_id: None,
        found_via: Some(form.field("found_via")).filter(|via| !via.is_empty()).map(str::to_owned),
    };
    let back = ListingRef::parse("listing_kind", &input.listing_kind, listing_id)
        .map_or_else(|_| "/my/deals".to_owned(), listing_path);
    let outcome = match NewInterest::parse(&input) {
        Ok(new) => services.deals.express_interest(&actor, new, Utc::now()).await.map(|_| ()),
        Err(errors) => Err(ServiceError::Validation(errors)),
    };
    Ok(back_after(&back, outcome))
}

#[derive(Serialize)]
struct InterestCard {
    id: i64,
    listing_path: String,
    listing_title: String,
    purpose: &'static str,
    status: &'static str,
    created: String,
    message: String,
    decline_reason: Option<&'static str>,
    note: Option<String>,
    contact: Option<ContactCard>,
    messages: Vec<MessageLine>,
}

#[derive(Serialize)]
struct MessageLine {
    author: String,
    at: String,
    body: String,
}

fn message_lines(views: Vec<techmatch_service::deals::MessageView>) -> Vec<MessageLine> {
    views
        .into_iter()
        .map(|view| MessageLine {
            author: view.author_name,
            at: view.message.created_at.format("%Y-%m-%d %H:%M").to_string(),
            body: view.message.body,
        })
        .collect()
}

#[derive(Serialize)]
struct ContactCard {
    display_name: String,
    email: String,
    phone: Option<String>,
}

impl From<Contact> for ContactCard {
    fn from(contact: Contact) -> Self {
        ContactCard { display_name: contact.display_name, email: contact.email, phone: contact.phone }
    }
}

fn interest_card(view: InterestView, contact: Option<Contact>, messages: Vec<MessageLine>) -> InterestCard {
    let interest = view.interest;
    InterestCard {
        id: interest.id.0,
        listing_path: listing_path(interest.listing),
        listing_title: view.listing_title,
        purpose: interest.purpose.as_str(),
        status: interest.status.as_str(),
        created: interest.created_at.format("%Y-%m-%d").to_string(),
        message: interest.message,
        decline_reason: interest.decline_reason.map(|reason| reason.as_str()),
        note: interest.answer_note,
        contact: contact.map(Into::into),
        messages,
    }
}

#[derive(Serialize)]
struct TimelineEntry {
    at: String,
    stage: &'static str,
    note: Option<String>,
}

#[derive(Serialize)]
struct DealCard {
    id: i64,
    version: i64,
    research: String,
    company: String,
    stage: &'static str,
    origin: &'static str,
    updated: String,
    contract: Option<String>,
    next_stages: Vec<&'static str>,
    timeline: Vec<TimelineEntry>,
    messages: Vec<MessageLine>,
    stalled: bool,
}

#[derive(Serialize)]
struct IntroductionCard {
    id: i64,
    result_id: i64,
    result_title: String,
    need_id: Option<i64>,
    need_title: Option<String>,
    research: String,
    company: Option<String>,
    note: String,
    status: &'static str,
    created: String,
    can_answer: bool,
}

fn introduction_card(
    actor: &techmatch_domain::Actor,
    view: techmatch_service::deals::IntroductionView,
) -> IntroductionCard {
    let introduction = &view.introduction;
    let own_answer = match introduction.side_of(actor) {
        Some(Side::Research) => Some(introduction.research_answer),
        Some(Side::Company) => Some(introduction.company_answer),
        None => None,
    };
    IntroductionCard {
        id: introduction.id.0,
        result_id: introduction.result_id.0,
        result_title: view.result_title.clone(),
        need_id: view.need_title.as_ref().map(|_| introduction.need_id.0),
        need_title: view.need_title.clone(),
        research: view.research_name.clone(),
        company: view.company_name.clone(),
        note: introduction.note.clone(),
        status: introduction.status().as_str(),
        created: introduction.created_at.format("%Y-%m-%d").to_string(),
        can_answer: own_answer == Some(InterestStatus::Open) && introduction.status() == InterestStatus::Open,
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    pub(super) notice: Option<String>,
    pub(super) code: Option<String>,
}

/// A contract in one sentence of the page's language.
fn contract_sentence(visit: &Visit, deal: &techmatch_domain::deal::Deal) -> Option<String> {
    let amount = deal.contract_amount_yuan?;
    let mut sentence = format!(
        "{} · {} {} · {}",
        deal.contract_type.map(|kind| visit.label(&format!("code_{}", kind.as_str()))).unwrap_or_default(),
        amount,
        visit.label("yuan"),
        deal.contract_date.map(|date| date.to_string()).unwrap_or_default()
    );
    if let Some(number) = &deal.registration_number {
        sentence.push_str(&format!(" · {} {number}", visit.label("registration_number")));
    }
    Some(sentence)
}

/// An introducer's portfolio in a sentence.
fn portfolio_sentence(visit: &Visit, portfolio: &techmatch_service::deals::Portfolio) -> String {
    let (tally, deals) = (portfolio.introductions, &portfolio.deals);
    visit
        .label("portfolio_summary")
        .replace("{made}", &tally.made().to_string())
        .replace("{accepted}", &tally.accepted.to_string())
        .replace("{declined}", &tally.declined.to_string())
        .replace("{open}", &tally.open.to_string())
        .replace("{deals}", &deals.deals.to_string())
        .replace("{contracts}", &deals.contracts().to_string())
        .replace("{amount}", &visit.amount(deals.contract_amount_yuan))
}

/// What waits on the visitor, a line per kind that has any.
fn waiting_lines(visit: &Visit, waiting: &techmatch_service::deals::Waiting, deals: &DealService) -> Vec<String> {
    let line = |key: &str, count: u64| {
        (count > 0).then(|| {
            visit
                .label(key)
                .replace("{n}", &count.to_string())
                .replace("{days}", &deals.stalled_after_days().to_string())
        })
    };
    [
        line("waiting_interests", waiting.interests_to_answer),
        line("waiting_introductions", waiting.introductions_to_answer),
        line("waiting_stalled", waiting.stalled_deals),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The signed-in user's interests (received and sent) and deals; staff see all.
pub async fn deals_page(visit: Visit, services: web::Data<Services>, query: web::Query<NoticeQuery>) -> PageResult {
    let actor = visit.signed_in()?;
    let now = Utc::now();
    let page = PageRequest { offset: 0, limit: 100 };
    let interests = services.deals.interests(&actor, page, now).await.or_page(&visit)?;
    let (mut received, mut sent) = (Vec::new(), Vec::new());
    for view in interests.items {
        let thread = Thread::Interest(view.interest.id);
        let messages = message_lines(services.deals.messages(&actor, thread).await.or_page(&visit)?);
        if actor.organization_id == Some(view.interest.listing_organization) {
            let contact = view.sender_contact.clone();
            received.push(interest_card(view, contact, messages));
        } else {
            let contact = view.poster_contact.clone();
            sent.push(interest_card(view, contact, messages));
        }
    }
    let introductions: Vec<IntroductionCard> = services
        .deals
        .introductions(&actor, page)
        .await
        .or_page(&visit)?
        .items
        .into_iter()
        .map(|view| introduction_card(&actor, view))
        .collect();
    let stalled: Vec<i64> = services
        .deals
        .deals(&actor, None, Some(services.deals.stalled_before(now)), page)
        .await
        .or_page(&visit)?
        .items
        .iter()
        .map(|deal| deal.id.0)
        .collect();
    let mut deals = services.deals.deals(&actor, None, None, page).await.or_page(&visit)?.items;
    // Stalled deals first, the quietest first: they are the ones waiting on someone.
    deals.sort_by_key(|deal| stalled.iter().position(|id| *id == deal.id.0).unwrap_or(usize::MAX));
    let names = services.deals.organization_names(&deals).await.or_page(&visit)?;
    let mut cards = Vec::with_capacity(deals.len());
    for deal in deals {
        let timeline = services.deals.deal(&actor, deal.id).await.or_page(&visit)?.timeline;
        let messages = message_lines(services.deals.messages(&actor, Thread::Deal(deal.id)).await.or_page(&visit)?);
        cards.push(DealCard {
            id: deal.id.0,
            version: deal.version,
            research: names.get(&deal.research_organization.0).cloned().unwrap_or_default(),
            company: names.get(&deal.company_organization.0).cloned().unwrap_or_default(),
            stage: deal.stage.as_str(),
            origin: deal.origin.as_str(),
            updated: deal.updated_at.format("%Y-%m-%d").to_string(),
            contract: contract_sentence(&visit, &deal),
            next_stages: NEXT_STAGES
                .iter()
                .filter(|stage| deal.transition(&actor, **stage).is_ok())
                .map(|stage| stage.as_str())
                .collect(),
            timeline: timeline
                .into_iter()
                .map(|entry| TimelineEntry {
                    at: entry.at.format("%Y-%m-%d %H:%M").to_string(),
                    stage: entry.to.as_str(),
                    note: entry.note,
                })
                .collect(),
            messages,
            stalled: stalled.contains(&deal.id.0),
        });
    }
    let portfolio = if actor.role.introduces_pairs() {
        let (from, to) = (techmatch_service::deals::PORTFOLIO_START, DealService::today(now));
        let portfolio = services.deals.portfolio(&actor, from, to).await.or_page(&visit)?;
        Some(portfolio_sentence(&visit, &portfolio))
    } else {
        None
    };
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    let waiting =
        waiting_lines(&visit, &services.deals.waiting_on(&actor, now).await.or_page(&visit)?, &services.deals);
    Ok(visit.render(
        StatusCode::OK,
        "deals.html",
        minijinja::context! {
            notice,
            waiting,
            portfolio,
            staff => actor.role.is_staff(),
            introductions,
            received,
            sent,
            deals => cards,
            decline_reasons => DeclineReason::ALL.iter().map(|reason| reason.as_str()).collect::<Vec<_>>(),
            close_reasons => CloseReason::ALL.iter().map(|reason| reason.as_str()).collect::<Vec<_>>(),
            contract_types => ContractType::ALL.iter().map(|kind| kind.as_str()).collect::<Vec<_>>(),
        },
    ))
}

/// Writes in an interest's or a deal's thread from the deals page.
async fn message_form(services: &Services, thread: Thread, form: &Posted) -> PageResult {
    let actor = form.actor()?;
    let outcome = match MessageText::parse("body", form.field("body")) {
        Ok(body) => services.deals.post_message(&actor, thread, body, Utc::now()).await.map(|_| ()),
        Err(error) => Err(ServiceError::Validation(ValidationErrors::single(error))),
    };
    Ok(back_after("/my/deals", outcome))
}

pub async fn interest_message_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    message_form(&services, Thread::Interest(InterestId(path.into_inner())), &form).await
}

pub async fn deal_message_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    message_form(&services, Thread::Deal(DealId(path.into_inner())), &form).await
}

/// A liaison officer or a broker introduces a pair from the suggestion queue or a match page.
pub async fn introduce_form(services: web::Data<Services>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let id = |name: &str| form.field(name).trim().parse::<i64>().unwrap_or(0);
    let outcome = match MessageText::parse("note", form.field("introduction_note")) {
        Ok(note) => services
            .deals
            .introduce(&actor, ResultId(id("result_id")), NeedId(id("need_id")), note, Utc::now())
            .await
            .map(|_| ()),
        Err(error) => Err(ServiceError::Validation(ValidationErrors::single(error))),
    };
    Ok(back_after("/my/deals", outcome))
}

/// A side accepts or declines an introduction.
pub async fn introduction_answer_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let accept = form.field("decision") == "accept";
    let outcome = services
        .deals
        .answer_introduction(&actor, IntroductionId(path.into_inner()), accept, Utc::now())
        .await
        .map(|_| ());
    Ok(back_after("/my/deals", outcome))
}

/// The poster accepts or declines an interest.
pub async fn answer_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let reason = optional(&form, "reason");
    let note = optional(&form, "note");
    let decision = form.field("decision");
    let reason = if decision == "decline" { reason } else { None };
    let outcome = match InterestAnswer::parse(decision, reason.as_deref(), note.as_deref()) {
        Ok(answer) => {
            services.deals.answer_interest(&actor, InterestId(path.into_inner()), answer, Utc::now()).await.map(|_| ())
        }
        Err(errors) => Err(ServiceError::Validation(errors)),
    };
    Ok(back_after("/my/deals", outcome))
}

/// A stage change as a deal form posts it: the form offers every field, and only those the
/// chosen stage takes are read. Also the outcome form of an event meeting.
pub(super) fn posted_change(form: &Posted) -> Result<DealChangeInput, ValidationErrors> {
    let stage = form.field("stage").to_owned();
    let contract = stage == DealStage::ContractSigned.as_str();
    let registration = stage == DealStage::ContractRegistered.as_str();
    let amount = match optional(form, "contract_amount_yuan").filter(|_| contract) {
        Some(raw) => Some(raw.replace([',', '，'], "").parse::<i64>().map_err(|_| {
            ValidationErrors::single(FieldError::new("contract_amount_yuan", "not_a_number", "is not a whole number"))
        })?),
        None => None,
    };
    Ok(DealChangeInput {
        note: optional(form, "note"),
        close_reason: optional(form, "close_reason").filter(|_| stage == DealStage::Closed.as_str()),
        contract_type: optional(form, "contract_type").filter(|_| contract),
        contract_amount_yuan: amount,
        contract_date: optional(form, "contract_date").filter(|_| contract),
        seller_credit_code: optional(form, "seller_credit_code").filter(|_| contract || registration),
        buyer_credit_code: optional(form, "buyer_credit_code").filter(|_| contract || registration),
        registration_number: optional(form, "registration_number").filter(|_| registration),
        registration_date: optional(form, "registration_date").filter(|_| registration),
        stage,
    })
}

/// A party, the introducer or staff moves a deal.
pub async fn stage_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let now = Utc::now();
    let version: i64 = form.field("version").trim().parse().unwrap_or(0);
    let outcome = match posted_change(&form).and_then(|input| DealChange::parse(&input, DealService::today(now))) {
        Ok(change) => {
            services.deals.change_deal(&actor, DealId(path.into_inner()), version, change, now).await.map(|_| ())
        }
        Err(errors) => Err(ServiceError::Validation(errors)),
    };
    Ok(back_after("/my/deals", outcome))
}

#[derive(Deserialize)]
pub struct FunnelPageQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The period asked for, or this year so far.
fn period(query: &FunnelPageQuery) -> (NaiveDate, NaiveDate) {
    let today = DealService::today(Utc::now());
    let parse = |raw: &Option<String>| raw.as_deref().and_then(|raw| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok());
    let from = parse(&query.from).unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    (from, parse(&query.to).unwrap_or(today))
}

#[derive(Serialize)]
struct StageRow {
    stage: &'static str,
    reached: u64,
    conversion: String,
}

#[derive(Serialize)]
struct GroupRow {
    key: String,
    text: String,
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_owned(), |share| format!("{:.0}%", share * 100.0))
}

/// The bureau's funnel with bars (staff).
pub async fn funnel_page(
    visit: Visit,
    services: web::Data<Services>,
    query: web::Query<FunnelPageQuery>,
) -> PageResult {
    let actor = visit.signed_in()?;
    let (from, to) = period(&query);
    let funnel = services.deals.funnel(&actor, from, to).await.or_page(&visit)?;
    let all = &funnel.all;
    let conversions = all.conversions();
    let stages: Vec<StageRow> = FUNNEL_STAGES
        .iter()
        .enumerate()
        .map(|(index, stage)| StageRow {
            stage: stage.as_str(),
            reached: all.reached[index],
            conversion: index.checked_sub(1).map_or_else(String::new, |previous| percent(conversions[previous])),
        })
        .collect();
    let group_text = |figures: &techmatch_service::deals::FunnelFigures| {
        visit
            .label("funnel_group")
            .replace("{deals}", &figures.deals.to_string())
            .replace("{contracts}", &figures.contracts().to_string())
            .replace("{amount}", &visit.amount(figures.contract_amount_yuan))
    };
    let origins: Vec<GroupRow> = funnel
        .by_origin
        .iter()
        .map(|(origin, figures)| GroupRow { key: (*origin).to_owned(), text: group_text(figures) })
        .collect();
    let introducer_roles: Vec<GroupRow> = funnel
        .by_introducer_role
        .iter()
        .map(|(role, figures)| GroupRow { key: (*role).to_owned(), text: group_text(figures) })
        .collect();
    let introducers: Vec<GroupRow> = funnel
        .by_introducer
        .iter()
        .map(|(user, figures)| {
            let key = funnel.introducers.get(user).map_or_else(
                || user.to_string(),
                |introducer| {
                    let role = visit.label(&format!("code_{}", introducer.role.as_str()));
                    format!("{} ({role})", introducer.display_name)
                },
            );
            GroupRow { key, text: group_text(figures) }
        })
        .collect();
    let provinces: Vec<GroupRow> = funnel
        .by_province
        .iter()
        .map(|(province, figures)| GroupRow {
            key: visit.province_name(&format!("{province}0000")),
            text: group_text(figures),
        })
        .collect();
    let months: Vec<GroupRow> = funnel
        .by_month
        .iter()
        .map(|(month, figures)| GroupRow { key: visit.month_name(month), text: group_text(figures) })
        .collect();
    let industries: Vec<GroupRow> = funnel
        .by_industry
        .iter()
        .map(|(code, figures)| GroupRow { key: visit.industry_name(code), text: group_text(figures) })
        .collect();
    let summary = visit
        .label("funnel_summary")
        .replace("{deals}", &all.deals.to_string())
        .replace("{contracts}", &all.contracts().to_string())
        .replace("{amount}", &visit.amount(all.contract_amount_yuan))
        .replace("{registered}", &all.registered().to_string())
        .replace("{registered_amount}", &visit.amount(all.registered_amount_yuan))
        .replace("{local}", &percent(all.local_share()));
    Ok(visit.render(
        StatusCode::OK,
        "funnel.html",
        minijinja::context! {
            from => from.to_string(), to => to.to_string(), summary, stages,
            first => all.reached[0].max(1), origins, provinces, months, industries, introducer_roles, introducers,
        },
    ))
}

/// The funnel as a workbook, behind the page's link (staff).
pub async fn funnel_download(
    visit: Visit,
    services: web::Data<Services>,
    query: web::Query<FunnelPageQuery>,
) -> PageResult {
    let actor = visit.signed_in()?;
    let (from, to) = period(&query);
    let funnel = services.deals.funnel(&actor, from, to).await.or_page(&visit)?;
    let file = crate::routes::deals::funnel_workbook(&funnel, from, to);
    Ok(file.unwrap_or_else(|error| actix_web::ResponseError::error_response(&error)))
}

/// The deals the signed-in user follows as a file, behind the page's links.
pub async fn deals_download(visit: Visit, services: web::Data<Services>, path: web::Path<String>) -> PageResult {
    let actor = visit.signed_in()?;
    let Some(format) = ExportFormat::parse(Some(&path.into_inner())) else {
        return Err(super::refusal::PageError::not_found(&visit));
    };
    let file = crate::routes::deals::deals_file(&services, &actor, format).await;
    Ok(file.unwrap_or_else(|error| -> HttpResponse { actix_web::ResponseError::error_response(&error) }))
}
