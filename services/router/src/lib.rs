//! # Switchboard router
//!
//! Owns each tenant's live-chat queue, the offers made to agents and the
//! site-wide conversation limit (SPEC.md §5). All of a tenant's inputs
//! (handoffs, agents' accepts, declines and statuses, timers, configuration
//! changes) arrive on one subject, `sb.route.{tenant}`; those waiting
//! together are decided in one step by the pure core against the tenant's
//! state, which the deciding instance holds in memory; the step is appended
//! to the tenant's log (stream `SB_ROUTER_LOG`) fenced by the position it
//! was decided at, before any of their effects is performed.
//! So two router instances can never both commit a decision from the same
//! state: the limit and single assignment hold by construction. See
//! docs/architecture.md, "Live chat".
//!
//! # Layout
//!
//! | module | what |
//! |---|---|
//! | [`domain`] | the functional core: [`domain::State`] (one tenant), [`domain::Input`] in, [`domain::Effect`] out, through [`domain::decide()`]; no I/O, no clock, no async |
//! | [`snapshot`] | [`snapshot::Snapshot`]: the state plus what effects need and the applied-input log; [`snapshot::format`]: how it is stored, versioned |
//! | [`log`] | the tenant's log: [`log::Entry`], one decided step as stored, replayed through the same code that decided it |
//! | [`store`] | [`store::SnapshotStore`]: the states held in memory, the log read, appended (fenced) and rolled up into snapshots |
//! | [`catalog`] | the configuration bucket indexed per tenant, reconciled into the state |
//! | [`handlers`] | the input (in batches per tenant) and event consumers, the effects, the agent-view and space-view RPCs |
//! | [`config`] | [`config::RouterConfig`], read once from the environment |
//! | [`server`] | [`server::Service`]: start everything, run until shutdown, drain |
//! | [`error`] | why the service could not start |

pub mod catalog;
pub mod config;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod log;
pub mod server;
pub mod snapshot;
pub mod store;
