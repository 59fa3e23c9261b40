//! # The socket kit: what the customer and agent WebSockets share
//!
//! Both sockets are a functional core (a session whose decisions are plain
//! code returning effects) inside an async shell. The shell is written once,
//! here, and generic over `Sink`/`Stream` (the axum `testing-websockets`
//! pattern), so it runs on channels in tests; [`crate::ws`] (the customer's
//! widget) and [`crate::agent_ws`] (the agent console) plug their sessions
//! into it as siblings through [`shell::SocketSession`].
//!
//! | module | what |
//! |---|---|
//! | [`shell`] | the loop: frames, bus deliveries, keepalive, silence, reload, shutdown |
//! | [`upgrade`] | socket buffers and the tracked task every upgrade gets |
//! | [`intake`] | a text frame's way in: rate limit, size cap, parse → error frame |
//! | [`client_frame`] | the field rules both sockets' client frames share |
//! | [`server_frame`] | JSON encoding of server frames |
//! | [`error`] | [`error::WsError`]: the error codes both sockets answer with |
//! | [`rate`] | the per-connection token bucket |
//! | [`conversation`] | a conversation's feed, typing and transcript reads |
//! | [`fanout`] | the gateway's one set of subscriptions, fanned out to the sockets |
//! | [`unacked`] | what a socket published and awaits the acks of beside its other inputs |

pub mod client_frame;
pub mod conversation;
pub mod error;
pub mod fanout;
pub mod intake;
pub mod rate;
pub mod server_frame;
pub mod shell;
pub mod unacked;
pub mod upgrade;

#[cfg(test)]
pub(crate) mod fuzz;
#[cfg(test)]
mod shell_tests;

use std::time::Instant;

/// Largest text frame a session accepts; larger ones get `error invalid`.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Largest message the WebSocket protocol layer reads at all; beyond this the
/// connection is closed (1009) because the frame cannot be skipped safely.
/// Kept above [`MAX_FRAME_BYTES`] so a modestly oversized frame gets a named
/// error instead of a dropped connection.
pub const MAX_PROTOCOL_MESSAGE_BYTES: usize = 64 * 1024;

/// The clock of one input: a monotonic instant for the rate limit, wall
/// time for what a session publishes.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub instant: Instant,
    pub epoch_ms: i64,
}

impl Now {
    /// The clocks as they read now.
    pub fn current() -> Self {
        Self {
            instant: Instant::now(),
            epoch_ms: epoch_ms(),
        }
    }
}

/// Milliseconds since the Unix epoch, by the runtime's clock (the one
/// every service reads; an identity secret's overlap ends by it too).
pub fn epoch_ms() -> i64 {
    switchboard_runtime::clock::now_ms()
}
