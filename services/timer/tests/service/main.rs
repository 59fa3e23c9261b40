//! The timer service as a whole, against a real `nats-server`: timers are
//! scheduled through the client (`switchboard_bus::timers`) and observed where
//! they land, in a JetStream stream. One test binary; the modules below only
//! group the cases.

mod faults;
mod firing;
mod harness;
