//! Tests of the routing core: one file per concern, sharing the fixtures in
//! `support` (whose every step is also checked against the invariants).

mod actions;
mod agents;
mod offers;
mod presence;
mod properties;
mod queue;
mod rotation;
mod scale;
mod support;
mod types;
