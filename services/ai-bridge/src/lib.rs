//! # Switchboard ai-bridge
//!
//! The AI side of a conversation (SPEC §8, CONTRACT §4). It reads committed
//! customer messages from `SB_EVENTS` and, while a conversation is in state
//! `ai`, either answers from the tenant's knowledge base (the built-in agent)
//! or hands the turn to an external AI platform over the bus and posts the
//! platform's replies back. Every post is a `ConversationCommand` to the
//! transcript service with an idempotency key derived from what it answers,
//! so redeliveries never double a message. It stores nothing itself, so any
//! number of instances share the durable consumers.
//!
//! # Layout
//!
//! | module | what |
//! |---|---|
//! | [`config`] | settings from an explicit variable source |
//! | [`server`] | [`server::Service`]: start the consumers and health, run, drain |
//! | [`handlers`] | the three consumers (events, replies, handoffs) and their effects |
//! | [`decision`] | pure: what the built-in agent does with a message (answer, next steps, handoff) |
//! | [`domain`] | pure: knowledge-base retrieval and the handoff intent rules |
//! | [`index_cache`] | built knowledge indexes kept between messages |
//! | [`error`] | start errors and the retry / park classification of handler errors |

pub mod config;
pub mod decision;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod index_cache;
pub mod server;
