//! What every socket upgrade gets. The socket is configured small (P4:
//! hundreds of thousands of idle sockets per gateway): a 1 KiB read buffer
//! that grows only for a large frame, frames written together when the socket
//! has nothing else ready, and caps on message
//! size and on the write buffer. Its task is tracked, so the server's drain
//! waits for sockets to close cleanly.

use std::future::Future;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use futures::stream::{SplitSink, SplitStream};
use switchboard_runtime::shutdown::Shutdown;
use tracing::{Instrument, Span};

use super::MAX_PROTOCOL_MESSAGE_BYTES;
use crate::error::ApiError;

const READ_BUFFER_BYTES: usize = 1024;
/// Frames wait in the write buffer until the socket flushes (when it has
/// nothing else ready) or this much is queued.
const WRITE_BUFFER_BYTES: usize = 8 * 1024;

/// Completes the upgrade and runs the socket in `span`, tracked by the
/// server's `shutdown`; a request that is not an upgrade gets the contract's
/// error. `max_write_buffer` is the largest frame the socket may have
/// waiting to be written.
pub fn accept<F, Fut>(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    shutdown: &Shutdown,
    max_write_buffer: usize,
    span: Span,
    run: F,
) -> Response
where
    F: FnOnce(SplitSink<WebSocket, Message>, SplitStream<WebSocket>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(upgrade) = upgrade else {
        return ApiError::BadRequest("this endpoint needs a WebSocket upgrade".into())
            .into_response();
    };
    let tracker = shutdown.tracker().clone();
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(max_write_buffer)
        .max_message_size(MAX_PROTOCOL_MESSAGE_BYTES)
        .max_frame_size(MAX_PROTOCOL_MESSAGE_BYTES)
        .on_upgrade(move |ws: WebSocket| {
            let (sink, stream) = ws.split();
            tracker.track_future(run(sink, stream).instrument(span))
        })
}
