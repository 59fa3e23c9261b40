//! Server → client frames of the agent socket. Each serializes to one JSON
//! object with its fields at the top level next to `"type"` (CONTRACT.md §3).
//!
//! Error frames use the sockets' shared codes ([`WsError`]) and may name
//! what they answer (`offer_id`, `conversation`, `client_id`), so the console
//! can tell which of several accepts or sends in flight failed. A few frames
//! carry such extra fields (`tenant`, `server_time`, `space_name`, `customer`); the
//! contract lets clients ignore what they do not know.

use crate::api::render::MessageObject;
use serde::Serialize;

use crate::socket::error::WsError;
use crate::socket::server_frame::OutgoingFrame;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpaceView {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    /// Why the router set the agent unavailable there (`offer_timeout`,
    /// `disconnected`), while that holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The customer experience an offer comes from (SPEC §7). `name` is filled
/// from the configuration when the frame is sent; empty if it is gone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperienceView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerView {
    pub name: String,
    pub email: String,
}

/// One of the agent's live conversations in `welcome`. `transcript` is left
/// out when it could not be read; the console then asks with `transcript`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationView {
    pub id: String,
    pub state: &'static str,
    pub customer: CustomerView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Vec<MessageObject>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome {
        /// The agent's tenant, so the console can call the tenant's HTTP
        /// API (work items) with the agent token.
        tenant: String,
        agent: AgentRef,
        spaces: Vec<SpaceView>,
        conversations: Vec<ConversationView>,
        /// The server's clock, so offer countdowns survive a skewed client.
        server_time: String,
    },
    Status {
        space: String,
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Offer {
        offer_id: String,
        conversation: String,
        space: String,
        space_name: String,
        experience: ExperienceView,
        customer: CustomerView,
        summary: String,
        expires_at: String,
    },
    OfferWithdrawn {
        offer_id: String,
        reason: String,
    },
    /// `transcript` is left out when it could not be read.
    Assigned {
        conversation: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        transcript: Option<Vec<MessageObject>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        customer: Option<CustomerView>,
    },
    /// `message` is the contract's message object.
    Message {
        message: MessageObject,
    },
    Typing {
        conversation: String,
        role: &'static str,
        name: String,
        on: bool,
    },
    Inactive {
        conversation: String,
        ends_at: String,
    },
    Ended {
        conversation: String,
        reason: &'static str,
    },
    Transcript {
        conversation: String,
        messages: Vec<MessageObject>,
    },
    Error(ErrorFrame),
}

/// `error {code, message}` and what it answers, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorFrame {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl ErrorFrame {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            offer_id: None,
            conversation: None,
            client_id: None,
        }
    }

    pub fn offer(mut self, offer_id: impl Into<String>) -> Self {
        self.offer_id = Some(offer_id.into());
        self
    }

    pub fn conversation(mut self, conversation: impl ToString) -> Self {
        self.conversation = Some(conversation.to_string());
        self
    }

    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into()).filter(|c: &String| !c.is_empty());
        self
    }
}

impl From<WsError> for ErrorFrame {
    fn from(error: WsError) -> Self {
        Self::new(error.code(), error.message())
    }
}

impl From<ErrorFrame> for ServerFrame {
    fn from(error: ErrorFrame) -> Self {
        ServerFrame::Error(error)
    }
}

impl From<WsError> for ServerFrame {
    fn from(error: WsError) -> Self {
        ServerFrame::Error(error.into())
    }
}

impl OutgoingFrame for ServerFrame {
    fn is_error(&self) -> bool {
        matches!(self, ServerFrame::Error(_))
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
        let status = ServerFrame::Status {
            space: "s".into(),
            status: "available",
            reason: None,
        };
        assert_eq!(
            json_of(&status),
            json!({"type": "status", "space": "s", "status": "available"})
        );
        let ended = ServerFrame::Ended {
            conversation: "c".into(),
            reason: "agent_ended",
        };
        assert_eq!(
            json_of(&ended),
            json!({"type": "ended", "conversation": "c", "reason": "agent_ended"})
        );
    }

    #[test]
    fn an_error_names_what_it_answers_only_when_it_answers_something() {
        let plain = ServerFrame::from(WsError::HelloRequired);
        assert_eq!(json_of(&plain)["code"], "hello_required");
        assert_eq!(json_of(&plain).as_object().unwrap().len(), 3);
        let refused = ServerFrame::from(
            ErrorFrame::new("conflict", "That conversation is no longer available").offer("o-1"),
        );
        assert_eq!(
            json_of(&refused),
            json!({"type": "error", "code": "conflict",
                   "message": "That conversation is no longer available", "offer_id": "o-1"})
        );
        let send = ErrorFrame::new("unavailable", "retry")
            .conversation("c")
            .client_id("");
        assert_eq!(send.client_id, None, "an empty client id is left out");
    }
}
