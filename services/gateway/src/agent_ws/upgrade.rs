//! `GET /ws/agent`: the upgrade. Nothing is checked before it: the agent
//! proves who it is with `hello {token}` over the socket, so the token never
//! appears in a URL or an access log.
//!
//! The socket is configured small, like the customer's: a 1 KiB read buffer
//! that grows only for a large frame, no write batching, and caps on message
//! size and on the write buffer.

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tracing::Instrument;

use super::socket;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ws::MAX_PROTOCOL_MESSAGE_BYTES;

const READ_BUFFER_BYTES: usize = 1024;
/// Frames are written as soon as they are sent (no batching buffer).
const WRITE_BUFFER_BYTES: usize = 0;
/// The largest frame the server may have waiting to be written: a welcome
/// with up to twenty live transcripts of 4,000-character messages.
const MAX_WRITE_BUFFER_BYTES: usize = 16 * 1024 * 1024;

pub async fn agent_socket(
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return ApiError::BadRequest("this endpoint needs a WebSocket upgrade".into())
            .into_response();
    };
    // Filled in once `hello` names the agent.
    let span = tracing::info_span!(
        "agent_socket",
        tenant = tracing::field::Empty,
        agent = tracing::field::Empty
    );
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
                    socket::run(sink, stream, state).await;
                }
                .instrument(span),
            )
        })
}
