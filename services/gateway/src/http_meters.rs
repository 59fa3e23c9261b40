//! HTTP requests by route and status, and how long they took: one
//! middleware around the whole router. The route is the matched route
//! template (`/v1/tenants/{tenant}/spaces`), never the raw path, so ids do
//! not become series; requests no route matched count under `unmatched`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use switchboard_runtime::metrics::{CounterVec, HistogramVec, Metrics};

#[derive(Debug, Clone)]
pub struct HttpMeters {
    requests: CounterVec<3>,
    duration: HistogramVec<2>,
}

impl HttpMeters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            requests: metrics.counters(
                "switchboard_gateway_http_requests_total",
                "HTTP requests answered, by method, matched route and status.",
                ["method", "route", "status"],
            ),
            duration: metrics.histograms(
                "switchboard_gateway_http_request_duration_seconds",
                "From a request's arrival to its response's headers (a WebSocket: to the upgrade).",
                ["method", "route"],
            ),
        }
    }
}

pub async fn measure(State(meters): State<HttpMeters>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    meters
        .duration
        .with([&method, &route])
        .observe(started.elapsed().as_secs_f64());
    meters.requests.with([&method, &route, &status]).inc();
    response
}
