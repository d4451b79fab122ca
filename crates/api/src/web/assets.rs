//! The stylesheet and the grid's drag-and-drop script, compiled in: nothing comes from a CDN,
//! so the pages work on an intranet without internet.

use actix_web::HttpResponse;
use actix_web::http::header;

const STYLESHEET: &str = include_str!("../../web/static/app.css");
const GRID_SCRIPT: &str = include_str!("../../web/static/grid.js");

pub async fn grid_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(GRID_SCRIPT)
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}
