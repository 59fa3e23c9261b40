//! Why the router could not start. Errors while routing are classified where
//! they happen: a bad input is parked, a bus failure retried, a lost
//! compare-and-set decided again (see [`crate::handlers::inputs`]).

use switchboard_bus::BusError;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the bus is unavailable: {0}")]
    Bus(#[from] BusError),
    #[error("cannot serve the health endpoints: {0}")]
    Health(#[source] std::io::Error),
    #[error("gave up after {seconds}s waiting for {what}: {last_error}")]
    Timeout {
        what: &'static str,
        seconds: u64,
        last_error: String,
    },
}
