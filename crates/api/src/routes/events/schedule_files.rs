//! The schedule as a workbook and as a printable page (staff).

use actix_web::{HttpResponse, get, web};
use techmatch_domain::Actor;
use techmatch_domain::event::EventId;
use techmatch_service::Services;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Authenticated;

const SCHEDULE_HEADER: [&str; 10] = [
    "时段 slot",
    "开始 start",
    "结束 end",
    "桌号 table",
    "科研方 researcher",
    "成果 result",
    "企业 company",
    "需求 need",
    "来源 source",
    "出席 attendance",
];

fn schedule_table(rows: &[techmatch_service::events::ScheduleRow]) -> crate::spreadsheet::Table {
    crate::spreadsheet::Table {
        header: SCHEDULE_HEADER.to_vec(),
        rows: rows
            .iter()
            .map(|row| {
                vec![
                    (row.slot + 1).to_string(),
                    row.starts.clone(),
                    row.ends.clone(),
                    row.table.to_string(),
                    row.researcher.clone(),
                    row.result_title.clone(),
                    row.company.clone(),
                    row.need_title.clone(),
                    if row.locked { format!("{} (locked)", row.source) } else { row.source.to_owned() },
                    row.attendance.to_owned(),
                ]
            })
            .collect(),
    }
}

/// The event's full schedule as an XLSX workbook (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
    )
)]
#[get("/events/{id}/schedule.xlsx")]
pub async fn schedule_xlsx(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    schedule_workbook(&services, &caller.0, EventId(path.into_inner())).await
}

/// The schedule workbook for a staff member (also behind the grid page's download link).
pub(crate) async fn schedule_workbook(
    services: &Services,
    actor: &Actor,
    event_id: EventId,
) -> Result<HttpResponse, ApiError> {
    let (event, rows) = services.events.schedule_sheet(actor, event_id).await?;
    let format = crate::spreadsheet::ExportFormat::Xlsx;
    let bytes = crate::spreadsheet::render(&schedule_table(&rows), format)
        .map_err(|error| ApiError::from(techmatch_service::ServiceError::Internal(error)))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"event-{}-schedule.xlsx\"", event.id.0)))
        .body(bytes))
}

fn html_escape(raw: &str) -> String {
    raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The event's full schedule as a printable HTML page, one table per slot (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "the page", content_type = "text/html"),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
    )
)]
#[get("/events/{id}/schedule.html")]
pub async fn schedule_html(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    schedule_print_page(&services, &caller.0, EventId(path.into_inner())).await
}

/// The printable schedule for a staff member (also behind the grid page's print link).
pub(crate) async fn schedule_print_page(
    services: &Services,
    actor: &Actor,
    event_id: EventId,
) -> Result<HttpResponse, ApiError> {
    let (event, rows) = services.events.schedule_sheet(actor, event_id).await?;
    let title = html_escape(event.content.title.as_str());
    let mut page = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <link rel=\"stylesheet\" href=\"/static/print.css\"></head><body>\n\
         <h1>{title}</h1>\n<p>{} · {} · {}</p>\n",
        event.content.timetable.date,
        html_escape(event.content.venue.as_deref().unwrap_or("")),
        html_escape(event.content.video_link.as_deref().unwrap_or("")),
    );
    let mut current_slot = None;
    for row in &rows {
        if current_slot != Some(row.slot) {
            if current_slot.is_some() {
                page.push_str("</table></section>\n");
            }
            current_slot = Some(row.slot);
            page.push_str(&format!(
                "<section><h2>{}–{}</h2><table><tr><th>桌号 table</th><th>科研方 researcher</th><th>成果 result</th>\
                 <th>企业 company</th><th>需求 need</th></tr>\n",
                html_escape(&row.starts),
                html_escape(&row.ends)
            ));
        }
        page.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            row.table,
            html_escape(&row.researcher),
            html_escape(&row.result_title),
            html_escape(&row.company),
            html_escape(&row.need_title)
        ));
    }
    if current_slot.is_some() {
        page.push_str("</table></section>\n");
    } else {
        page.push_str("<p>尚无日程 / no meetings scheduled yet</p>\n");
    }
    page.push_str("</body></html>\n");
    // The pages' policy, which lets the page load the site's stylesheet (the API's allows nothing).
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", crate::web::PAGE_SECURITY_POLICY))
        .body(page))
}
