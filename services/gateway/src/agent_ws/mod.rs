//! # The agent WebSocket (`GET /ws/agent`)
//!
//! CONTRACT.md §3, the agent console's socket. A sibling of the customer
//! socket ([`crate::ws`]) in the socket kit ([`crate::socket`]): a
//! functional core whose decisions are plain code returning
//! [`session::Effect`]s, run in the kit's shell, which performs them one
//! input at a time. The error codes are the kit's
//! ([`crate::socket::error::WsError`]), and messages render with
//! [`crate::api::render::message_object`].
//!
//! What the socket shows comes from three places: the router's view of the
//! agent (`sb.rpc.router.{tenant}`, read once at `hello`) and its live
//! [`AgentEvent`](switchboard_contracts::v1::AgentEvent)s on
//! `sb.agent.{tenant}.{agent}`; the conversations the agent holds
//! (`sb.evt` and `sb.typing`, per conversation); and their transcripts
//! (`sb.rpc.transcript.{tenant}`). What the agent does goes to the router as
//! `RoutingInput`s (`sb.route.{tenant}`) and to the conversation's owner as
//! commands. A dropped socket changes nothing: availability is the router's.
//!
//! | module | what |
//! |---|---|
//! | [`upgrade`] | the HTTP handler: small socket buffers, tracked for the drain |
//! | [`identity`] | [`identity::AgentIdentity`]: the agent behind a token, and its spaces |
//! | [`client_frame`] | client → server frames, parsed and validated |
//! | [`server_frame`] | server → client frames and error frames with their context |
//! | [`session`] | [`session::AgentSession`]: its state, `hello` and the welcome |
//! | [`session_commands`] | availability, accept / decline, messages, typing, end, transcript |
//! | [`session_events`] | decisions on router events, conversation events and failed I/O |
//! | [`session_pages`] | decisions on transcript pages: welcome, assigned, gaps, `transcript` |
//! | [`session_resync`] | reading a held conversation again after events may have been missed |
//! | [`revocation`] | closing consoles whose token was revoked or agent deleted or deactivated |
//! | [`socket`] | the session plugged into the shell: what it listens to, reloads |
//! | [`socket_effects`] | how the agent socket performs effects |

pub mod client_frame;
pub mod identity;
pub mod revocation;
pub mod server_frame;
pub mod session;
pub mod session_commands;
pub mod session_events;
pub mod session_pages;
pub mod session_resync;
pub mod socket;
pub mod socket_effects;
pub mod upgrade;

#[cfg(test)]
mod session_tests;

use axum::Router;
use axum::routing::get;
use switchboard_contracts::v1::Availability;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ws/agent", get(upgrade::agent_socket))
}

/// The wire name of an availability (`available` | `unavailable`); anything
/// the router has not set counts as unavailable, where every agent starts.
pub fn availability_name(status: Availability) -> &'static str {
    match status {
        Availability::Available => "available",
        Availability::Unavailable | Availability::Unspecified => "unavailable",
    }
}
