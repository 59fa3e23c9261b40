//! The ai-bridge's handler errors, classified so the consumer pipeline
//! knows whether to retry (with the consumer's backoff) or park. Why the
//! service could not start is the service kit's [`StartError`].

use switchboard_bus::{BusError, Classify, Disposition};

pub use switchboard_bus::service::StartError;

/// Why a handler did not finish a message.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("bus: {0}")]
    Bus(#[from] BusError),
    /// The transcript service answered with an error code: it could not
    /// read, or does not have the conversation yet; retry.
    #[error("transcript service answered `{code}`")]
    Transcript { code: String },
    /// The message can never be handled (undecodable, wrong tenant,
    /// invalid); the text names what is wrong.
    #[error("{0}")]
    Poison(String),
}

impl HandlerError {
    pub fn poison(reason: impl Into<String>) -> Self {
        HandlerError::Poison(reason.into())
    }
}

impl Classify for HandlerError {
    fn disposition(&self) -> Disposition {
        match self {
            HandlerError::Bus(error) => error.disposition(),
            HandlerError::Transcript { .. } => Disposition::Retry,
            HandlerError::Poison(_) => Disposition::Park,
        }
    }
}

#[cfg(test)]
mod tests {
    use switchboard_bus::ErrorKind as BusKind;

    use super::*;

    #[test]
    fn a_bus_outage_or_a_transcript_failure_is_retried() {
        let outage = HandlerError::from(BusError::new(BusKind::Unavailable, "timed out"));
        let unread = HandlerError::Transcript {
            code: "unavailable".into(),
        };
        assert_eq!(outage.disposition(), Disposition::Retry);
        assert_eq!(unread.disposition(), Disposition::Retry);
    }

    #[test]
    fn a_poison_message_is_parked_with_its_reason() {
        let error = HandlerError::poison("reply text is empty");
        assert_eq!(error.disposition(), Disposition::Park);
        assert_eq!(error.to_string(), "reply text is empty");
        let undecodable = HandlerError::from(BusError::new(BusKind::Decode, "bad bytes"));
        assert_eq!(undecodable.disposition(), Disposition::Park);
    }
}
