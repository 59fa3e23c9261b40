//! The ai-bridge as a whole, against a real `nats-server`: the test writes the
//! configuration, plays the transcript service (publishes the events it would
//! publish, answers its RPC) and watches what the bridge publishes. One test
//! binary; the modules below only group the cases.

#[path = "service/builtin.rs"]
mod builtin;
#[path = "service/external.rs"]
mod external;
#[path = "service/fake_transcript.rs"]
mod fake_transcript;
#[path = "service/harness.rs"]
mod harness;
#[path = "service/observe.rs"]
mod observe;
