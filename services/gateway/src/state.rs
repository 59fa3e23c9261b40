//! What every handler shares. Cheap to clone: one pointer, so that every
//! socket's task, which keeps a copy for its whole life, stays small (P4).

use std::ops::Deref;
use std::sync::Arc;

use switchboard_bus::Bus;
use switchboard_bus::config::ConfigCache;
use switchboard_runtime::metrics::{Counter, Gauge, GaugeVec, Metrics};
use switchboard_runtime::shutdown::Shutdown;

use crate::agent_ws::revocation::Revocations;
use crate::api::rate_limit::RateLimits;
use crate::config::GatewayConfig;
use crate::presence::Presence;
use crate::socket::fanout::Fanout;

/// The handlers' shared state ([`Shared`]) behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every handler reads: the bus, caches, settings, meters.
pub struct Shared {
    pub bus: Bus,
    /// The conversations' events, typing and queue positions, subscribed
    /// once and handed to the sockets that show them.
    pub fanout: Fanout,
    pub config_cache: ConfigCache,
    pub settings: Arc<GatewayConfig>,
    /// Origin used in snippets and links.
    pub public_url: Arc<str>,
    pub metrics: Metrics,
    pub counters: Arc<Counters>,
    /// The agent consoles held here, and their agents' presence records.
    pub presence: Presence,
    /// The agent consoles held here by what they signed in with, closed
    /// when it is revoked.
    pub revocations: Revocations,
    /// The API's and the unauthenticated routes' rate limits.
    pub limits: Arc<RateLimits>,
    /// The server's shutdown: long-lived tasks (WebSockets) watch its token
    /// and are tracked so the drain waits for them to close cleanly.
    pub shutdown: Shutdown,
}

/// The gateway's own counters.
#[derive(Debug)]
pub struct Counters {
    pub http_connections: Gauge,
    /// Open WebSockets by `kind`: `customer` or `agent`.
    pub sockets: GaugeVec<1>,
    pub frames_in: Counter,
    pub frame_errors: Counter,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            http_connections: metrics.gauge(
                "switchboard_gateway_http_connections",
                "Open HTTP connections, upgraded WebSockets included",
            ),
            sockets: metrics.gauges(
                "switchboard_gateway_sockets",
                "Open WebSockets by kind (customer, agent)",
                ["kind"],
            ),
            frames_in: metrics.counter(
                "switchboard_gateway_frames_in_total",
                "WebSocket frames received",
            ),
            frame_errors: metrics.counter(
                "switchboard_gateway_frame_errors_total",
                "WebSocket frames answered with an error",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppState;

    /// Every socket's task holds the state for the socket's whole life, in
    /// more than one of its future's slots: it must stay one pointer.
    #[test]
    fn the_state_a_socket_keeps_is_one_pointer() {
        assert_eq!(size_of::<AppState>(), size_of::<usize>());
    }
}
