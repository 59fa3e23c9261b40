//! # Cross-service test support
//!
//! | module | what |
//! |---|---|
//! | [`system`] | the real service binaries on a real nats-server: start, SIGKILL, restart |
//! | [`admin`] | configuring tenants through the public HTTP API |
//! | [`customer`] | a customer's WebSocket, as the widget speaks it |
//! | [`phoenix`] | Arize Phoenix, a real OTLP receiver whose spans tests read back |

pub mod admin;
pub mod customer;
pub mod phoenix;
pub mod system;
