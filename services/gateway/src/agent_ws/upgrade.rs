//! `GET /ws/agent`: the upgrade. Only the client address's rate limit is
//! checked before it (429): the agent proves who it is with `hello {token}`
//! over the socket, so the token never appears in a URL or an access log. The socket itself is set up by
//! [`crate::socket::upgrade`].

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::response::Response;

use super::socket;
use crate::api::rate_limit::ClientAddress;
use crate::socket::upgrade::accept;
use crate::state::AppState;

/// The largest frame the server may have waiting to be written: a welcome
/// with up to twenty live transcripts of 4,000-character messages.
const MAX_WRITE_BUFFER_BYTES: usize = 16 * 1024 * 1024;

pub async fn agent_socket(
    _client: ClientAddress,
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // Filled in once `hello` names the agent.
    let span = tracing::info_span!(
        "agent_socket",
        tenant = tracing::field::Empty,
        agent = tracing::field::Empty
    );
    let shutdown = state.shutdown.clone();
    accept(
        upgrade,
        &shutdown,
        MAX_WRITE_BUFFER_BYTES,
        span,
        move |sink, stream| socket::run(sink, stream, state),
    )
}
