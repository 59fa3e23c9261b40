//! # The customer WebSocket (`GET /ws/customer?widget={id}`)
//!
//! CONTRACT.md §3. A functional core with an imperative shell: the session's
//! decisions are plain code returning [`session::Effect`]s, performed (bus
//! publishes, subscriptions, transcript reads) inside the socket kit's shell
//! ([`crate::socket`]), which the agent socket shares.
//! Messages render with [`crate::api::render::message_object`], the same
//! object the HTTP API returns.
//!
//! | module | what |
//! |---|---|
//! | [`upgrade`] | the HTTP handler: widget lookup and `Origin` check before the upgrade |
//! | [`origin`] | `Origin` matching for embed and support-site widgets |
//! | [`context`] | [`context::WidgetContext`]: what a socket needs of its widget's configuration |
//! | [`client_frame`] | client → server frames, parsed and validated |
//! | [`server_frame`] | server → client frames and the socket's error codes |
//! | [`session`] | [`session::CustomerSession`]: its state and the dispatch of client frames |
//! | [`session_commands`] | messages, typing, end |
//! | [`session_handoff`] | `request_human`: next steps, fallback or a handoff to the team |
//! | [`session_events`] | decisions on bus events, queue positions and transcript pages |
//! | [`session_notices`] | the frames that go with notice messages and inactivity |
//! | [`session_identity`] | `hello` and `sign_in`: identity and resume tokens |
//! | [`session_resync`] | reading the conversation again after events may have been missed |
//! | [`socket`] | the session plugged into the shell: what it listens to, reloads |
//! | [`socket_effects`] | how the customer socket performs effects |

pub mod client_frame;
pub mod context;
pub mod origin;
pub mod server_frame;
pub mod session;
pub mod session_commands;
pub mod session_events;
pub mod session_handoff;
pub mod session_identity;
pub mod session_notices;
pub mod session_resync;
pub mod socket;
pub mod socket_effects;
pub mod upgrade;

#[cfg(test)]
mod session_tests;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ws/customer", get(upgrade::customer_socket))
}
