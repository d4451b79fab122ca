//! Server-rendered pages, in Chinese first and English second, for the public and every role.
//! Templates (minijinja), the translation tables and the stylesheet are compiled into the
//! binary: nothing comes from a CDN, so the pages work on an intranet without internet.
//!
//! Pages are another edge, not another policy: they call the same services as the API, as the
//! user of the session (`session`), and refuse what the API refuses (`refusal`). One module per
//! page family; `render` draws them in the visitor's language.

mod account;
mod admin;
mod assets;
mod deals;
mod event_form;
mod events;
mod forms;
mod grid;
mod home;
mod listing;
mod listing_forms;
mod matches;
mod organization;
mod refusal;
mod render;
mod roadshow;
mod search;
mod session;
mod stats;

pub(crate) use render::PAGE_SECURITY_POLICY;
pub use render::{Language, translation_keys, untranslated_choices};

use actix_web::web;

/// The page routes, outside the API's OpenAPI document. Every `post` route takes a
/// `session::Posted` form, which checks the CSRF token before the handler runs.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(home::home))
        .route("/search", web::get().to(search::search))
        .route("/results/{id}", web::get().to(listing::result_page))
        .route("/needs/{id}", web::get().to(listing::need_page))
        .route("/organizations/{id}", web::get().to(organization::organization_page))
        .route("/events", web::get().to(events::events_page))
        // Before `/events/{id}`, which would take "new" for an id.
        .route("/events/new", web::get().to(event_form::new_event_form))
        .route("/events/new", web::post().to(event_form::create_event_form))
        .route("/events/{id}", web::get().to(events::event_page))
        .route("/login", web::get().to(account::login_form))
        .route("/login", web::post().to(account::login))
        .route("/logout", web::post().to(account::logout))
        .route("/register", web::get().to(account::register_form_page))
        .route("/register", web::post().to(account::register_account))
        .route("/my", web::get().to(account::my_page))
        .route("/my/organization", web::post().to(organization::save_profile_form))
        .route("/my/results/new", web::get().to(listing_forms::new_result_form))
        .route("/my/results/new", web::post().to(listing_forms::create_result_form))
        .route("/my/needs/new", web::get().to(listing_forms::new_need_form))
        .route("/my/needs/new", web::post().to(listing_forms::create_need_form))
        .route("/results/{id}/edit", web::get().to(listing_forms::edit_result_form))
        .route("/needs/{id}/edit", web::get().to(listing_forms::edit_need_form))
        .route("/{kind}/{id}/edit", web::post().to(listing_forms::save_listing))
        .route("/{kind}/{id}/archive", web::post().to(listing_forms::archive_listing))
        .route("/needs/{id}/apply", web::post().to(listing_forms::apply_form))
        .route("/needs/{id}/applications/{application}/shortlist", web::post().to(listing_forms::shortlist_form))
        .route("/needs/{id}/matches", web::get().to(matches::need_matches_page))
        .route("/results/{id}/matches", web::get().to(matches::result_matches_page))
        .route("/suggestions", web::get().to(matches::suggestions_page))
        .route("/suggestions/decide", web::post().to(matches::decide))
        .route("/events/{id}/open", web::post().to(events::open_event_form))
        .route("/events/{id}/grid", web::get().to(grid::grid_page))
        .route("/events/{id}/roadshow", web::get().to(roadshow::roadshow_page))
        .route("/events/{id}/roadshow", web::post().to(roadshow::confirm_form))
        .route("/events/{id}/grid/move", web::post().to(grid::grid_move_form))
        .route("/events/{id}/schedule.{format}", web::get().to(grid::schedule_download))
        .route("/static/grid.js", web::get().to(assets::grid_script))
        .route("/stats", web::get().to(stats::stats_page))
        // Before `/export/{kind}.{format}`, the listings' files.
        .route("/export/deals.{format}", web::get().to(deals::deals_download))
        .route("/export/{kind}.{format}", web::get().to(listing_forms::export_download))
        .route("/interests", web::post().to(deals::express_interest_form))
        .route("/interests/{id}/answer", web::post().to(deals::answer_form))
        .route("/my/deals", web::get().to(deals::deals_page))
        .route("/deals/{id}/stage", web::post().to(deals::stage_form))
        .route("/deals/{id}/messages", web::post().to(deals::deal_message_form))
        .route("/interests/{id}/messages", web::post().to(deals::interest_message_form))
        .route("/introductions", web::post().to(deals::introduce_form))
        .route("/introductions/{id}/answer", web::post().to(deals::introduction_answer_form))
        .route("/deals/funnel", web::get().to(deals::funnel_page))
        .route("/deals/funnel.xlsx", web::get().to(deals::funnel_download))
        .route("/admin", web::get().to(admin::admin_users))
        .route("/admin/users", web::post().to(admin::create_user_form))
        .route("/admin/users/{id}/activation", web::post().to(admin::activation_form))
        .route("/events/{id}/register", web::post().to(events::register_form))
        .route("/events/{id}/participants/{participant}/decision", web::post().to(events::decision_form))
        .route("/events/{id}/request", web::post().to(events::request_form))
        .route("/events/{id}/schedule", web::post().to(events::schedule_form))
        .route("/events/{id}/agenda.ics", web::get().to(events::agenda_page))
        .route("/meeting-requests/{id}/answer", web::post().to(events::answer_form))
        .route("/meetings/{id}/outcome", web::post().to(events::outcome_form))
        .route("/static/app.css", web::get().to(assets::stylesheet))
        .route("/static/icon.svg", web::get().to(assets::icon))
        .route("/favicon.ico", web::get().to(assets::icon))
        .route("/static/print.css", web::get().to(assets::print_stylesheet));
}
