//! Listing forms: posting (and editing) research results and technology needs.

use super::*;

/// The fields of the two listing forms: (name, label key, input kind, choices).
pub(super) const RESULT_FIELDS: [(&str, &str, &str, &[&str]); 9] = [
    ("title", "title_label", "text", &[]),
    ("abstract", "abstract", "textarea", &[]),
    ("keywords", "keywords_hint", "text", &[]),
    ("industry_codes", "industry_hint", "text", &[]),
    ("maturity", "maturity", "select", &["lab", "prototype", "pilot", "small_batch", "mass_production"]),
    ("asking_price_min", "asking_price_min", "number", &[]),
    ("asking_price_max", "asking_price_max", "number", &[]),
    ("region_code", "region_code_label", "text", &[]),
    ("status", "status_label", "select", &["published", "draft"]),
];
pub(super) const NEED_FIELDS: [(&str, &str, &str, &[&str]); 13] = [
    ("title", "title_label", "text", &[]),
    ("description", "description", "textarea", &[]),
    ("keywords", "keywords_hint", "text", &[]),
    ("industry_codes", "industry_hint", "text", &[]),
    ("min_maturity", "min_maturity", "select", &["", "lab", "prototype", "pilot", "small_batch", "mass_production"]),
    ("budget_min", "budget_min", "number", &[]),
    ("budget_max", "budget_max", "number", &[]),
    ("deadline", "deadline", "date", &[]),
    ("region_code", "region_code_label", "text", &[]),
    ("confidential", "confidential", "checkbox", &[]),
    ("bounty_yuan", "bounty_label", "number", &[]),
    ("challenge_deadline", "challenge_deadline", "date", &[]),
    ("status", "status_label", "select", &["open", "in_talks", "solved", "closed"]),
];

/// Which listing a form edits: its id and the version the form was filled from.
#[derive(Clone, Copy)]
struct Editing {
    id: i64,
    version: i64,
}

/// A parsed form, or every message for it: the API's field errors and the numbers that did
/// not parse.
fn checked<T>(
    parsed: Result<T, crate::error::ApiError>,
    number_errors: Vec<(String, String, String)>,
) -> Result<T, Vec<(String, String, String)>> {
    match parsed {
        Ok(value) if number_errors.is_empty() => Ok(value),
        Ok(_) => Err(number_errors),
        Err(error) => {
            let mut errors = error.field_messages();
            errors.extend(number_errors);
            Err(errors)
        }
    }
}

/// The form field behind an API field name (the challenge is one nested object there).
fn form_field(api_field: &str) -> String {
    match api_field {
        "challenge.bounty_yuan" => "bounty_yuan".to_owned(),
        "challenge.deadline" => "challenge_deadline".to_owned(),
        other => other.to_owned(),
    }
}

fn kind_path(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Result => "results",
        ListingKind::Need => "needs",
    }
}

/// An open challenge from the need form: a bounty, a deadline, or both.
fn challenge_of(
    pairs: &[(String, String)],
    number_of: &mut impl FnMut(&str) -> Option<i64>,
) -> Option<crate::dto::listings::ChallengeBody> {
    let bounty = number_of("bounty_yuan");
    let deadline = field(pairs, "challenge_deadline").trim();
    (bounty.is_some() || !deadline.is_empty()).then(|| crate::dto::listings::ChallengeBody {
        bounty_yuan: bounty.unwrap_or(0),
        deadline: deadline.to_owned(),
    })
}

async fn listing_form(
    services: &Services,
    visit: &Visit,
    kind: ListingKind,
    editing: Option<Editing>,
    values: &[(String, String)],
    errors: &[(String, String, String)],
) -> HttpResponse {
    let fields: &[(&str, &str, &str, &[&str])] =
        if kind == ListingKind::Result { &RESULT_FIELDS } else { &NEED_FIELDS };
    let inputs: Vec<FormInput> = fields
        .iter()
        .map(|(name, label_key, input_kind, options)| FormInput {
            name,
            label: label(visit, label_key),
            kind: input_kind,
            value: values.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default(),
            options: options.to_vec(),
            // Errors name the API's fields; a list field's error may carry an index.
            error: errors
                .iter()
                .map(|(field, code, message)| (form_field(field), code, message))
                .filter(|(field, _, _)| {
                    field == name || field.starts_with(&format!("{name}[")) || field.starts_with(&format!("{name}."))
                })
                .map(|(_, code, message)| error_text(visit, code, message))
                .next(),
        })
        .collect();
    let (heading, action) = match (kind, editing) {
        (ListingKind::Result, None) => (label(visit, "new_result"), "/my/results/new".to_owned()),
        (ListingKind::Need, None) => (label(visit, "new_need"), "/my/needs/new".to_owned()),
        (ListingKind::Result, Some(editing)) => (label(visit, "edit_result"), format!("/results/{}/edit", editing.id)),
        (ListingKind::Need, Some(editing)) => (label(visit, "edit_need"), format!("/needs/{}/edit", editing.id)),
    };
    // A stale version is a form-level error: someone saved the listing meanwhile.
    let stale = errors.iter().any(|(field, _, _)| field == "version");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // Staff post results on behalf of a university or institute: they pick which.
    let staff_posting =
        editing.is_none() && kind == ListingKind::Result && visit.actor.is_some_and(|actor| actor.role.is_staff());
    let mut organizations: Vec<Choice> = Vec::new();
    if staff_posting && let Some(actor) = &visit.actor {
        match services.accounts.organizations_admitting(actor, techmatch_domain::Role::Researcher, 5000).await {
            Ok(found) => organizations.extend(
                found
                    .into_iter()
                    .map(|organization| Choice { id: organization.id.0, title: organization.name.as_str().to_owned() }),
            ),
            Err(error) => return visit.failure(&error),
        }
    }
    let chosen_organization = field(values, "organization_id").to_owned();
    let organization_error = errors
        .iter()
        .find(|(field, _, _)| field == "organization_id")
        .map(|(_, code, message)| error_text(visit, code, message));
    let version = editing.map(|editing| editing.version);
    let archive = editing.map(|editing| format!("/{}/{}/archive", kind_path(kind), editing.id));
    visit.render(
        status,
        "listing_form.html",
        minijinja::context! {
            heading, action, inputs, version, archive, stale, organizations, chosen_organization, organization_error,
            staff_posting, errors => !errors.is_empty()
        },
    )
}

pub async fn new_result_form(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if visit.actor.is_none() {
        return to_login();
    }
    listing_form(&services, &visit, ListingKind::Result, None, &[("status".into(), "published".into())], &[]).await
}

pub async fn new_need_form(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if visit.actor.is_none() {
        return to_login();
    }
    listing_form(&services, &visit, ListingKind::Need, None, &[], &[]).await
}

/// Creates a listing from its form, reusing the API's request types, so a page checks exactly
/// what the API checks; the messages are shown beside their fields.
pub async fn create_listing(
    request: HttpRequest,
    services: web::Data<Services>,
    kind: ListingKind,
    body: &[u8],
) -> HttpResponse {
    let (visit, actor, pairs) = match signed_in_form(&request, &services, body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let mut number_errors = Vec::new();
    let mut number_of = |name: &str| match number(field(&pairs, name)) {
        Ok(value) => value,
        Err(()) => {
            number_errors.push((name.to_owned(), "not_a_number".to_owned(), "must be a whole number".to_owned()));
            None
        }
    };
    let created = match kind {
        ListingKind::Result => {
            let draft = crate::dto::results::CreateResultRequest {
                title: field(&pairs, "title").to_owned(),
                abstract_text: field(&pairs, "abstract").to_owned(),
                keywords: list_value(field(&pairs, "keywords")),
                field: None,
                industry_codes: list_value(field(&pairs, "industry_codes")),
                maturity: field(&pairs, "maturity").to_owned(),
                ip_items: Vec::new(),
                transfer_modes: Vec::new(),
                asking_price_min: number_of("asking_price_min"),
                asking_price_max: number_of("asking_price_max"),
                institution: None,
                region_code: optional(field(&pairs, "region_code")),
                status: optional(field(&pairs, "status")),
                organization_id: field(&pairs, "organization_id").parse().ok(),
            }
            .into_draft();
            match checked(draft, number_errors) {
                Ok(draft) => services
                    .listings
                    .create_result(&actor, draft)
                    .await
                    .map(|result| format!("/results/{}", result.id.0)),
                Err(errors) => return listing_form(&services, &visit, kind, None, &pairs, &errors).await,
            }
        }
        ListingKind::Need => {
            let draft = crate::dto::needs::CreateNeedRequest {
                title: field(&pairs, "title").to_owned(),
                description: field(&pairs, "description").to_owned(),
                keywords: list_value(field(&pairs, "keywords")),
                industry_codes: list_value(field(&pairs, "industry_codes")),
                min_maturity: optional(field(&pairs, "min_maturity")),
                budget_min: number_of("budget_min"),
                budget_max: number_of("budget_max"),
                deadline: optional(field(&pairs, "deadline")),
                region_code: optional(field(&pairs, "region_code")),
                cooperation_modes: Vec::new(),
                confidential: field(&pairs, "confidential") == "true",
                challenge: challenge_of(&pairs, &mut number_of),
                status: optional(field(&pairs, "status")),
                organization_id: None,
            }
            .into_draft();
            match checked(draft, number_errors) {
                Ok(draft) => {
                    services.listings.create_need(&actor, draft).await.map(|need| format!("/needs/{}", need.id.0))
                }
                Err(errors) => return listing_form(&services, &visit, kind, None, &pairs, &errors).await,
            }
        }
    };
    match created {
        Ok(location) => see_other(&location).finish(),
        Err(ServiceError::Validation(found)) => {
            let errors: Vec<(String, String, String)> =
                found.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect();
            listing_form(&services, &visit, kind, None, &pairs, &errors).await
        }
        Err(error) => visit.failure(&error),
    }
}

pub async fn create_result_form(request: HttpRequest, services: web::Data<Services>, body: web::Bytes) -> HttpResponse {
    create_listing(request, services, ListingKind::Result, &body).await
}

pub async fn create_need_form(request: HttpRequest, services: web::Data<Services>, body: web::Bytes) -> HttpResponse {
    create_listing(request, services, ListingKind::Need, &body).await
}

fn joined_codes<'c>(codes: impl Iterator<Item = &'c techmatch_domain::industry::IndustryCode>) -> String {
    codes.map(|code| code.as_str()).collect::<Vec<_>>().join(", ")
}

fn text_of(value: Option<impl ToString>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// The edit form of a result, filled from the stored listing (its owner and staff only).
pub async fn edit_result_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let result = match services.listings.get_result(Some(&actor), ResultId(path.into_inner())).await {
        Ok(result) => result,
        Err(error) => return visit.failure(&error),
    };
    if !techmatch_domain::access::can_edit_listing(&actor, result.owner_user_id) {
        return visit.failure(&ServiceError::Forbidden);
    }
    let content = &result.content;
    let values: Vec<(String, String)> = [
        ("title", content.title.as_str().to_owned()),
        ("abstract", content.abstract_text.as_str().to_owned()),
        ("keywords", content.keywords.as_slice().join(", ")),
        ("industry_codes", joined_codes(content.industry_codes.iter())),
        ("maturity", content.maturity.as_str().to_owned()),
        ("asking_price_min", text_of(content.asking_price.min)),
        ("asking_price_max", text_of(content.asking_price.max)),
        ("region_code", text_of(content.region_code.as_ref().map(|code| code.as_str()))),
        ("status", result.status.as_str().to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    let editing = Editing { id: result.id.0, version: result.version };
    listing_form(&services, &visit, ListingKind::Result, Some(editing), &values, &[]).await
}

/// The edit form of a need, filled from the stored listing (its company and staff only).
pub async fn edit_need_form(request: HttpRequest, services: web::Data<Services>, path: web::Path<i64>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let need = match services.listings.get_need(Some(&actor), NeedId(path.into_inner())).await {
        Ok(need) => need,
        Err(error) => return visit.failure(&error),
    };
    if !techmatch_domain::access::can_edit_listing(&actor, need.owner_user_id) {
        return visit.failure(&ServiceError::Forbidden);
    }
    let content = &need.content;
    let values: Vec<(String, String)> = [
        ("title", content.title.as_str().to_owned()),
        ("description", content.description.as_str().to_owned()),
        ("keywords", content.keywords.as_slice().join(", ")),
        ("industry_codes", joined_codes(content.industry_codes.iter())),
        ("min_maturity", text_of(content.min_maturity.map(|maturity| maturity.as_str()))),
        ("budget_min", text_of(content.budget.min)),
        ("budget_max", text_of(content.budget.max)),
        ("deadline", text_of(content.deadline)),
        ("region_code", text_of(content.region_code.as_ref().map(|code| code.as_str()))),
        ("confidential", content.confidential.to_string()),
        ("bounty_yuan", text_of(content.challenge.as_ref().map(|challenge| challenge.bounty_yuan))),
        ("challenge_deadline", text_of(content.challenge.as_ref().map(|challenge| challenge.deadline))),
        ("status", need.status.as_str().to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    let editing = Editing { id: need.id.0, version: need.version };
    listing_form(&services, &visit, ListingKind::Need, Some(editing), &values, &[]).await
}

/// Saves an edit form through the API's own update types (so the same checks apply); a
/// version that is no longer current is refused with the form kept as typed.
pub async fn save_listing(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i64)>,
    body: web::Bytes,
) -> HttpResponse {
    let (kind_segment, id) = path.into_inner();
    let kind = match kind_segment.as_str() {
        "results" => ListingKind::Result,
        "needs" => ListingKind::Need,
        _ => return see_other("/").finish(),
    };
    let (visit, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let version = field(&pairs, "version").parse::<i64>().unwrap_or(-1);
    let editing = Some(Editing { id, version });
    let mut number_errors = Vec::new();
    let mut number_of = |name: &str| match number(field(&pairs, name)) {
        Ok(value) => value,
        Err(()) => {
            number_errors.push((name.to_owned(), "not_a_number".to_owned(), "must be a whole number".to_owned()));
            None
        }
    };
    let saved = match kind {
        ListingKind::Result => {
            let changes = crate::dto::results::UpdateResultRequest {
                version,
                title: Some(field(&pairs, "title").to_owned()),
                abstract_text: Some(field(&pairs, "abstract").to_owned()),
                keywords: Some(list_value(field(&pairs, "keywords"))),
                field: None,
                industry_codes: Some(list_value(field(&pairs, "industry_codes"))),
                maturity: Some(field(&pairs, "maturity").to_owned()),
                ip_items: None,
                transfer_modes: None,
                asking_price_min: Some(number_of("asking_price_min")),
                asking_price_max: Some(number_of("asking_price_max")),
                institution: None,
                region_code: Some(optional(field(&pairs, "region_code"))),
                status: optional(field(&pairs, "status")),
            }
            .into_changes();
            match checked(changes, number_errors) {
                Ok((version, changes)) => services
                    .listings
                    .update_result(&actor, ResultId(id), version, changes)
                    .await
                    .map(|result| format!("/results/{}", result.id.0)),
                Err(errors) => return listing_form(&services, &visit, kind, editing, &pairs, &errors).await,
            }
        }
        ListingKind::Need => {
            let challenge = challenge_of(&pairs, &mut number_of);
            let changes = crate::dto::needs::UpdateNeedRequest {
                version,
                title: Some(field(&pairs, "title").to_owned()),
                description: Some(field(&pairs, "description").to_owned()),
                keywords: Some(list_value(field(&pairs, "keywords"))),
                industry_codes: Some(list_value(field(&pairs, "industry_codes"))),
                min_maturity: Some(optional(field(&pairs, "min_maturity"))),
                budget_min: Some(number_of("budget_min")),
                budget_max: Some(number_of("budget_max")),
                deadline: Some(optional(field(&pairs, "deadline"))),
                region_code: Some(optional(field(&pairs, "region_code"))),
                cooperation_modes: None,
                confidential: Some(field(&pairs, "confidential") == "true"),
                challenge: Some(challenge),
                status: optional(field(&pairs, "status")),
            }
            .into_changes();
            match checked(changes, number_errors) {
                Ok((version, changes)) => services
                    .listings
                    .update_need(&actor, NeedId(id), version, changes)
                    .await
                    .map(|need| format!("/needs/{}", need.id.0)),
                Err(errors) => return listing_form(&services, &visit, kind, editing, &pairs, &errors).await,
            }
        }
    };
    match saved {
        Ok(location) => see_other(&location).finish(),
        Err(ServiceError::Validation(found)) => {
            let errors: Vec<(String, String, String)> =
                found.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect();
            listing_form(&services, &visit, kind, editing, &pairs, &errors).await
        }
        Err(ServiceError::Conflict { code, message }) => {
            listing_form(
                &services,
                &visit,
                kind,
                editing,
                &pairs,
                &[("version".to_owned(), code.as_str().to_owned(), message)],
            )
            .await
        }
        Err(error) => visit.failure(&error),
    }
}

/// Archives a listing (the API's DELETE) from its edit page.
pub async fn archive_listing(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i64)>,
    body: web::Bytes,
) -> HttpResponse {
    let (kind_segment, id) = path.into_inner();
    let (visit, actor, _) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let archived = match kind_segment.as_str() {
        "results" => services.listings.archive_result(&actor, ResultId(id), None).await.map(|_| ()),
        "needs" => services.listings.archive_need(&actor, NeedId(id), None).await.map(|_| ()),
        _ => Err(ServiceError::NotFound("listing")),
    };
    match archived {
        Ok(()) => see_other("/my?archived=1").finish(),
        Err(error) => visit.failure(&error),
    }
}

/// A researcher applies to an open challenge with a short proposal.
pub async fn apply_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let need = path.into_inner();
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let outcome = match techmatch_domain::listing::LongText::parse("proposal", field(&pairs, "proposal")) {
        Ok(proposal) => services.listings.apply_to_challenge(&actor, NeedId(need), proposal).await.map(|_| ()),
        Err(error) => Err(ServiceError::Validation(techmatch_domain::ValidationErrors::single(error))),
    };
    back_after(&format!("/needs/{need}"), outcome)
}

/// The need's company (or staff) shortlists one application.
pub async fn shortlist_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(i64, i64)>,
    body: web::Bytes,
) -> HttpResponse {
    let (need, application) = path.into_inner();
    let (_, actor, _) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let outcome = services
        .listings
        .shortlist_application(&actor, NeedId(need), techmatch_domain::listing::ApplicationId(application))
        .await
        .map(|_| ());
    back_after(&format!("/needs/{need}"), outcome)
}

#[derive(Deserialize)]
pub struct ExportPageQuery {
    mine: Option<bool>,
}

/// The download links of the pages: the listings the signed-in user may see (or only their
/// own with `mine=true`) as CSV or XLSX, the same files as the API's export routes.
pub async fn export_download(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
    query: web::Query<ExportPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let (kind, format) = path.into_inner();
    let Some(format) = crate::export::ExportFormat::parse(Some(&format)) else {
        return visit.failure(&ServiceError::NotFound("format"));
    };
    let filters =
        ListingFilters { mine: query.mine.unwrap_or(false) && visit.actor.is_some(), ..ListingFilters::default() };
    let file = match kind.as_str() {
        "results" => crate::routes::export::results_file(&services, visit.actor.as_ref(), format, filters).await,
        "needs" => crate::routes::export::needs_file(&services, visit.actor.as_ref(), format, filters).await,
        _ => return visit.failure(&ServiceError::NotFound("listing kind")),
    };
    file.unwrap_or_else(|error| actix_web::ResponseError::error_response(&error))
}
