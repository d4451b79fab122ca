//! The actix application: routes, limits, error handling, headers, tracing.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::web::{self, JsonConfig, PathConfig, PayloadConfig, QueryConfig};
use actix_web::{App, HttpServer};
use serde::Deserialize;
use techmatch_service::Services;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ErrorCode, ensure_json_error, json_error, path_error, query_error};
use crate::routes::{admin, auth, deals, events, export, me, needs, results, search, suggestions, system};

/// Largest request body accepted, JSON or not.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// `[server]` in the configuration files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// `host:port`; port 0 picks a free port (tests).
    pub listen: String,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// The reverse proxies whose `X-Forwarded-For` entries are believed, as networks
    /// (`10.0.0.0/8`, `2001:db8::/32`); empty: the peer is the one proxy.
    #[serde(default)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A client must send its request head within this time.
    pub client_request_timeout_ms: u64,
    pub keep_alive_seconds: u64,
    /// Send `Strict-Transport-Security` (when served over https, as in production).
    pub strict_transport_security: bool,
    /// Mark the pages' session and CSRF cookies Secure (served over https, as in production).
    pub secure_cookies: bool,
    /// A handler still running after this long is cut off with a 503 `timeout`.
    pub handler_timeout_ms: u64,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>` (a Prometheus scrape
    /// credential); empty leaves it open, for a node whose port only the monitoring reaches.
    #[serde(default)]
    pub metrics_token: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "techmatch",
        description = "Tech-transfer matchmaking: research results, technology needs, roadshows and 1:1 meetings. \
                       Every error is `{\"error\": {\"code\", \"message\"}}` with a stable code.",
    ),
    modifiers(&BearerSecurity),
    tags(
        (name = "auth", description = "registration, login and logout"),
        (name = "account", description = "the caller's own account"),
        (name = "admin", description = "account administration"),
        (name = "results", description = "research results posted by researchers"),
        (name = "needs", description = "technology needs posted by companies, and open challenges"),
        (name = "search", description = "full-text search over both"),
        (name = "suggestions", description = "the liaison officers' queue of suggested pairs"),
        (name = "events", description = "roadshows and matchmaking fairs: registrations, meeting requests, the schedule, outcomes, statistics, notifications"),
        (name = "deals", description = "expressions of interest in listings and the deals they open, stage by stage to a registered contract"),
        (name = "system", description = "health and this document"),
    )
)]
struct ApiDoc;

struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

fn configure_routes(config: &mut ServiceConfig) {
    config.service(system::health).service(system::openapi).service(
        // actix tries a scope's routes in order, running each route's pattern until one
        // matches (three times a request: routing, the metrics label, the trace span), so the
        // busiest routes come first. No two of these patterns match the same path.
        utoipa_actix_web::scope("/api/v1")
            .service(search::search)
            .service(results::get_result)
            .service(needs::get_need)
            .service(auth::register)
            .service(auth::login)
            .service(auth::logout)
            .service(me::get_me)
            .service(me::update_me)
            .service(me::change_password)
            .service(me::my_organization)
            .service(me::update_my_organization)
            .service(admin::list_users)
            .service(admin::create_user)
            .service(admin::update_user)
            .service(admin::list_organizations)
            .service(results::list_results)
            .service(results::create_result)
            .service(results::update_result)
            .service(results::archive_result)
            .service(needs::list_needs)
            .service(needs::create_need)
            .service(needs::update_need)
            .service(needs::archive_need)
            .service(needs::apply)
            .service(needs::list_applications)
            .service(needs::shortlist)
            .service(needs::need_matches)
            .service(results::result_matches)
            .service(suggestions::list_suggestions)
            .service(suggestions::decide)
            .service(suggestions::mark_reviewed)
            .service(export::export_results)
            .service(export::export_needs)
            .service(events::list_events)
            .service(events::create_event)
            .service(events::get_event)
            .service(events::change_status)
            .service(events::register)
            .service(events::list_participants)
            .service(events::decide_registration)
            .service(events::request_meeting)
            .service(events::list_requests)
            .service(events::answer_request)
            .service(events::schedule)
            .service(events::list_meetings)
            .service(events::agenda)
            .service(events::follow_up)
            .service(events::place_meeting)
            .service(events::rate)
            .service(events::get_statistics)
            .service(events::list_notifications)
            .service(events::mark_notifications_read)
            .service(events::roadshow)
            .service(events::invitations)
            .service(events::confirm_presentations)
            .service(events::list_presentations)
            .service(events::schedule_xlsx)
            .service(events::schedule_html)
            .service(deals::express_interest)
            .service(deals::list_interests)
            .service(deals::get_interest)
            .service(deals::answer_interest)
            .service(deals::list_deals)
            // Before `/deals/{id}`, which would take `funnel` for an id.
            .service(deals::deal_funnel)
            .service(deals::my_portfolio)
            .service(deals::waiting_on_me)
            .service(deals::get_deal)
            .service(deals::change_deal)
            .service(deals::export_deals)
            .service(deals::post_interest_message)
            .service(deals::interest_messages)
            .service(deals::post_deal_message)
            .service(deals::deal_messages)
            .service(deals::introduce)
            .service(deals::list_introductions)
            .service(deals::answer_introduction),
    );
}

/// The OpenAPI document of every route, generated from the handlers' annotations.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, document) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure_routes).split_for_parts();
    with_edge_responses(document)
}

/// Adds what the HTTP edge answers whatever the handler, so that no handler has to list it:
/// 415 for every operation with a JSON body (the body is not `application/json`), 401 for every
/// operation that needs a token (missing, expired or revoked), and 503 for every API operation
/// (the database is unavailable). A handler that documents one of these itself keeps its own
/// description (e.g. login's wrong password, or an optional token that was sent but is invalid).
fn with_edge_responses(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build()
    };
    let unsupported = error("the body is not application/json");
    let unauthenticated = error("missing, expired or revoked token");
    let unavailable = error("database unavailable");
    for (path, item) in document.paths.paths.iter_mut() {
        let api = path.starts_with("/api/v1/");
        for operation in
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
        {
            let needs_token = operation.security.as_ref().is_some_and(|requirements| !requirements.is_empty());
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                responses.entry("415".to_owned()).or_insert_with(|| unsupported.clone().into());
            }
            if needs_token {
                responses.entry("401".to_owned()).or_insert_with(|| unauthenticated.clone().into());
            }
            if api {
                responses.entry("503".to_owned()).or_insert_with(|| unavailable.clone().into());
            }
        }
    }
    document
}

/// HEAD is answered as GET would be, headers and all (RFC 9110): the route runs as a GET, and
/// the HTTP layer, which saw the request's own method, sends no body.
async fn head_as_get(
    mut request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if request.method() == actix_web::http::Method::HEAD {
        request.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(request).await
}

/// The smallest answer this HTTP stack gives: the load benchmark's ceiling.
async fn hello() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("hello")
}

/// No route took the request. If the path is one of the API's with other methods, that is a
/// 405 naming them in `Allow`; otherwise a 404.
async fn unknown_route(
    request: actix_web::HttpRequest,
    document: web::Data<utoipa::openapi::OpenApi>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let allowed = allowed_methods(&document, request.path());
    if allowed.is_empty() {
        return Err(ApiError::not_found());
    }
    let error = ApiError::new(ErrorCode::MethodNotAllowed, format!("this resource answers {}", allowed.join(", ")));
    let mut response = actix_web::ResponseError::error_response(&error);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    Ok(response)
}

/// The methods the OpenAPI document lists for the path template matching `path`.
fn allowed_methods(document: &utoipa::openapi::OpenApi, path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut methods = Vec::new();
    for (template, item) in &document.paths.paths {
        let pattern: Vec<&str> = template.trim_end_matches('/').split('/').collect();
        let matches = pattern.len() == segments.len()
            && pattern.iter().zip(&segments).all(|(expected, actual)| {
                (expected.starts_with('{') && expected.ends_with('}') && !actual.is_empty()) || expected == actual
            });
        if !matches {
            continue;
        }
        let operations = [
            ("GET", item.get.is_some()),
            ("PUT", item.put.is_some()),
            ("POST", item.post.is_some()),
            ("DELETE", item.delete.is_some()),
            ("PATCH", item.patch.is_some()),
        ];
        for (method, present) in operations {
            if present && !methods.iter().any(|known: &String| known == method) {
                methods.push(method.to_owned());
            }
        }
    }
    methods
}

/// Starts serving on `listener`. The returned server runs until stopped or signalled.
pub fn build_server(listener: TcpListener, services: Services, settings: ApiSettings) -> std::io::Result<Server> {
    let workers = if settings.workers == 0 {
        std::thread::available_parallelism().map_or(2, usize::from)
    } else {
        settings.workers
    };
    let request_timeout = Duration::from_millis(settings.client_request_timeout_ms);
    let keep_alive = Duration::from_secs(settings.keep_alive_seconds);
    let form_tokens = web::Data::new(services.accounts.form_tokens().clone());
    let services = web::Data::new(services);
    let metrics = web::Data::new(crate::metrics::Metrics::default());
    let handler_timeout =
        web::Data::new(crate::metrics::HandlerTimeout(Duration::from_millis(settings.handler_timeout_ms.max(1))));
    let settings = web::Data::new(settings);
    let server = HttpServer::new(move || {
        let (app, document) =
            App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure_routes).split_for_parts();
        let document = with_edge_responses(document);
        let mut headers = DefaultHeaders::new()
            .add(("X-Content-Type-Options", "nosniff"))
            .add(("X-Frame-Options", "DENY"))
            .add(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
            .add(("Referrer-Policy", "no-referrer"))
            .add(("Cross-Origin-Opener-Policy", "same-origin"))
            .add(("Cross-Origin-Resource-Policy", "same-origin"))
            .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
            .add(("Cache-Control", "no-store"));
        if settings.strict_transport_security {
            headers = headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"));
        }
        app.app_data(web::Data::new(document))
            .app_data(services.clone())
            .app_data(form_tokens.clone())
            .app_data(settings.clone())
            .app_data(metrics.clone())
            .app_data(handler_timeout.clone())
            .route("/metrics", web::get().to(crate::metrics::metrics))
            .route("/hello", web::get().to(hello))
            .app_data(JsonConfig::default().limit(BODY_LIMIT_BYTES).error_handler(json_error))
            .app_data(PayloadConfig::new(BODY_LIMIT_BYTES))
            .app_data(QueryConfig::default().error_handler(query_error))
            .app_data(PathConfig::default().error_handler(path_error))
            .configure(crate::web::configure)
            .default_service(web::to(unknown_route))
            .wrap(actix_web::middleware::from_fn(head_as_get))
            .wrap(ErrorHandlers::new().default_handler(ensure_json_error))
            .wrap(headers)
            .wrap(actix_web::middleware::from_fn(crate::metrics::observe))
            .wrap(TracingLogger::default())
    })
    .workers(workers)
    .client_request_timeout(request_timeout)
    .client_disconnect_timeout(Duration::from_secs(5))
    .keep_alive(keep_alive)
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}
