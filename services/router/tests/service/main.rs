//! The router service against a real nats-server: router instances started
//! in-process, the transcript's part played by the tests (conversation
//! events in, conversation commands read back from `SB_COMMANDS`), agents'
//! events read on their core subjects.

mod deactivation;
mod fallbacks;
mod log;
mod offers;
mod presence;
mod queue;
mod race;
mod rpc;
mod support;
mod takeover;
mod timeouts;
