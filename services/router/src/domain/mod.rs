//! The router's functional core: one tenant's routing policy as plain
//! synchronous code. [`decide()`] takes the state, one [`Input`] and the current
//! time, and returns [`Effect`]s for the shell to perform; time and ids come in
//! from outside (offer ids are derived from a counter in the state), so the
//! same inputs always give the same effects.
//!
//! | module | what it holds |
//! |---|---|
//! | [`types`] | [`OfferId`], [`Limit`], [`Status`], [`Config`] |
//! | [`input`] | [`Input`]: what the router reacts to |
//! | [`effect`] | [`Effect`] and its reasons: what the router decided |
//! | [`state`] | [`State`]: agents, spaces with their queues and indexes, held conversations |
//! | [`decide`](mod@decide) | [`decide()`]: one handler per input |
//! | `roster` | agents joining, leaving, setting availability; the limit |
//! | `serve` | the serving pass: oldest first, round robin, decisions, queue positions (and its cost) |
//! | [`invariants`] | the routing rules as checks, used by the property tests |

pub mod decide;
pub mod effect;
pub mod input;
pub mod invariants;
mod rebuild;
mod roster;
mod serve;
pub mod state;
pub mod types;

#[cfg(test)]
mod tests;

pub use decide::decide;
pub use effect::{
    Effect, FallbackReason, RefuseReason, SKIPPED_LISTED, SkipReason, StatusReason, WithdrawReason,
};
pub use input::Input;
pub use rebuild::{AgentRecords, Records, UnknownAgent};
pub use state::{Agent, Conversation, Outstanding, Pass, Space, Stage, State};
pub use types::{Config, InvalidLimit, InvalidOfferId, Limit, OfferId, Status};
