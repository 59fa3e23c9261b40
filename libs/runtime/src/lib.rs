//! # Switchboard service runtime
//!
//! What every service needs around its own logic, written once.
//!
//! | module | what |
//! |---|---|
//! | [`clock`] | the wall clock in milliseconds since the Unix epoch |
//! | [`config`] | typed settings read from an explicit variable source, durations like `20m` |
//! | [`startup`] | retry a dependency at start until it answers or a deadline passes |
//! | [`shutdown`] | cancellation token + task tracker; waits for Ctrl-C / SIGTERM |
//! | [`health`] | `/healthz`, `/readyz` (with its checks of NATS and the database) and `/metrics` on the service's own port |
//! | [`metrics`] | the process's registry (`prometheus-client`): counters, gauges and histograms in seconds, with labels |
//! | [`telemetry`] | tracing subscriber and the OpenTelemetry layer, set up once |

pub mod clock;
pub mod config;
pub mod health;
pub mod metrics;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
