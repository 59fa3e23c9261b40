//! Cross-service tests: the real service binaries, a real nats-server and a
//! real database, driven through the public HTTP API and WebSockets only.
//! One test binary (modules below) keeps link time down.

mod ai_platform;
mod chat;
mod cluster;
mod crash;
mod deletion;
mod echoes;
mod faults;
mod inactivity;
mod lifecycle;
mod live;
mod live_crash;
mod live_handoff;
mod metrics;
mod operator_cli;
mod pages;
mod partition;
mod presence;
mod resilient;
mod traces;
mod webhooks;
