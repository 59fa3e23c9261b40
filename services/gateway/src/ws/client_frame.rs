//! Client → server frames of the customer socket, parsed and validated in
//! one step: a [`ClientFrame`] only exists when every field is well formed,
//! and a [`FrameError`] names the field that is not. Unknown extra fields
//! are ignored so newer widgets keep working against older gateways.

use serde_json::{Map, Value};

/// A sender's idempotency key for a message: 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(text: &str) -> Result<Self, FrameError> {
        bounded_label("client_id", text, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short opaque label from a client (an id it chose or was given):
/// 1–`max` characters, none of them control characters.
pub fn bounded_label(field: &str, text: &str, max: usize) -> Result<String, FrameError> {
    let chars = text.chars().count();
    if chars == 0 || chars > max {
        return Err(FrameError::field(
            field,
            format!("must be 1-{max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FrameError::field(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// The text of a chat message: 1–4,000 characters, not only whitespace.
/// Counted in characters (not bytes) of the text as sent; kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub const MAX_CHARS: usize = 4000;

    pub fn parse(text: &str) -> Result<Self, FrameError> {
        if text.trim().is_empty() {
            return Err(FrameError::field("text", "must not be empty"));
        }
        let chars = text.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(FrameError::field(
                "text",
                format!("must be at most 4000 characters (got {chars})"),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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

/// Why a frame was refused; becomes `error {code: "invalid", message}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FrameError(pub String);

impl FrameError {
    pub fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self(format!("{field}: {problem}"))
    }
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

impl ClientFrame {
    /// Parses one text frame.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FrameError(format!("the frame is not valid JSON ({e})")))?;
        let Value::Object(fields) = value else {
            return Err(FrameError("the frame must be a JSON object".into()));
        };
        let kind = match fields.get("type") {
            Some(Value::String(kind)) => kind.as_str(),
            Some(_) => return Err(FrameError::field("type", "must be a string")),
            None => return Err(FrameError::field("type", "is required")),
        };
        match kind {
            "hello" => Ok(ClientFrame::Hello {
                token: optional_token(&fields, "token")?,
                resume: optional_token(&fields, "resume")?,
            }),
            "message" => Ok(ClientFrame::Message {
                client_id: ClientId::parse(required_str(&fields, "client_id")?)?,
                text: MessageText::parse(required_str(&fields, "text")?)?,
            }),
            "typing" => match fields.get("on") {
                Some(Value::Bool(on)) => Ok(ClientFrame::Typing { on: *on }),
                Some(_) => Err(FrameError::field("on", "must be true or false")),
                None => Err(FrameError::field("on", "is required")),
            },
            "request_human" => Ok(ClientFrame::RequestHuman),
            "sign_in" => match optional_token(&fields, "token")? {
                Some(token) => Ok(ClientFrame::SignIn { token }),
                None => Err(FrameError::field("token", "is required")),
            },
            "end" => Ok(ClientFrame::End),
            "transcript" => Ok(ClientFrame::Transcript),
            other => Err(FrameError::field(
                "type",
                format!(
                    "unknown frame type `{}`; expected one of {}",
                    other.chars().take(40).collect::<String>(),
                    CLIENT_FRAME_TYPES.join(", ")
                ),
            )),
        }
    }
}

fn required_str<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, FrameError> {
    match fields.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Null) | None => Err(FrameError::field(name, "is required")),
        Some(_) => Err(FrameError::field(name, "must be a string")),
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

    #[test]
    fn text_must_be_one_to_four_thousand_characters_and_not_blank() {
        assert_eq!(
            MessageText::parse("").unwrap_err().0,
            "text: must not be empty"
        );
        assert_eq!(
            MessageText::parse(" \n\t").unwrap_err().0,
            "text: must not be empty"
        );
        assert!(MessageText::parse(&"a".repeat(4000)).is_ok());
        // Characters, not bytes: 4,000 two-byte characters fit.
        assert!(MessageText::parse(&"é".repeat(4000)).is_ok());
        assert!(
            MessageText::parse(&"a".repeat(4001))
                .unwrap_err()
                .0
                .starts_with("text: must be at most 4000")
        );
    }

    #[test]
    fn a_client_id_must_be_one_to_a_hundred_characters() {
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse(&"x".repeat(100)).is_ok());
        assert!(
            ClientId::parse(&"x".repeat(101))
                .unwrap_err()
                .0
                .starts_with("client_id:")
        );
        assert!(ClientId::parse("a\nb").is_err());
    }
}
