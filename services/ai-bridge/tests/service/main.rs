//! The ai-bridge as a whole, against a real `nats-server`: the test writes the
//! configuration, plays the transcript service (publishes the events it would
//! publish, answers its RPC) and watches what the bridge publishes. One test
//! binary; the modules below only group the cases.

mod builtin;
mod external;
mod fake_transcript;
mod handoff_settings;
mod harness;
mod observe;
