//! Listing forms: posting, editing and archiving research results and technology needs,
//! applying to open challenges and shortlisting applications, and the listings' downloads.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use techmatch_domain::listing::{ApplicationId, ListingKind, LongText, NeedId, ResultId};
use techmatch_domain::{Role, ValidationErrors};
use techmatch_service::{ListingFilters, ServiceError, Services};

use super::forms::{Choice, FieldMessages, FormInput, field_messages, list_value, number, optional, value_of};
use super::listing::{kind_path, listing_page};
use super::refusal::{OrPage, PageError, PageResult, back_after};
use super::session::{Posted, Visit, see_other};
use crate::dto::listings::{ChallengeBody, ContactBody};
use crate::dto::needs::{CreateNeedRequest, UpdateNeedRequest};
use crate::dto::results::{CreateResultRequest, UpdateResultRequest};
use crate::spreadsheet::ExportFormat;

/// The fields of the two listing forms: (name, label key, input kind, choices).
pub(super) const RESULT_FIELDS: [(&str, &str, &str, &[&str]); 13] = [
    ("title", "title_label", "text", &[]),
    ("abstract", "abstract", "textarea", &[]),
    ("keywords", "keywords_hint", "text", &[]),
    ("industry_codes", "industry_hint", "text", &[]),
    ("maturity", "maturity", "select", &["lab", "prototype", "pilot", "small_batch", "mass_production"]),
    ("asking_price_min", "asking_price_min", "number", &[]),
    ("asking_price_max", "asking_price_max", "number", &[]),
    ("region_code", "region_code_label", "text", &[]),
    ("contact_name", "listing_contact_name", "text", &[]),
    ("contact_phone", "contact_phone", "tel", &[]),
    ("contact_email", "contact_email", "email", &[]),
    ("contact_public", "contact_public", "checkbox", &[]),
    ("status", "status_label", "select", &["published", "draft"]),
];
pub(super) const NEED_FIELDS: [(&str, &str, &str, &[&str]); 17] = [
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
    ("contact_name", "listing_contact_name", "text", &[]),
    ("contact_phone", "contact_phone", "tel", &[]),
    ("contact_email", "contact_email", "email", &[]),
    ("contact_public", "contact_public", "checkbox", &[]),
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
fn checked<T>(parsed: Result<T, crate::error::ApiError>, number_errors: FieldMessages) -> Result<T, FieldMessages> {
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

/// An open challenge from the need form: a bounty, a deadline, or both.
fn challenge_of(form: &Posted, number_of: &mut impl FnMut(&str) -> Option<i64>) -> Option<ChallengeBody> {
    let bounty = number_of("bounty_yuan");
    let deadline = form.field("challenge_deadline").trim();
    (bounty.is_some() || !deadline.is_empty())
        .then(|| ChallengeBody { bounty_yuan: bounty.unwrap_or(0), deadline: deadline.to_owned() })
}

/// The listing's own contact from its form; none when every part is left empty.
fn contact_of(form: &Posted) -> Option<ContactBody> {
    let public = form.field("contact_public") == "true";
    let (name, phone, email) = (
        form.field("contact_name").trim(),
        optional(form.field("contact_phone")),
        optional(form.field("contact_email")),
    );
    (public || !name.is_empty() || phone.is_some() || email.is_some()).then(|| ContactBody {
        name: name.to_owned(),
        phone,
        email,
        public,
    })
}

/// The contact fields of an edit form, filled from the stored contact.
fn contact_values(contact: Option<&techmatch_domain::ContactPerson>) -> Vec<(&'static str, String)> {
    vec![
        ("contact_name", text_of(contact.map(|contact| contact.name.as_str()))),
        ("contact_phone", text_of(contact.and_then(|contact| contact.phone.as_ref()).map(|phone| phone.as_str()))),
        ("contact_email", text_of(contact.and_then(|contact| contact.email.as_ref()).map(|email| email.as_str()))),
        ("contact_public", contact.is_some_and(|contact| contact.public).to_string()),
    ]
}

/// The form's whole numbers; a message for each that is not a number is kept for the page.
struct Numbers<'f> {
    form: &'f Posted,
    errors: FieldMessages,
}

impl Numbers<'_> {
    fn of(&mut self, name: &str) -> Option<i64> {
        match number(self.form.field(name)) {
            Ok(value) => value,
            Err(()) => {
                self.errors.push((name.to_owned(), "not_a_number".to_owned(), "must be a whole number".to_owned()));
                None
            }
        }
    }
}

async fn listing_form(
    services: &Services,
    visit: &Visit,
    kind: ListingKind,
    editing: Option<Editing>,
    values: &[(String, String)],
    errors: &[(String, String, String)],
) -> PageResult {
    let fields: &[(&str, &str, &str, &[&str])] =
        if kind == ListingKind::Result { &RESULT_FIELDS } else { &NEED_FIELDS };
    let inputs: Vec<FormInput> = fields
        .iter()
        .map(|(name, label_key, input_kind, options)| FormInput {
            name,
            label: visit.label(label_key),
            kind: input_kind,
            value: value_of(values, name),
            options: options.to_vec(),
            // Errors name the API's fields; a list field's error may carry an index.
            error: errors
                .iter()
                .map(|(field, code, message)| (form_field(field), code, message))
                .filter(|(field, _, _)| {
                    field == name || field.starts_with(&format!("{name}[")) || field.starts_with(&format!("{name}."))
                })
                .map(|(_, code, message)| visit.error_text(code, message))
                .next(),
        })
        .collect();
    let (heading, action) = match (kind, editing) {
        (ListingKind::Result, None) => (visit.label("new_result"), "/my/results/new".to_owned()),
        (ListingKind::Need, None) => (visit.label("new_need"), "/my/needs/new".to_owned()),
        (ListingKind::Result, Some(editing)) => (visit.label("edit_result"), format!("/results/{}/edit", editing.id)),
        (ListingKind::Need, Some(editing)) => (visit.label("edit_need"), format!("/needs/{}/edit", editing.id)),
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
        let found = services.accounts.organizations_admitting(actor, Role::Researcher, 5000).await.or_page(visit)?;
        organizations.extend(
            found
                .into_iter()
                .map(|organization| Choice { id: organization.id.0, title: organization.name.as_str().to_owned() }),
        );
    }
    let chosen_organization = value_of(values, "organization_id");
    let organization_error = errors
        .iter()
        .find(|(field, _, _)| field == "organization_id")
        .map(|(_, code, message)| visit.error_text(code, message));
    let version = editing.map(|editing| editing.version);
    let archive = editing.map(|editing| format!("/{}/{}/archive", kind_path(kind), editing.id));
    Ok(visit.render(
        status,
        "listing_form.html",
        minijinja::context! {
            heading, action, inputs, version, archive, stale, organizations, chosen_organization, organization_error,
            staff_posting, errors => !errors.is_empty()
        },
    ))
}

pub async fn new_result_form(visit: Visit, services: web::Data<Services>) -> PageResult {
    visit.signed_in()?;
    listing_form(&services, &visit, ListingKind::Result, None, &[("status".into(), "published".into())], &[]).await
}

pub async fn new_need_form(visit: Visit, services: web::Data<Services>) -> PageResult {
    visit.signed_in()?;
    listing_form(&services, &visit, ListingKind::Need, None, &[], &[]).await
}

/// Creates a listing from its form, reusing the API's request types, so a page checks exactly
/// what the API checks; the messages are shown beside their fields.
async fn create_listing(services: &Services, kind: ListingKind, form: &Posted) -> PageResult {
    let visit = &form.visit;
    let actor = form.actor()?;
    let mut numbers = Numbers { form, errors: Vec::new() };
    let created = match kind {
        ListingKind::Result => {
            let draft = CreateResultRequest {
                title: form.field("title").to_owned(),
                abstract_text: form.field("abstract").to_owned(),
                keywords: list_value(form.field("keywords")),
                field: None,
                industry_codes: list_value(form.field("industry_codes")),
                maturity: form.field("maturity").to_owned(),
                ip_items: Vec::new(),
                transfer_modes: Vec::new(),
                asking_price_min: numbers.of("asking_price_min"),
                asking_price_max: numbers.of("asking_price_max"),
                institution: None,
                region_code: optional(form.field("region_code")),
                contact: contact_of(form),
                status: optional(form.field("status")),
                organization_id: form.field("organization_id").parse().ok(),
            }
            .into_draft();
            match checked(draft, numbers.errors) {
                Ok(draft) => {
                    services.listings.create_result(&actor, draft).await.map(|result| listing_page(kind, result.id.0))
                }
                Err(errors) => return listing_form(services, visit, kind, None, form.pairs(), &errors).await,
            }
        }
        ListingKind::Need => {
            let challenge = challenge_of(form, &mut |name| numbers.of(name));
            let draft = CreateNeedRequest {
                title: form.field("title").to_owned(),
                description: form.field("description").to_owned(),
                keywords: list_value(form.field("keywords")),
                industry_codes: list_value(form.field("industry_codes")),
                min_maturity: optional(form.field("min_maturity")),
                budget_min: numbers.of("budget_min"),
                budget_max: numbers.of("budget_max"),
                deadline: optional(form.field("deadline")),
                region_code: optional(form.field("region_code")),
                cooperation_modes: Vec::new(),
                confidential: form.field("confidential") == "true",
                challenge,
                contact: contact_of(form),
                status: optional(form.field("status")),
                organization_id: None,
            }
            .into_draft();
            match checked(draft, numbers.errors) {
                Ok(draft) => {
                    services.listings.create_need(&actor, draft).await.map(|need| listing_page(kind, need.id.0))
                }
                Err(errors) => return listing_form(services, visit, kind, None, form.pairs(), &errors).await,
            }
        }
    };
    match created {
        Ok(location) => Ok(see_other(&location).finish()),
        Err(ServiceError::Validation(found)) => {
            listing_form(services, visit, kind, None, form.pairs(), &field_messages(found)).await
        }
        Err(error) => Err(error).or_page(visit),
    }
}

pub async fn create_result_form(services: web::Data<Services>, form: Posted) -> PageResult {
    create_listing(&services, ListingKind::Result, &form).await
}

pub async fn create_need_form(services: web::Data<Services>, form: Posted) -> PageResult {
    create_listing(&services, ListingKind::Need, &form).await
}

fn joined_codes<'c>(codes: impl Iterator<Item = &'c techmatch_domain::industry::IndustryCode>) -> String {
    codes.map(|code| code.as_str()).collect::<Vec<_>>().join(", ")
}

fn text_of(value: Option<impl ToString>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn named(values: Vec<(&str, String)>) -> Vec<(String, String)> {
    values.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// The edit form of a result, filled from the stored listing (its owner and staff only).
pub async fn edit_result_form(visit: Visit, services: web::Data<Services>, path: web::Path<i64>) -> PageResult {
    let actor = visit.signed_in()?;
    let result = services.listings.get_result(Some(&actor), ResultId(path.into_inner())).await.or_page(&visit)?;
    if !techmatch_domain::access::can_edit_listing(&actor, result.owner_user_id) {
        return Err(PageError::failed(&visit, ServiceError::Forbidden));
    }
    let content = &result.content;
    let values = named(
        vec![
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
        .chain(contact_values(content.contact.as_ref()))
        .collect(),
    );
    let editing = Editing { id: result.id.0, version: result.version };
    listing_form(&services, &visit, ListingKind::Result, Some(editing), &values, &[]).await
}

/// The edit form of a need, filled from the stored listing (its company and staff only).
pub async fn edit_need_form(visit: Visit, services: web::Data<Services>, path: web::Path<i64>) -> PageResult {
    let actor = visit.signed_in()?;
    let need = services.listings.get_need(Some(&actor), NeedId(path.into_inner())).await.or_page(&visit)?;
    if !techmatch_domain::access::can_edit_listing(&actor, need.owner_user_id) {
        return Err(PageError::failed(&visit, ServiceError::Forbidden));
    }
    let content = &need.content;
    let values = named(
        vec![
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
        .chain(contact_values(content.contact.as_ref()))
        .collect(),
    );
    let editing = Editing { id: need.id.0, version: need.version };
    listing_form(&services, &visit, ListingKind::Need, Some(editing), &values, &[]).await
}

/// The listing kind a page path names (`results` or `needs`).
fn kind_of(segment: &str) -> Option<ListingKind> {
    match segment {
        "results" => Some(ListingKind::Result),
        "needs" => Some(ListingKind::Need),
        _ => None,
    }
}

/// Saves an edit form through the API's own update types (so the same checks apply); a
/// version that is no longer current is refused with the form kept as typed.
pub async fn save_listing(services: web::Data<Services>, path: web::Path<(String, i64)>, form: Posted) -> PageResult {
    let (kind_segment, id) = path.into_inner();
    let Some(kind) = kind_of(&kind_segment) else { return Ok(see_other("/").finish()) };
    let visit = &form.visit;
    let actor = form.actor()?;
    let version = form.field("version").parse::<i64>().unwrap_or(-1);
    let editing = Some(Editing { id, version });
    let mut numbers = Numbers { form: &form, errors: Vec::new() };
    let saved = match kind {
        ListingKind::Result => {
            let changes = UpdateResultRequest {
                version,
                title: Some(form.field("title").to_owned()),
                abstract_text: Some(form.field("abstract").to_owned()),
                keywords: Some(list_value(form.field("keywords"))),
                field: None,
                industry_codes: Some(list_value(form.field("industry_codes"))),
                maturity: Some(form.field("maturity").to_owned()),
                ip_items: None,
                transfer_modes: None,
                asking_price_min: Some(numbers.of("asking_price_min")),
                asking_price_max: Some(numbers.of("asking_price_max")),
                institution: None,
                region_code: Some(optional(form.field("region_code"))),
                contact: Some(contact_of(&form)),
                status: optional(form.field("status")),
            }
            .into_changes();
            match checked(changes, numbers.errors) {
                Ok((version, changes)) => services
                    .listings
                    .update_result(&actor, ResultId(id), version, changes)
                    .await
                    .map(|result| listing_page(kind, result.id.0)),
                Err(errors) => return listing_form(&services, visit, kind, editing, form.pairs(), &errors).await,
            }
        }
        ListingKind::Need => {
            let challenge = challenge_of(&form, &mut |name| numbers.of(name));
            let changes = UpdateNeedRequest {
                version,
                title: Some(form.field("title").to_owned()),
                description: Some(form.field("description").to_owned()),
                keywords: Some(list_value(form.field("keywords"))),
                industry_codes: Some(list_value(form.field("industry_codes"))),
                min_maturity: Some(optional(form.field("min_maturity"))),
                budget_min: Some(numbers.of("budget_min")),
                budget_max: Some(numbers.of("budget_max")),
                deadline: Some(optional(form.field("deadline"))),
                region_code: Some(optional(form.field("region_code"))),
                cooperation_modes: None,
                confidential: Some(form.field("confidential") == "true"),
                challenge: Some(challenge),
                contact: Some(contact_of(&form)),
                status: optional(form.field("status")),
            }
            .into_changes();
            match checked(changes, numbers.errors) {
                Ok((version, changes)) => services
                    .listings
                    .update_need(&actor, NeedId(id), version, changes)
                    .await
                    .map(|need| listing_page(kind, need.id.0)),
                Err(errors) => return listing_form(&services, visit, kind, editing, form.pairs(), &errors).await,
            }
        }
    };
    match saved {
        Ok(location) => Ok(see_other(&location).finish()),
        Err(ServiceError::Validation(found)) => {
            listing_form(&services, visit, kind, editing, form.pairs(), &field_messages(found)).await
        }
        Err(ServiceError::Conflict { code, message }) => {
            let stale: FieldMessages = vec![("version".to_owned(), code.as_str().to_owned(), message)];
            listing_form(&services, visit, kind, editing, form.pairs(), &stale).await
        }
        Err(error) => Err(error).or_page(visit),
    }
}

/// Archives a listing (the API's DELETE) from its edit page.
pub async fn archive_listing(
    services: web::Data<Services>,
    path: web::Path<(String, i64)>,
    form: Posted,
) -> PageResult {
    let (kind_segment, id) = path.into_inner();
    let actor = form.actor()?;
    let archived = match kind_of(&kind_segment) {
        Some(ListingKind::Result) => services.listings.archive_result(&actor, ResultId(id), None).await.map(|_| ()),
        Some(ListingKind::Need) => services.listings.archive_need(&actor, NeedId(id), None).await.map(|_| ()),
        None => Err(ServiceError::NotFound("listing")),
    };
    archived.or_page(&form.visit)?;
    Ok(see_other("/my?archived=1").finish())
}

/// A researcher applies to an open challenge with a short proposal.
pub async fn apply_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let need = path.into_inner();
    let actor = form.actor()?;
    let outcome = match LongText::parse("proposal", form.field("proposal")) {
        Ok(proposal) => services.listings.apply_to_challenge(&actor, NeedId(need), proposal).await.map(|_| ()),
        Err(error) => Err(ServiceError::Validation(ValidationErrors::single(error))),
    };
    Ok(back_after(&format!("/needs/{need}"), outcome))
}

/// The need's company (or staff) shortlists one application.
pub async fn shortlist_form(services: web::Data<Services>, path: web::Path<(i64, i64)>, form: Posted) -> PageResult {
    let (need, application) = path.into_inner();
    let actor = form.actor()?;
    let outcome =
        services.listings.shortlist_application(&actor, NeedId(need), ApplicationId(application)).await.map(|_| ());
    Ok(back_after(&format!("/needs/{need}"), outcome))
}

#[derive(Deserialize)]
pub struct ExportPageQuery {
    mine: Option<bool>,
}

/// The download links of the pages: the listings the signed-in user may see (or only their
/// own with `mine=true`) as CSV or XLSX, the same files as the API's export routes.
pub async fn export_download(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
    query: web::Query<ExportPageQuery>,
) -> PageResult {
    let (kind, format) = path.into_inner();
    let Some(format) = ExportFormat::parse(Some(&format)) else { return Err(PageError::not_found(&visit)) };
    let Some(kind) = kind_of(&kind) else { return Err(PageError::not_found(&visit)) };
    let filters =
        ListingFilters { mine: query.mine.unwrap_or(false) && visit.actor.is_some(), ..ListingFilters::default() };
    let file = crate::routes::export::listings_file(&services, visit.actor.as_ref(), kind, format, filters).await;
    Ok(file.unwrap_or_else(|error| actix_web::ResponseError::error_response(&error)))
}
