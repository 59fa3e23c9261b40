//! `GET /ws/customer?widget={id}`: everything decided before the upgrade.
//! An unknown widget is a 404 and a refused `Origin` a 403, both as the
//! contract's JSON errors, so a misconfigured page learns why in the
//! browser's network panel instead of seeing a socket that opens and dies.
//!
//! The socket is configured small (P4: hundreds of thousands of idle sockets
//! per gateway): a 1 KiB read buffer that grows only for a large frame, no
//! write batching, and caps on message size and on the write buffer.

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use switchboard_contracts::ids::WidgetId;
use switchboard_contracts::v1::WidgetKind;
use tracing::Instrument;

use super::context::WidgetContext;
use super::{MAX_PROTOCOL_MESSAGE_BYTES, origin, socket};
use crate::error::ApiError;
use crate::state::AppState;

const READ_BUFFER_BYTES: usize = 1024;
/// Frames are written as soon as they are sent (no batching buffer).
const WRITE_BUFFER_BYTES: usize = 0;
/// The largest frame the server may have waiting to be written; a resumed
/// transcript is the largest frame there is (4,000-character messages).
const MAX_WRITE_BUFFER_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct CustomerSocketQuery {
    widget: Option<String>,
}

pub async fn customer_socket(
    State(state): State<AppState>,
    query: Result<Query<CustomerSocketQuery>, QueryRejection>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ctx = match admit(&state, query, &headers).await {
        Ok(ctx) => ctx,
        Err(error) => return error.into_response(),
    };
    let Ok(upgrade) = upgrade else {
        return ApiError::BadRequest("this endpoint needs a WebSocket upgrade".into())
            .into_response();
    };
    let span = tracing::info_span!("customer_socket", tenant = %ctx.tenant, widget = %ctx.widget);
    let tracker = state.shutdown.tracker().clone();
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_PROTOCOL_MESSAGE_BYTES)
        .max_frame_size(MAX_PROTOCOL_MESSAGE_BYTES)
        .on_upgrade(move |ws: WebSocket| {
            // Tracked, so the server's drain waits for sockets to close.
            tracker.track_future(
                async move {
                    let (sink, stream) = ws.split();
                    socket::run(sink, stream, state, ctx).await;
                }
                .instrument(span),
            )
        })
}

/// Looks up the widget and checks the request's `Origin` against it.
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
    let (ctx, widget) = WidgetContext::load(&state.config_cache, widget).await?;
    let origin = header(headers, ORIGIN.as_str());
    let allowed = match widget.kind() {
        WidgetKind::Embed => origin::embed_allows(&widget.allowed_origins, origin),
        _ => origin::support_site_allows(origin, &state.public_url, header(headers, HOST.as_str())),
    };
    if !allowed {
        return Err(ApiError::Forbidden(match origin {
            Some(_) => "this widget may not be used from this origin".into(),
            None => "this widget needs an Origin header".into(),
        }));
    }
    Ok(ctx)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
