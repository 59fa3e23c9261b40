//! Why the router could not start. Errors while routing are classified where
//! they happen: a bad input is parked, a bus failure retried, a lost
//! compare-and-set decided again (see [`crate::handlers::inputs`]).

use switchboard_bus::BusError;
use switchboard_runtime::startup::{RetryError, StartupTimeout};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the bus is unavailable: {0}")]
    Bus(#[from] BusError),
    #[error("cannot serve the health endpoints: {0}")]
    Health(#[source] std::io::Error),
    /// "gave up after {seconds}s waiting for {what}: {last_error}"
    #[error(transparent)]
    Timeout(#[from] StartupTimeout),
}

/// A start step's own error, or its timeout.
impl<E: Into<StartError>> From<RetryError<E>> for StartError {
    fn from(error: RetryError<E>) -> Self {
        match error {
            RetryError::Failed(error) => error.into(),
            RetryError::TimedOut(timeout) => timeout.into(),
        }
    }
}
