//! Client → server frames of the customer socket, parsed and validated in
//! one step: a [`ClientFrame`] only exists when every field is well formed,
//! and a [`FrameError`] names the field that is not. Unknown extra fields
//! are ignored so newer widgets keep working against older gateways.

use serde_json::{Map, Value};

pub use crate::socket::client_frame::{ClientId, FrameError, MessageText, bounded_label};
use crate::socket::client_frame::{Fields, ParseFrame};

/// A frame the customer's widget sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    Hello {
        token: Option<String>,
        resume: Option<String>,
    },
    Message {
        client_id: ClientId,
        text: MessageText,
    },
    Typing {
        on: bool,
    },
    RequestHuman,
    SignIn {
        token: String,
    },
    End,
    Transcript,
}

/// Longest token (identity JWT or resume token) accepted.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

pub const CLIENT_FRAME_TYPES: &[&str] = &[
    "hello",
    "message",
    "typing",
    "request_human",
    "sign_in",
    "end",
    "transcript",
];

impl ParseFrame for ClientFrame {
    fn parse(text: &str) -> Result<Self, FrameError> {
        let frame = Fields::parse(text)?;
        let fields = &frame.fields;
        match frame.kind.as_str() {
            "hello" => Ok(ClientFrame::Hello {
                token: optional_token(fields, "token")?,
                resume: optional_token(fields, "resume")?,
            }),
            "message" => Ok(ClientFrame::Message {
                client_id: ClientId::parse(frame.required_str("client_id")?)?,
                text: MessageText::parse(frame.required_str("text")?)?,
            }),
            "typing" => Ok(ClientFrame::Typing {
                on: frame.required_bool("on")?,
            }),
            "request_human" => Ok(ClientFrame::RequestHuman),
            "sign_in" => match optional_token(fields, "token")? {
                Some(token) => Ok(ClientFrame::SignIn { token }),
                None => Err(FrameError::field("token", "is required")),
            },
            "end" => Ok(ClientFrame::End),
            "transcript" => Ok(ClientFrame::Transcript),
            _ => Err(frame.unknown_type(CLIENT_FRAME_TYPES)),
        }
    }
}

/// An optional token: absent, `null` and `""` all mean none.
fn optional_token(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, FrameError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.len() > MAX_TOKEN_BYTES => {
            Err(FrameError::field(name, "is too long"))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FrameError::field(name, "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        ClientFrame::parse(text).unwrap_err().0
    }

    #[test]
    fn a_hello_may_carry_a_token_and_a_resume_token() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"hello","token":"jwt","resume":null}"#),
            Ok(ClientFrame::Hello {
                token: Some("jwt".into()),
                resume: None
            })
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"hello"}"#),
            Ok(ClientFrame::Hello {
                token: None,
                resume: None
            })
        );
    }

    #[test]
    fn a_message_carries_its_client_id_and_text_as_sent() {
        let frame =
            ClientFrame::parse(r#"{"type":"message","client_id":"c1","text":" hi "}"#).unwrap();
        let ClientFrame::Message { client_id, text } = frame else {
            panic!("not a message")
        };
        assert_eq!(client_id.as_str(), "c1");
        assert_eq!(text.as_str(), " hi ");
    }

    #[test]
    fn text_that_is_not_json_or_not_an_object_is_refused() {
        assert!(error_of("hello").contains("not valid JSON"));
        assert!(error_of("[1,2]").contains("JSON object"));
        assert!(error_of(r#""hello""#).contains("JSON object"));
    }

    #[test]
    fn a_missing_or_unknown_type_is_named() {
        assert_eq!(error_of(r#"{"text":"x"}"#), "type: is required");
        assert!(error_of(r#"{"type":"shout"}"#).starts_with("type: unknown frame type `shout`"));
        assert_eq!(error_of(r#"{"type":7}"#), "type: must be a string");
    }

    #[test]
    fn message_fields_are_named_when_missing_or_of_the_wrong_type() {
        assert_eq!(
            error_of(r#"{"type":"message","text":"x"}"#),
            "client_id: is required"
        );
        assert_eq!(
            error_of(r#"{"type":"message","client_id":"c"}"#),
            "text: is required"
        );
        assert_eq!(
            error_of(r#"{"type":"message","client_id":1,"text":"x"}"#),
            "client_id: must be a string"
        );
        assert_eq!(
            error_of(r#"{"type":"typing","on":"yes"}"#),
            "on: must be true or false"
        );
        assert_eq!(error_of(r#"{"type":"sign_in"}"#), "token: is required");
    }
}
