//! The router: owns each tenant's live-chat queue, the offers made to agents and
//! the site-wide conversation limit (SPEC.md §5).
//!
//! # Layout
//! | module | what it holds |
//! |---|---|
//! | [`domain`] | the functional core: [`domain::State`] (one tenant), [`domain::Input`] in, [`domain::Effect`] out, through [`domain::decide()`]; no I/O, no clock, no async |
//!
//! The service shell (NATS consumers, timers, one writer per tenant) wraps this
//! core; it decodes a message into an [`domain::Input`], calls
//! [`domain::decide()`] with the current time, and performs the effects.

pub mod domain;
