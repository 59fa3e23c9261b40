//! The webhook service against a real nats-server, a real database and a
//! real HTTP receiver that verifies every signature.

mod delivery;
mod failures;
mod support;
