//! The ai-bridge's handler errors, classified so the consumer pipeline
//! knows whether to retry (with the consumer's backoff) or park. Why the
//! service could not start is the service kit's [`StartError`].

use switchboard_bus::{BusError, Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, InvalidId, TenantId};

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
    /// The message can never be handled.
    #[error(transparent)]
    Poison(#[from] Poison),
}

/// What makes a message impossible to handle; parked with this as reason.
#[derive(Debug, thiserror::Error)]
pub enum Poison {
    #[error("undecodable {what}: {source}")]
    Undecodable {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("{what}: {source}")]
    BadId {
        what: &'static str,
        #[source]
        source: InvalidId,
    },
    #[error("no tenant in subject {subject}")]
    NoTenant { subject: String },
    #[error("message names tenant `{claimed}` but was published for tenant {tenant}")]
    OtherTenant { claimed: String, tenant: TenantId },
    #[error("event tenant does not match its subject")]
    EventOnOtherSubject,
    #[error("MessageAdded event without conversation info")]
    NoInfo,
    #[error("customer message without an id")]
    NoMessageId,
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is {chars} characters; the limit is {limit}")]
    TooLong {
        field: &'static str,
        chars: usize,
        limit: usize,
    },
    #[error("request_id must be at most {limit} printable ASCII characters")]
    BadRequestId { limit: usize },
    #[error("conversation {conversation} does not exist for tenant {tenant}")]
    UnknownConversation {
        conversation: ConversationId,
        tenant: TenantId,
    },
    #[error("conversation {conversation} is answered by a built-in AI agent")]
    BuiltInAgent { conversation: ConversationId },
    #[error("AI agent {agent} does not belong to tenant {tenant}")]
    ForeignAgent { agent: String, tenant: TenantId },
}

impl HandlerError {
    /// A message that can never be handled.
    pub fn poison(poison: Poison) -> Self {
        HandlerError::Poison(poison)
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
        let error = HandlerError::poison(Poison::Empty {
            field: "reply text",
        });
        assert_eq!(error.disposition(), Disposition::Park);
        assert_eq!(error.to_string(), "reply text is empty");
        let undecodable = HandlerError::from(BusError::new(BusKind::Decode, "bad bytes"));
        assert_eq!(undecodable.disposition(), Disposition::Park);
    }
}
