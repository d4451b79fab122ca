//! The stylesheets (the pages' and the printable schedule's), the grid's drag-and-drop script
//! and the site's icon, compiled in: nothing comes from a CDN, so the pages work on an intranet
//! without internet.

use actix_web::HttpResponse;
use actix_web::http::header;

const STYLESHEET: &str = include_str!("../../web/static/app.css");
const PRINT_STYLESHEET: &str = include_str!("../../web/static/print.css");
const GRID_SCRIPT: &str = include_str!("../../web/static/grid.js");
const ICON: &str = include_str!("../../web/static/icon.svg");

/// The site's icon, also where browsers look for it unasked (`/favicon.ico`).
pub async fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(ICON)
}

pub async fn grid_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(GRID_SCRIPT)
}

fn css(text: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(text)
}

pub async fn stylesheet() -> HttpResponse {
    css(STYLESHEET)
}

/// The printable schedule's stylesheet (a file of its own, as the pages' policy allows no
/// inline styles).
pub async fn print_stylesheet() -> HttpResponse {
    css(PRINT_STYLESHEET)
}
