//! Server → client frames of the customer socket, and the socket's error
//! codes. Each frame serializes to one JSON object with its fields at the top
//! level next to `"type"` (CONTRACT.md §3). A new frame is one more variant.

use serde::Serialize;
use serde_json::Value;
use switchboard_contracts::error_codes::ErrorCode;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome {
        signed_in: bool,
        support_mode: &'static str,
    },
    Conversation {
        id: String,
        state: &'static str,
        resume_token: String,
    },
    /// `message` is the contract's message object.
    Message {
        message: Value,
    },
    Typing {
        role: &'static str,
        name: String,
        on: bool,
    },
    Transcript {
        messages: Vec<Value>,
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

impl ServerFrame {
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail; keep the socket alive
        // with an internal error frame if it ever does.
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"a frame could not be encoded"}"#
                .to_owned()
        })
    }

    pub fn is_error(&self) -> bool {
        matches!(self, ServerFrame::Error { .. })
    }
}

/// Why the socket answered a frame with `error`. Codes shared with the HTTP
/// API come from [`ApiError`], so both speak the same vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsError {
    /// A code the HTTP API also uses (`invalid`, `unauthorized`, ...).
    Api(ApiError),
    /// A frame other than `hello` came first.
    HelloRequired,
    /// The resume token cannot reattach (ended, unknown, not this customer).
    ResumeInvalid(String),
    /// The frame needs an open conversation and there is none.
    NotInConversation,
    /// `request_human` before the first message: there is nothing to hand over.
    FirstMessageNeeded,
    /// The conversation's owner refused a command of this socket.
    Rejected { code: String, message: String },
}

impl WsError {
    pub fn invalid(message: impl Into<String>) -> Self {
        WsError::Api(ApiError::Invalid(message.into()))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        WsError::Api(ApiError::Unauthorized(message.into()))
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        WsError::Api(ApiError::Unavailable(message.into()))
    }

    pub fn rate_limited() -> Self {
        WsError::Api(ApiError::RateLimited(
            "too many frames; this one was dropped, slow down".into(),
        ))
    }

    pub fn code(&self) -> &str {
        match self {
            WsError::Api(error) => error.code(),
            WsError::HelloRequired => ErrorCode::HelloRequired.as_str(),
            WsError::ResumeInvalid(_) => ErrorCode::ResumeInvalid.as_str(),
            WsError::NotInConversation | WsError::FirstMessageNeeded => {
                ErrorCode::NotInConversation.as_str()
            }
            WsError::Rejected { code, .. } => code,
        }
    }

    pub fn message(&self) -> String {
        match self {
            WsError::Api(error) => error.message().to_owned(),
            WsError::HelloRequired => "the first frame must be `hello`".into(),
            WsError::ResumeInvalid(why) => {
                format!("{why}; the next message starts a new conversation")
            }
            WsError::NotInConversation => "there is no open conversation".into(),
            WsError::FirstMessageNeeded => {
                "there is no open conversation yet; send a message first, then ask for a person"
                    .into()
            }
            WsError::Rejected { message, .. } => message.clone(),
        }
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

    fn json_of(frame: &ServerFrame) -> Value {
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
        assert_eq!(WsError::HelloRequired.code(), "hello_required");
        assert_eq!(WsError::rate_limited().code(), "rate_limited");
        assert!(
            WsError::ResumeInvalid("the conversation has ended".into())
                .message()
                .contains("next message starts a new conversation")
        );
    }
}
