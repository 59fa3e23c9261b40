//! # Switchboard webhooks
//!
//! Signed outgoing webhooks (CONTRACT §2, "Webhooks"; docs/webhooks.md).
//! The service follows the conversation events on `SB_EVENTS` (durable
//! `webhook-events`) and records, for every subscription of the tenant that
//! names the event's type, one delivery in its database; a worker POSTs
//! each, signed the Standard Webhooks way, in order per conversation and
//! subscription, retrying with backoff and pausing a subscription after a
//! run of failures. Subscriptions are configuration (`webhook.{tenant}.{id}`
//! in `SB_CONFIG`, written by the gateway, secrets sealed with
//! `SWITCHBOARD_SECRET_KEY`); the delivery log and the pause state are
//! answered over `sb.rpc.webhook.{tenant}`.
//!
//! # Layout
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`config::WebhookConfig`], read once from the environment |
//! | [`server`] | [`server::start`]: start everything, run until shutdown, drain |
//! | [`handlers`] | the event consumer and the delivery-log RPC |
//! | [`deliver`] | the delivery worker and its SSRF-guarded HTTP client |
//! | [`domain`] | the rules: event mapping, signing, retry and pause |
//! | [`store`] | [`store::Store`]: deliveries and subscription states in SQL |
//! | [`error`] | store errors (retry or not), start errors |

pub mod config;
pub mod deliver;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod server;
pub mod store;
