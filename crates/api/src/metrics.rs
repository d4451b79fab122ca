//! Request metrics in Prometheus text format, and the handler timeout. Both are one
//! middleware around every route: it times the request, cuts it off with a coded 503 when the
//! handler runs past `server.handler_timeout_ms`, and counts it by route pattern (never by raw
//! path, so ids do not explode the series).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use techmatch_service::Services;

use crate::error::{ApiError, ErrorCode};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    total: u64,
    sum_seconds: f64,
}

#[derive(Default)]
struct Tallies {
    /// (method, route, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency histogram.
    latency: BTreeMap<String, Histogram>,
    timeouts: u64,
}

/// Shared by all workers; one short lock per request.
#[derive(Default)]
pub struct Metrics {
    tallies: Mutex<Tallies>,
}

/// How long a handler may run before the client gets a 503 `timeout`.
#[derive(Clone, Copy)]
pub struct HandlerTimeout(pub Duration);

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration, timed_out: bool) {
        let Ok(mut tallies) = self.tallies.lock() else { return };
        *tallies.requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let histogram = tallies.latency.entry(route.to_owned()).or_default();
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.total += 1;
        histogram.sum_seconds += seconds;
        if timed_out {
            tallies.timeouts += 1;
        }
    }

    fn render(&self, out: &mut String) {
        let Ok(tallies) = self.tallies.lock() else { return };
        out.push_str("# HELP techmatch_http_requests_total HTTP requests by method, route pattern and status.\n");
        out.push_str("# TYPE techmatch_http_requests_total counter\n");
        for ((method, route, status), count) in &tallies.requests {
            let _ = writeln!(
                out,
                "techmatch_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP techmatch_http_request_duration_seconds Time to answer, by route pattern.\n");
        out.push_str("# TYPE techmatch_http_request_duration_seconds histogram\n");
        for (route, histogram) in &tallies.latency {
            let route = escape(route);
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
                let _ = writeln!(
                    out,
                    "techmatch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "techmatch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.total
            );
            let _ = writeln!(
                out,
                "techmatch_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_seconds
            );
            let _ =
                writeln!(out, "techmatch_http_request_duration_seconds_count{{route=\"{route}\"}} {}", histogram.total);
        }
        out.push_str("# HELP techmatch_http_handler_timeouts_total Requests cut off by the handler timeout.\n");
        out.push_str("# TYPE techmatch_http_handler_timeouts_total counter\n");
        let _ = writeln!(out, "techmatch_http_handler_timeouts_total {}", tallies.timeouts);
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Times, counts and (past the handler timeout) cuts off every request.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let limit = request.app_data::<web::Data<HandlerTimeout>>().map(|limit| limit.0);
    let outcome = match limit {
        Some(limit) => tokio::time::timeout(limit, next.call(request)).await,
        None => Ok(next.call(request).await),
    };
    let response = match outcome {
        Ok(Ok(response)) => response.map_into_boxed_body(),
        Ok(Err(error)) => return Err(error),
        Err(_) => {
            // The request went down with the handler; the refusal is answered as an error,
            // which actix renders through `ApiError`'s JSON body.
            tracing::warn!(route, method, limit_ms = limit.map_or(0, |limit| limit.as_millis()), "handler timed out");
            if let Some(metrics) = metrics {
                metrics.record(&method, &route, 503, started.elapsed(), true);
            }
            return Err(
                ApiError::new(ErrorCode::Timeout, "the request took too long and was cut off; try again").into()
            );
        }
    };
    if let Some(metrics) = metrics {
        metrics.record(&method, &route, response.status().as_u16(), started.elapsed(), false);
    }
    Ok(response)
}

/// Prometheus text: requests and latencies by route, and this node's search backlog (outbox
/// entries not yet applied to its index, and the age of the oldest).
pub async fn metrics(
    request: actix_web::HttpRequest,
    metrics: web::Data<Metrics>,
    services: web::Data<Services>,
    settings: web::Data<crate::server::ApiSettings>,
) -> Result<HttpResponse, crate::error::ApiError> {
    if !scrape_allowed(&request, &settings.metrics_token) {
        return Err(crate::error::ApiError::new(
            ErrorCode::Unauthenticated,
            "/metrics needs the configured scrape token as a bearer token",
        ));
    }
    let mut out = String::new();
    metrics.render(&mut out);
    out.push_str("# HELP techmatch_up Whether the database answers (1) or not (0).\n# TYPE techmatch_up gauge\n");
    let database_up = services.system.check_database().await.is_ok();
    let _ = writeln!(out, "techmatch_up {}", u8::from(database_up));
    let hashing = services.accounts.hashing_figures();
    let gauges = [
        ("password_hashing_running", "Password hashes and checks running now.", hashing.running as u64),
        ("password_hashing_peak", "The most password hashes and checks that ran at once.", hashing.peak_running as u64),
        ("password_hashing_limit", "Password hashes and checks allowed at once.", hashing.max_concurrent as u64),
    ];
    for (name, help, value) in gauges {
        let _ =
            writeln!(out, "# HELP techmatch_{name} {help}\n# TYPE techmatch_{name} gauge\ntechmatch_{name} {value}");
    }
    out.push_str(
        "# HELP techmatch_password_hashing_refused_total Requests refused because hashing was at its bound.\n",
    );
    out.push_str("# TYPE techmatch_password_hashing_refused_total counter\n");
    let _ = writeln!(out, "techmatch_password_hashing_refused_total {}", hashing.refused);
    match services.system.index_status().await {
        Ok(status) => {
            out.push_str("# HELP techmatch_index_position The outbox position this node's index has applied.\n");
            out.push_str("# TYPE techmatch_index_position gauge\n");
            let _ = writeln!(out, "techmatch_index_position {}", status.applied);
            out.push_str("# HELP techmatch_outbox_depth Outbox entries not yet applied to this node's index.\n");
            out.push_str("# TYPE techmatch_outbox_depth gauge\n");
            let _ = writeln!(out, "techmatch_outbox_depth {}", status.pending);
            out.push_str("# HELP techmatch_outbox_oldest_position The oldest outbox entry still kept.\n");
            out.push_str("# TYPE techmatch_outbox_oldest_position gauge\n");
            let _ = writeln!(out, "techmatch_outbox_oldest_position {}", status.oldest_kept);
            out.push_str("# HELP techmatch_index_lag_seconds Age of the oldest outbox entry not yet applied here.\n");
            out.push_str("# TYPE techmatch_index_lag_seconds gauge\n");
            let _ = writeln!(out, "techmatch_index_lag_seconds {}", status.lag_seconds);
            out.push_str("# HELP techmatch_index_documents Documents in this node's index.\n");
            out.push_str("# TYPE techmatch_index_documents gauge\n");
            let _ = writeln!(out, "techmatch_index_documents {}", status.documents);
        }
        Err(error) => tracing::warn!(error = %error, "index status unavailable for metrics"),
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(out))
}

/// Whether the request carries the scrape token (always, when none is configured). Compared in
/// constant time, so the answer's timing does not reveal how much of a guess was right.
fn scrape_allowed(request: &actix_web::HttpRequest, token: &str) -> bool {
    if token.is_empty() {
        return true;
    }
    let presented = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let (expected, presented) = (token.as_bytes(), presented.as_bytes());
    let mut difference = expected.len() ^ presented.len();
    for (index, byte) in expected.iter().enumerate() {
        difference |= usize::from(byte ^ presented.get(index).copied().unwrap_or(0));
    }
    difference == 0
}
