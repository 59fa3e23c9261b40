//! The ai-bridge's errors: why the service could not start, and why a handler
//! could not finish a message — classified so the consumer pipeline knows
//! whether to retry or park.

use std::time::Duration;

use switchboard_bus::BusError;
use switchboard_bus::consume::Outcome;
use switchboard_runtime::config::ConfigError;

/// The service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("bus: {0}")]
    Bus(#[from] BusError),
    #[error("health endpoint: {0}")]
    Health(#[from] std::io::Error),
}

/// How a handler failure is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bus or the transcript service did not answer: try again later.
    Transient,
    /// The message can never be handled (undecodable, wrong tenant, invalid):
    /// park it where an operator can see it.
    Poison,
}

/// Why a handler did not finish a message.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("bus: {0}")]
    Bus(#[from] BusError),
    /// The transcript service answered with an error code.
    #[error("transcript service: {0}")]
    Transcript(String),
    #[error("{0}")]
    Poison(String),
}

impl HandlerError {
    pub fn poison(reason: impl Into<String>) -> Self {
        HandlerError::Poison(reason.into())
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            HandlerError::Bus(error) if error.kind().is_retryable() => ErrorKind::Transient,
            HandlerError::Transcript(_) => ErrorKind::Transient,
            HandlerError::Bus(_) | HandlerError::Poison(_) => ErrorKind::Poison,
        }
    }

    /// What the pipeline should do; `attempt` is 1 on first delivery.
    pub fn outcome(&self, attempt: i64) -> Outcome {
        match self.kind() {
            ErrorKind::Transient => {
                tracing::warn!(error = %self, attempt, "will retry");
                Outcome::Retry(backoff(attempt))
            }
            ErrorKind::Poison => Outcome::Park(self.to_string()),
        }
    }
}

/// 250 ms doubling per attempt, at most 15 s: quick through a blip, gentle
/// through an outage (the pipeline parks after its `max_deliver`).
pub fn backoff(attempt: i64) -> Duration {
    let exponent = attempt.clamp(1, 7) - 1;
    (Duration::from_millis(250) * 2u32.pow(exponent as u32)).min(Duration::from_secs(15))
}

#[cfg(test)]
mod tests {
    use switchboard_bus::ErrorKind as BusKind;

    use super::*;

    #[test]
    fn a_bus_outage_is_retried_with_a_growing_delay() {
        let error = HandlerError::from(BusError::new(BusKind::Unavailable, "timed out"));
        assert_eq!(error.outcome(1), Outcome::Retry(Duration::from_millis(250)));
        assert_eq!(error.outcome(3), Outcome::Retry(Duration::from_secs(1)));
        assert_eq!(error.outcome(40), Outcome::Retry(Duration::from_secs(15)));
    }

    #[test]
    fn a_poison_message_is_parked_with_its_reason() {
        let error = HandlerError::poison("reply text is empty");
        assert_eq!(
            error.outcome(1),
            Outcome::Park("reply text is empty".into())
        );
        let undecodable = HandlerError::from(BusError::new(BusKind::Decode, "bad bytes"));
        assert_eq!(undecodable.kind(), ErrorKind::Poison);
    }
}
