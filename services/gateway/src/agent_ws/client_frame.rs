//! Client → server frames of the agent socket, parsed and validated in one
//! step: an [`AgentClientFrame`] only exists when every field is well formed,
//! and a [`FrameError`] names the field that is not. The message text and
//! client id rules are the customer socket's, shared through its types.
//! Unknown extra fields are ignored so newer consoles keep working.

use serde_json::{Map, Value};
use switchboard_contracts::ids::{ConversationId, OfferId, SpaceId};
use switchboard_contracts::v1::Availability;

pub use crate::socket::client_frame::{ClientId, FrameError, MessageText};
use crate::socket::client_frame::{Fields, ParseFrame, bounded_label};

/// The agent's bearer token. Never logged: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// An offer id as the router made it ([`OfferId`]'s form, checked here so
/// a malformed one is answered at once instead of reaching the router as an
/// input it can only park). Whether the offer exists is the router's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRef(String);

impl OfferRef {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let text = bounded_label("offer_id", text, Self::MAX_CHARS)?;
        let offer: OfferId = text
            .parse()
            .map_err(|_| FrameError::field("offer_id", "is not an offer id"))?;
        Ok(Self(offer.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A frame the agent console sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentClientFrame {
    Hello {
        token: Option<Token>,
    },
    /// `space: None` means every space of the agent.
    SetStatus {
        status: Availability,
        space: Option<SpaceId>,
    },
    Accept {
        offer_id: OfferRef,
    },
    Decline {
        offer_id: OfferRef,
    },
    Message {
        conversation: ConversationId,
        client_id: ClientId,
        text: MessageText,
    },
    Typing {
        conversation: ConversationId,
        on: bool,
    },
    End {
        conversation: ConversationId,
    },
    Transcript {
        conversation: ConversationId,
    },
}

/// Longest bearer token accepted.
const MAX_TOKEN_BYTES: usize = 1024;

pub const AGENT_FRAME_TYPES: &[&str] = &[
    "hello",
    "set_status",
    "accept",
    "decline",
    "message",
    "typing",
    "end",
    "transcript",
];

impl ParseFrame for AgentClientFrame {
    fn parse(text: &str) -> Result<Self, FrameError> {
        let frame = Fields::parse(text)?;
        let f = &frame.fields;
        match frame.kind.as_str() {
            "hello" => Ok(Self::Hello { token: token(f)? }),
            "set_status" => Ok(Self::SetStatus {
                status: status(&frame)?,
                space: space(f)?,
            }),
            "accept" => Ok(Self::Accept {
                offer_id: OfferRef::parse(frame.required_str("offer_id")?)?,
            }),
            "decline" => Ok(Self::Decline {
                offer_id: OfferRef::parse(frame.required_str("offer_id")?)?,
            }),
            "message" => Ok(Self::Message {
                conversation: conversation(&frame)?,
                client_id: ClientId::parse(frame.required_str("client_id")?)?,
                text: MessageText::parse(frame.required_str("text")?)?,
            }),
            "typing" => Ok(Self::Typing {
                conversation: conversation(&frame)?,
                on: frame.required_bool("on")?,
            }),
            "end" => Ok(Self::End {
                conversation: conversation(&frame)?,
            }),
            "transcript" => Ok(Self::Transcript {
                conversation: conversation(&frame)?,
            }),
            _ => Err(frame.unknown_type(AGENT_FRAME_TYPES)),
        }
    }
}

fn conversation(frame: &Fields) -> Result<ConversationId, FrameError> {
    frame
        .required_str("conversation")?
        .parse()
        .map_err(|_| FrameError::field("conversation", "is not a conversation id"))
}

/// Absent, `null` and `""` all mean no token; the session answers that
/// with `unauthorized`, like a wrong one.
fn token(fields: &Map<String, Value>) -> Result<Option<Token>, FrameError> {
    match fields.get("token") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.len() > MAX_TOKEN_BYTES => {
            Err(FrameError::field("token", "is too long"))
        }
        Some(Value::String(s)) => Ok(Some(Token(s.trim().to_owned()))),
        Some(_) => Err(FrameError::field("token", "must be a string")),
    }
}

fn status(frame: &Fields) -> Result<Availability, FrameError> {
    match frame.required_str("status")? {
        "available" => Ok(Availability::Available),
        "unavailable" => Ok(Availability::Unavailable),
        _ => Err(FrameError::field(
            "status",
            "must be `available` or `unavailable`",
        )),
    }
}

/// An absent or `null` space means all of the agent's spaces.
fn space(fields: &Map<String, Value>) -> Result<Option<SpaceId>, FrameError> {
    match fields.get("space") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| FrameError::field("space", "is not a space id")),
        Some(_) => Err(FrameError::field("space", "must be a string")),
    }
}
