//! Server → client frames of the customer socket, and the socket's error
//! codes. Each frame serializes to one JSON object with its fields at the top
//! level next to `"type"` (CONTRACT.md §3). A new frame is one more variant.

use crate::api::render::MessageObject;
use serde::Serialize;

pub use crate::socket::error::WsError;
use crate::socket::server_frame::OutgoingFrame;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome {
        signed_in: bool,
        support_mode: &'static str,
        /// The experience's sign-in page, when it has one (SPEC §11).
        #[serde(skip_serializing_if = "Option::is_none")]
        sign_in_url: Option<String>,
    },
    Conversation {
        id: String,
        state: &'static str,
        resume_token: String,
    },
    /// `message` is the contract's message object.
    Message {
        message: MessageObject,
    },
    Typing {
        role: &'static str,
        name: String,
        on: bool,
    },
    Transcript {
        messages: Vec<MessageObject>,
    },
    Ended {
        reason: &'static str,
    },
    SignInRequired {},
    Fallback {
        text: String,
    },
    /// The customer's place in the queue (1 = next to be offered).
    Queued {
        position: u32,
    },
    AgentJoined {
        agent: AgentName,
    },
    /// Nobody has written for a while; the conversation ends at `ends_at`
    /// (RFC 3339) unless someone does.
    Inactive {
        ends_at: String,
    },
    Error {
        code: String,
        message: String,
    },
}

/// `{name}`: how an agent is shown to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentName {
    pub name: String,
}

impl OutgoingFrame for ServerFrame {
    fn is_error(&self) -> bool {
        matches!(self, ServerFrame::Error { .. })
    }
}

impl From<WsError> for ServerFrame {
    fn from(error: WsError) -> Self {
        ServerFrame::Error {
            code: error.code().to_owned(),
            message: error.message(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn json_of(frame: &ServerFrame) -> serde_json::Value {
        serde_json::from_str(&frame.to_json()).unwrap()
    }

    #[test]
    fn frames_carry_their_fields_next_to_the_type() {
        let frame = ServerFrame::Conversation {
            id: "c".into(),
            state: "ai",
            resume_token: "r".into(),
        };
        assert_eq!(
            json_of(&frame),
            json!({"type": "conversation", "id": "c", "state": "ai", "resume_token": "r"})
        );
        assert_eq!(
            json_of(&ServerFrame::SignInRequired {}),
            json!({"type": "sign_in_required"})
        );
        assert_eq!(
            json_of(&ServerFrame::AgentJoined {
                agent: AgentName { name: "Ada".into() }
            }),
            json!({"type": "agent_joined", "agent": {"name": "Ada"}})
        );
        assert_eq!(
            json_of(&ServerFrame::Queued { position: 2 }),
            json!({"type": "queued", "position": 2})
        );
        assert_eq!(
            json_of(&ServerFrame::Ended {
                reason: "customer_ended"
            }),
            json!({"type": "ended", "reason": "customer_ended"})
        );
    }

    #[test]
    fn errors_use_the_contract_codes() {
        let frame = ServerFrame::from(WsError::invalid("text: must not be empty"));
        assert_eq!(
            json_of(&frame),
            json!({"type": "error", "code": "invalid", "message": "text: must not be empty"})
        );
    }
}
