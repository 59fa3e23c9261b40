//! The router service against a real nats-server: router instances started
//! in-process, the transcript's part played by the tests (conversation
//! events in, conversation commands read back from `SB_COMMANDS`), agents'
//! events read on their core subjects.

#[path = "service/fallbacks.rs"]
mod fallbacks;
#[path = "service/offers.rs"]
mod offers;
#[path = "service/queue.rs"]
mod queue;
#[path = "service/race.rs"]
mod race;
#[path = "service/rpc.rs"]
mod rpc;
#[path = "service/support/mod.rs"]
mod support;
#[path = "service/timeouts.rs"]
mod timeouts;
