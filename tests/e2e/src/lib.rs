//! # Cross-service test support
//!
//! | module | what |
//! |---|---|
//! | [`system`] | the real service binaries on a real nats-server: start, SIGKILL, restart |
//! | [`admin`] | configuring tenants through the public HTTP API |
//! | [`customer`] | a customer's WebSocket, as the widget speaks it |

pub mod admin;
pub mod customer;
pub mod system;
