//! # Switchboard work items
//!
//! The support team's record of every conversation that reached it
//! (SPEC.md §4, "Work item"). It follows the conversation events on
//! `SB_EVENTS` (durable `work-item-events`): a conversation handed to the
//! team (→ queued) gets one item in its routed space, with the customer as
//! reporter, their request as summary and the AI part of the thread as
//! description; the accepting agent (→ live) becomes its assignee; the end
//! attaches the full thread. Ending never resolves an item: agents move it
//! (`open` → `in_progress` → `resolved`) through `sb.rpc.workitem.{tenant}`,
//! which the gateway's work-item API calls. See docs/architecture.md, "Live
//! chat: handoff, routing, work items".
//!
//! # Layout
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`config::WorkItemConfig`], read once from the environment |
//! | [`server`] | [`server::start`]: start everything, run until shutdown, drain |
//! | [`handlers`] | the event consumer, the transcript reader, the work-item RPC |
//! | [`domain`] | the rules: which events matter, what an item says, status moves, requests |
//! | [`store`] | [`store::Store`]: work items and their status history in SQL |
//! | [`error`] | refusals (answered), store errors (retry or not), start errors |
//!
//! `migrations/` holds the schema, portable across SQLite and PostgreSQL.

pub mod config;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod server;
pub mod store;
