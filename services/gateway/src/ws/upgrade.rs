//! `GET /ws/customer?widget={id}[&app={app id}]`: everything decided before
//! the upgrade. The client's address spends one token of its rate limit
//! first (429). An unknown widget is a 404 and a refused `Origin` (or, with
//! none, an app the widget does not list) a 403, both as the
//! contract's JSON errors, so a misconfigured page learns why in the
//! browser's network panel instead of seeing a socket that opens and dies.
//! The socket itself is set up by [`crate::socket::upgrade`].

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_contracts::ids::WidgetId;
use switchboard_contracts::v1::WidgetKind;

use super::context::WidgetContext;
use super::{origin, socket};
use crate::api::rate_limit::ClientAddress;
use crate::error::ApiError;
use crate::socket::upgrade::accept;
use crate::state::AppState;

/// The largest frame the server may have waiting to be written; a resumed
/// transcript is the largest frame there is (4,000-character messages).
const MAX_WRITE_BUFFER_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct CustomerSocketQuery {
    widget: Option<String>,
    /// A native app's id; looked at only when the request has no `Origin`.
    app: Option<String>,
}

pub async fn customer_socket(
    _client: ClientAddress,
    State(state): State<AppState>,
    query: Result<Query<CustomerSocketQuery>, QueryRejection>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ctx = match admit(&state, query, &headers).await {
        Ok(ctx) => ctx,
        Err(error) => return error.into_response(),
    };
    let span = tracing::info_span!("customer_socket", tenant = %ctx.tenant, widget = %ctx.widget);
    let shutdown = state.shutdown.clone();
    accept(
        upgrade,
        &shutdown,
        MAX_WRITE_BUFFER_BYTES,
        span,
        move |sink, stream| socket::run(sink, stream, state, ctx),
    )
}

/// Looks up the widget and checks the request's `Origin` against it (or,
/// without one, the `app` it names).
async fn admit(
    state: &AppState,
    query: Result<Query<CustomerSocketQuery>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<WidgetContext, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(format!("query: {e}")))?;
    let widget = query
        .widget
        .filter(|w| !w.is_empty())
        .ok_or_else(|| ApiError::invalid("widget", "is required"))?;
    // An id that is not even a UUID cannot name a widget.
    let widget: WidgetId = widget.parse().map_err(|_| ApiError::not_found("widget"))?;
    let (ctx, widget) =
        WidgetContext::load(&state.config_cache, &state.settings.secret_keys, widget).await?;
    let origin = header(headers, ORIGIN.as_str());
    // Only a request without the header at all may name an app; an Origin
    // that is not text is still an origin, and refused.
    let sends_origin = headers.contains_key(ORIGIN);
    let allowed = match widget.kind() {
        WidgetKind::Embed if !sends_origin => {
            origin::embed_allows_app(&widget.allowed_apps, query.app.as_deref())
        }
        WidgetKind::Embed => origin::embed_allows(&widget.allowed_origins, origin),
        _ => origin::support_site_allows(origin, &state.public_url, header(headers, HOST.as_str())),
    };
    if !allowed {
        return Err(ApiError::Forbidden(
            match (sends_origin, query.app.filter(|a| !a.is_empty())) {
                (true, _) => "this widget may not be used from this origin".into(),
                (false, None) => "this widget needs an Origin header".into(),
                (false, Some(_)) => "this widget needs an Origin header or an app it lists; \
                     it does not list this app"
                    .into(),
            },
        ));
    }
    Ok(ctx)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
