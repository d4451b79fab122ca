//! A research result's or a technology need's page: its text and facts, links to edit it and
//! to its matches for its owner and staff, and an open challenge's applications.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use techmatch_domain::listing::{ListingKind, NeedId, ResultId};
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
    #[allow(dead_code)]
    lang: Option<String>,
}

fn owner_links(visit: &Visit, owner: techmatch_domain::UserId, path: &str) -> (Option<String>, Option<String>) {
    match &visit.actor {
        Some(actor) if techmatch_domain::access::can_edit_listing(actor, owner) => {
            (Some(format!("{path}/edit")), Some(format!("{path}/matches")))
        }
        _ => (None, None),
    }
}

fn money(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min} – {max}"),
        (Some(min), None) => format!("≥ {min}"),
        (None, Some(max)) => format!("≤ {max}"),
        (None, None) => String::new(),
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
    let mut facts = vec![
        Fact { label: visit.label("keywords"), value: content.keywords.as_slice().join("、") },
        Fact { label: visit.label("maturity"), value: visit.label(&format!("code_{}", content.maturity.as_str())) },
        Fact {
            label: visit.label("industry"),
            value: content
                .industry_codes
                .iter()
                .map(|code| format!("{} {}", code.as_str(), code.name_zh()))
                .collect::<Vec<_>>()
                .join("、"),
        },
    ];
    let price = money(content.asking_price.min, content.asking_price.max);
    if !price.is_empty() {
        facts.push(Fact { label: visit.label("asking_price"), value: price });
    }
    if let Some(region) = &content.region_code {
        facts.push(Fact { label: visit.label("region"), value: region.name().unwrap_or(region.as_str()).to_owned() });
    }
    let (edit_path, matches_path) = owner_links(&visit, result.owner_user_id, &format!("/results/{}", result.id.0));
    facts.push(Fact {
        label: visit.label("status_label"),
        value: visit.label(&format!("code_{}", result.status.as_str())),
    });
    let listing = ListingPage {
        kind: visit.label("kind_result"),
        title: content.title.as_str().to_owned(),
        body_label: visit.label("abstract"),
        body: content.abstract_text.as_str().to_owned(),
        confidential: false,
        facts,
        edit_path,
        matches_path,
    };
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    Ok(visit.render(
        StatusCode::OK,
        "listing.html",
        minijinja::context! { listing, notice, challenge => None::<ChallengePanel> },
    ))
}

pub async fn need_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<ListingQuery>,
) -> PageResult {
    let need = services.listings.get_need(visit.actor.as_ref(), NeedId(path.into_inner())).await.or_page(&visit)?;
    let content = &need.content;
    let mut facts = vec![
        Fact { label: visit.label("keywords"), value: content.keywords.as_slice().join("、") },
        Fact {
            label: visit.label("industry"),
            value: content
                .industry_codes
                .iter()
                .map(|code| format!("{} {}", code.as_str(), code.name_zh()))
                .collect::<Vec<_>>()
                .join("、"),
        },
    ];
    let budget = money(content.budget.min, content.budget.max);
    if !budget.is_empty() {
        facts.push(Fact { label: visit.label("budget"), value: budget });
    }
    if let Some(deadline) = content.deadline {
        facts.push(Fact { label: visit.label("deadline"), value: deadline.to_string() });
    }
    if let Some(challenge) = &content.challenge {
        facts.push(Fact { label: visit.label("bounty"), value: challenge.bounty_yuan.to_string() });
    }
    let (edit_path, matches_path) = owner_links(&visit, need.owner_user_id, &format!("/needs/{}", need.id.0));
    facts.push(Fact {
        label: visit.label("status_label"),
        value: visit.label(&format!("code_{}", need.status.as_str())),
    });
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
    let listing = ListingPage {
        kind: visit.label(if content.challenge.is_some() { "challenge" } else { "kind_need" }),
        title: content.title.as_str().to_owned(),
        body_label: visit.label("description"),
        body: content.description.as_str().to_owned(),
        confidential: content.confidential,
        facts,
        edit_path,
        matches_path,
    };
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    Ok(visit.render(StatusCode::OK, "listing.html", minijinja::context! { listing, challenge, notice }))
}
