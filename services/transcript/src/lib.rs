//! # Switchboard transcript
//!
//! The owner of conversations and their messages. It consumes conversation
//! commands from `SB_COMMANDS`, commits them to SQL (SQLite or PostgreSQL),
//! gives every message its gap-free per-conversation `seq`, and publishes
//! what happened on `sb.evt.{tenant}.{conversation}` before acking the
//! command. Other services read a thread over `sb.rpc.transcript.{tenant}`.
//! See docs/architecture.md, "The message path".
//!
//! # Layout
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`config::TranscriptConfig`], read once from the environment |
//! | [`server`] | [`server::start`]: start everything, run until shutdown, drain |
//! | [`handlers`] | the command consumer, the inactivity timer, the transcript RPC |
//! | [`events`] | the events published after a commit, with their dedupe ids |
//! | [`domain`] | the rules of a conversation's life, as plain functions |
//! | [`store`] | [`store::Store`]: conversations and messages in SQL |
//! | [`error`] | refusals (answered), store errors (retry or not), start errors |
//!
//! `migrations/` holds the schema, portable across SQLite and PostgreSQL.

pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod handlers;
pub mod server;
pub mod store;
