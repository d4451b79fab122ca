//! Listing forms: posting (and editing) research results and technology needs.

use super::*;

/// The fields of the two listing forms: (name, label key, input kind, choices).
const RESULT_FIELDS: [(&str, &str, &str, &[&str]); 9] = [
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
const NEED_FIELDS: [(&str, &str, &str, &[&str]); 10] = [
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
];

fn listing_form(
    visit: &Visit,
    kind: ListingKind,
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
                .filter(|(field, _, _)| {
                    field == name || field.starts_with(&format!("{name}[")) || field.starts_with(&format!("{name}."))
                })
                .map(|(_, code, message)| error_text(visit, code, message))
                .next(),
        })
        .collect();
    let (heading, action) = match kind {
        ListingKind::Result => (label(visit, "new_result"), "/my/results/new"),
        ListingKind::Need => (label(visit, "new_need"), "/my/needs/new"),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(
        status,
        "listing_form.html",
        minijinja::context! { heading, action, inputs, errors => !errors.is_empty() },
    )
}

pub async fn new_result_form(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if visit.actor.is_none() {
        return to_login();
    }
    listing_form(&visit, ListingKind::Result, &[("status".into(), "published".into())], &[])
}

pub async fn new_need_form(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if visit.actor.is_none() {
        return to_login();
    }
    listing_form(&visit, ListingKind::Need, &[], &[])
}

/// Creates a listing from its form, reusing the API's request types, so a page checks exactly
/// what the API checks; the messages are shown beside their fields.
pub async fn create_listing(
    request: HttpRequest,
    services: web::Data<Services>,
    kind: ListingKind,
    body: &[u8],
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let pairs = form_pairs(body);
    if !visit.csrf_matches(field(&pairs, "csrf")) {
        return visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text");
    }
    let Some(actor) = visit.actor else { return to_login() };
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
            let draft = crate::listing_dto::CreateResultRequest {
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
                organization_id: None,
            }
            .into_draft();
            match draft {
                Ok(draft) if number_errors.is_empty() => services
                    .listings
                    .create_result(&actor, draft)
                    .await
                    .map(|result| format!("/results/{}", result.id.0)),
                Ok(_) => return listing_form(&visit, kind, &pairs, &number_errors),
                Err(error) => {
                    let mut errors = error.field_messages();
                    errors.extend(number_errors);
                    return listing_form(&visit, kind, &pairs, &errors);
                }
            }
        }
        ListingKind::Need => {
            let draft = crate::listing_dto::CreateNeedRequest {
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
                challenge: None,
                status: None,
                organization_id: None,
            }
            .into_draft();
            match draft {
                Ok(draft) if number_errors.is_empty() => {
                    services.listings.create_need(&actor, draft).await.map(|need| format!("/needs/{}", need.id.0))
                }
                Ok(_) => return listing_form(&visit, kind, &pairs, &number_errors),
                Err(error) => {
                    let mut errors = error.field_messages();
                    errors.extend(number_errors);
                    return listing_form(&visit, kind, &pairs, &errors);
                }
            }
        }
    };
    match created {
        Ok(location) => see_other(&location).finish(),
        Err(ServiceError::Validation(found)) => {
            let errors: Vec<(String, String, String)> =
                found.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect();
            listing_form(&visit, kind, &pairs, &errors)
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
