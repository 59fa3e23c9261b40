//! # The HTTP listener: the gateway's edge
//!
//! What `axum::serve` does (HTTP/1.1 with upgrades, `TCP_NODELAY`, a
//! graceful stop), plus the limits a public listener needs
//! ([`EdgeSettings`], docs/operations.md):
//!
//! - at most `max_connections` connections at once, upgraded WebSockets
//!   included. At the cap the listener stops accepting, so the next
//!   connections wait in the kernel's listen backlog until one closes: they
//!   are held, not refused, and a client sees a slow connect rather than an
//!   error it might not retry;
//! - a request's line and headers must be in within `header_timeout` of the
//!   connection's accept or of the request's first byte, or the connection
//!   closes (slow-header clients hold no slot for long);
//! - a keep-alive connection with no request in flight closes after
//!   `idle_timeout`;
//! - a request's body must be in within `body_timeout` of its headers: the
//!   deadline travels with the request as a [`BodyDeadline`], and the body
//!   reader ([`crate::api::extract::ApiJson`]) answers 408 past it, after
//!   which the connection closes.
//!
//! | module | what |
//! |---|---|
//! | [`connection`] | one connection: its phase, the timeouts it implies, the service around the router |

mod connection;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use switchboard_runtime::metrics::Gauge;
use switchboard_runtime::shutdown::Shutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

pub use crate::config::EdgeSettings;
use connection::Slot;

/// When a request's body must be in by, and the setting behind it (for the
/// error message). Put on every request by the listener.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline {
    pub at: tokio::time::Instant,
    pub limit: Duration,
}

/// How long a stop waits for requests in flight (WebSockets drain on their
/// own, with the rest of the service).
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `stop` is triggered, then lets the
/// requests in flight finish (up to 10 s). `open` counts the connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: EdgeSettings,
    open: Gauge,
    stop: Shutdown,
) {
    let mut listener = listener;
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let connections = TaskTracker::new();
    let mut at_cap = false;
    loop {
        // A slot first: at the cap nothing is accepted, and the backlog holds
        // the next connections.
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit.expect("the semaphore is never closed"),
            () = stop.cancelled() => break,
        };
        let (tcp, peer): (_, SocketAddr) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = stop.cancelled() => break,
        };
        match (slots.available_permits(), at_cap) {
            (0, false) => {
                at_cap = true;
                tracing::warn!(
                    max_connections = settings.max_connections,
                    "connection limit reached; new connections wait until one closes"
                );
            }
            (free, true) if free > 0 => at_cap = false,
            _ => {}
        }
        // Small frames back to back (typing, then the answer) must not wait
        // for the client's delayed ACK: turn Nagle's algorithm off.
        let _ = tcp.set_nodelay(true);
        let slot = Slot::new(permit, open.clone());
        connections.spawn(connection::serve(
            tcp,
            peer,
            slot,
            router.clone(),
            settings,
            stop.clone(),
        ));
    }
    connections.close();
    if tokio::time::timeout(DRAIN, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the drain; dropped");
    }
}
