//! A research result's or a technology need's page: who posted it, its text and the facts that
//! matter to the other side, links to edit it and to its matches for its owner and staff, the
//! form that expresses interest, and an open challenge's applications.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use techmatch_domain::OrganizationId;
use techmatch_domain::deal::{FoundVia, InterestPurpose, ListingRef, may_express_interest_in};
use techmatch_domain::listing::{ListingKind, NeedId, NeedStatus, ResultId, ResultStatus};
use techmatch_service::Services;

use super::refusal::{OrPage, PageResult, form_notice};
use super::session::Visit;

/// The path segment of a listing kind's pages.
pub(super) fn kind_path(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Result => "results",
        ListingKind::Need => "needs",
    }
}

/// The page of a listing.
pub(super) fn listing_page(kind: ListingKind, id: i64) -> String {
    format!("/{}/{id}", kind_path(kind))
}

#[derive(Serialize)]
struct Fact {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct ListingPage {
    kind: String,
    title: String,
    body_label: String,
    body: String,
    confidential: bool,
    /// Who posted it, and the link to its profile.
    organization: Option<String>,
    organization_id: i64,
    /// Its contact person, when the organization shows them publicly.
    contact: Option<super::organization::PublicContact>,
    facts: Vec<Fact>,
    /// Links for the owner and staff: edit and the ranked matches.
    edit_path: Option<String>,
    matches_path: Option<String>,
}

#[derive(Serialize)]
struct ApplicationCard {
    id: i64,
    proposal: String,
    status: String,
    created: String,
}

/// An open challenge on its need's page: who may apply, and the applications for reviewers.
#[derive(Serialize)]
struct ChallengePanel {
    id: i64,
    can_apply: bool,
    applications: Option<Vec<ApplicationCard>>,
}

#[derive(Deserialize)]
pub struct ListingQuery {
    notice: Option<String>,
    code: Option<String>,
    /// `match` when the visitor came from a match list: an interest sent from here says so.
    via: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The edit link for its poster and staff; the matches link also for the poster's
/// organization and for brokers looking for pairs to introduce.
fn owner_links(
    visit: &Visit,
    owner: techmatch_domain::UserId,
    organization: techmatch_domain::OrganizationId,
    path: &str,
) -> (Option<String>, Option<String>) {
    let Some(actor) = &visit.actor else { return (None, None) };
    let edit = techmatch_domain::access::can_edit_listing(actor, owner).then(|| format!("{path}/edit"));
    let matches = techmatch_domain::access::can_read_matches(actor, organization).then(|| format!("{path}/matches"));
    (edit, matches)
}

/// A range of yuan as a reader writes it (empty when open at both ends).
fn money(min: Option<i64>, max: Option<i64>) -> Option<String> {
    match (min, max) {
        (Some(min), Some(max)) => Some(format!("{min} – {max}")),
        (Some(min), None) => Some(format!("≥ {min}")),
        (None, Some(max)) => Some(format!("≤ {max}")),
        (None, None) => None,
    }
}

/// Industry divisions by name in the reader's language; none when the listing names none.
fn industries(
    language: techmatch_domain::Language,
    codes: &[techmatch_domain::industry::IndustryCode],
) -> Option<String> {
    let names: Vec<&str> = codes.iter().map(|code| language.pick(code.name_zh(), code.name_en())).collect();
    (!names.is_empty()).then(|| names.join(if language == techmatch_domain::Language::English { ", " } else { "、" }))
}

/// A listing's facts, each labelled in the page's language.
struct Facts<'v> {
    visit: &'v Visit,
    facts: Vec<Fact>,
}

impl<'v> Facts<'v> {
    fn new(visit: &'v Visit) -> Facts<'v> {
        Facts { visit, facts: Vec::new() }
    }

    fn always(mut self, label_key: &str, value: String) -> Self {
        self.facts.push(Fact { label: self.visit.label(label_key), value });
        self
    }

    /// A fact shown only when there is something to say.
    fn given(self, label_key: &str, value: Option<String>) -> Self {
        match value {
            Some(value) => self.always(label_key, value),
            None => self,
        }
    }

    /// A code, by its translated name.
    fn code(self, label_key: &str, code: &str) -> Self {
        let name = self.visit.label(&format!("code_{code}"));
        self.always(label_key, name)
    }

    /// Codes by their translated names, shown when there are any.
    fn codes<'c>(self, label_key: &str, codes: impl IntoIterator<Item = &'c str>) -> Self {
        let names: Vec<String> = codes.into_iter().map(|code| self.visit.label(&format!("code_{code}"))).collect();
        let value = (!names.is_empty()).then(|| names.join("、"));
        self.given(label_key, value)
    }
}

/// The form that writes to the poster, for a visitor of the right side (a signed-out visitor
/// is asked to sign in).
#[derive(Serialize)]
struct InterestPanel {
    kind: &'static str,
    id: i64,
    signed_in: bool,
    purposes: Vec<&'static str>,
    found_via: &'static str,
}

fn interest_panel(
    visit: &Visit,
    listing: ListingRef,
    poster: OrganizationId,
    open: bool,
    query: &ListingQuery,
) -> Option<InterestPanel> {
    let found_via =
        if query.via.as_deref() == Some(FoundVia::Match.as_str()) { FoundVia::Match } else { FoundVia::Search };
    let panel = |signed_in| InterestPanel {
        kind: listing.kind(),
        id: listing.id(),
        signed_in,
        purposes: InterestPurpose::ALL.iter().map(|purpose| purpose.as_str()).collect(),
        found_via: found_via.as_str(),
    };
    match &visit.actor {
        _ if !open => None,
        None => Some(panel(false)),
        Some(actor) if may_express_interest_in(actor.role, listing) && actor.organization_id != Some(poster) => {
            Some(panel(true))
        }
        Some(_) => None,
    }
}

pub async fn result_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<ListingQuery>,
) -> PageResult {
    let result =
        services.listings.get_result(visit.actor.as_ref(), ResultId(path.into_inner())).await.or_page(&visit)?;
    let content = &result.content;
    let facts = Facts::new(&visit)
        .given("keywords", Some(content.keywords.as_slice().join("、")).filter(|joined| !joined.is_empty()))
        .code("maturity", content.maturity.as_str())
        .given("industry", industries(visit.language, &content.industry_codes))
        .codes("transfer_modes_label", content.transfer_modes.iter().map(|mode| mode.as_str()))
        .codes("ip_items_label", content.ip_items.iter().map(|item| item.kind.as_str()))
        .given("asking_price", money(content.asking_price.min, content.asking_price.max))
        .given("region", content.region_code.as_ref().map(|region| region.name().unwrap_or(region.as_str()).to_owned()))
        .code("status_label", result.status.as_str())
        .facts;
    let (edit_path, matches_path) = owner_links(
        &visit,
        result.owner_user_id,
        result.organization_id,
        &listing_page(ListingKind::Result, result.id.0),
    );
    let poster = services.listings.organization(result.organization_id).await.or_page(&visit)?;
    let contact = super::organization::listing_contact(
        visit.actor.as_ref(),
        content.contact.as_ref(),
        result.organization_id,
        poster.as_ref(),
    );
    let organization = poster.map(|poster| poster.name.as_str().to_owned());
    let interest = interest_panel(
        &visit,
        ListingRef::Result(result.id),
        result.organization_id,
        result.status == ResultStatus::Published,
        &query,
    );
    let listing = ListingPage {
        kind: visit.label("kind_result"),
        title: content.title.as_str().to_owned(),
        body_label: visit.label("abstract"),
        body: content.abstract_text.as_str().to_owned(),
        confidential: false,
        organization,
        organization_id: result.organization_id.0,
        contact,
        facts,
        edit_path,
        matches_path,
    };
    Ok(render_listing(&visit, listing, None, interest, &query))
}

/// A listing's page, with the message its last form left.
fn render_listing(
    visit: &Visit,
    listing: ListingPage,
    challenge: Option<ChallengePanel>,
    interest: Option<InterestPanel>,
    query: &ListingQuery,
) -> HttpResponse {
    let notice = form_notice(visit, query.notice.as_deref(), query.code.as_deref());
    visit.render(StatusCode::OK, "listing.html", minijinja::context! { listing, challenge, interest, notice })
}

pub async fn need_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<ListingQuery>,
) -> PageResult {
    let need = services.listings.get_need(visit.actor.as_ref(), NeedId(path.into_inner())).await.or_page(&visit)?;
    let content = &need.content;
    let facts = Facts::new(&visit)
        .given("keywords", Some(content.keywords.as_slice().join("、")).filter(|joined| !joined.is_empty()))
        .given("industry", industries(visit.language, &content.industry_codes))
        .codes("cooperation_modes_label", content.cooperation_modes.iter().map(|mode| mode.as_str()))
        .given("budget", money(content.budget.min, content.budget.max))
        .given("deadline", content.deadline.map(|deadline| deadline.to_string()))
        .given("bounty", content.challenge.as_ref().map(|challenge| challenge.bounty_yuan.to_string()))
        .code("status_label", need.status.as_str())
        .facts;
    let (edit_path, matches_path) =
        owner_links(&visit, need.owner_user_id, need.organization_id, &listing_page(ListingKind::Need, need.id.0));
    let challenge = match (&content.challenge, &visit.actor) {
        (Some(_), Some(actor)) => {
            let reviewer = techmatch_domain::access::can_review_applications(actor, need.organization_id);
            let applications = if reviewer {
                let found = services.listings.list_applications(actor, need.id).await.or_page(&visit)?;
                Some(
                    found
                        .into_iter()
                        .map(|application| ApplicationCard {
                            id: application.id.0,
                            proposal: application.proposal.as_str().to_owned(),
                            status: application.status.as_str().to_owned(),
                            created: application.created_at.format("%Y-%m-%d").to_string(),
                        })
                        .collect(),
                )
            } else {
                None
            };
            let can_apply =
                techmatch_domain::authorize(Some(actor), techmatch_domain::Action::ApplyToChallenge).is_ok();
            Some(ChallengePanel { id: need.id.0, can_apply, applications })
        }
        _ => None,
    };
    let poster = services.listings.organization(need.organization_id).await.or_page(&visit)?;
    let contact = super::organization::listing_contact(
        visit.actor.as_ref(),
        content.contact.as_ref(),
        need.organization_id,
        poster.as_ref(),
    );
    let organization = poster.map(|poster| poster.name.as_str().to_owned());
    let interest = interest_panel(
        &visit,
        ListingRef::Need(need.id),
        need.organization_id,
        matches!(need.status, NeedStatus::Open | NeedStatus::InTalks),
        &query,
    );
    let listing = ListingPage {
        kind: visit.label(if content.challenge.is_some() { "challenge" } else { "kind_need" }),
        title: content.title.as_str().to_owned(),
        body_label: visit.label("description"),
        body: content.description.as_str().to_owned(),
        confidential: content.confidential,
        organization,
        organization_id: need.organization_id.0,
        contact,
        facts,
        edit_path,
        matches_path,
    };
    Ok(render_listing(&visit, listing, challenge, interest, &query))
}
