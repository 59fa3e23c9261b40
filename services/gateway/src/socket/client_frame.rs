//! The rules both sockets' client frames share: a frame is a JSON object
//! whose `type` names it, fields are refused by name ([`FrameError`]), and
//! a message's client id and text are validated the same way wherever they
//! come from. Unknown extra fields are ignored so newer clients keep working
//! against older gateways.

use serde_json::{Map, Value};

/// Why a frame was refused; becomes `error {code: "invalid", message}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FrameError(pub String);

impl FrameError {
    pub fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self(format!("{field}: {problem}"))
    }
}

/// A client frame type: how one text frame becomes a value of it.
pub trait ParseFrame: Sized {
    fn parse(text: &str) -> Result<Self, FrameError>;
}

/// A frame's fields once it is known to be a JSON object, and its `type`.
pub struct Fields {
    pub kind: String,
    pub fields: Map<String, Value>,
}

impl Fields {
    /// Reads the JSON object of one text frame and its `type`.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FrameError(format!("the frame is not valid JSON ({e})")))?;
        let Value::Object(fields) = value else {
            return Err(FrameError("the frame must be a JSON object".into()));
        };
        let kind = match fields.get("type") {
            Some(Value::String(kind)) => kind.clone(),
            Some(_) => return Err(FrameError::field("type", "must be a string")),
            None => return Err(FrameError::field("type", "is required")),
        };
        Ok(Self { kind, fields })
    }

    /// A string field that must be there.
    pub fn required_str(&self, name: &str) -> Result<&str, FrameError> {
        match self.fields.get(name) {
            Some(Value::String(s)) => Ok(s),
            Some(Value::Null) | None => Err(FrameError::field(name, "is required")),
            Some(_) => Err(FrameError::field(name, "must be a string")),
        }
    }

    /// A boolean field that must be there (`typing {on}`).
    pub fn required_bool(&self, name: &str) -> Result<bool, FrameError> {
        match self.fields.get(name) {
            Some(Value::Bool(on)) => Ok(*on),
            Some(_) => Err(FrameError::field(name, "must be true or false")),
            None => Err(FrameError::field(name, "is required")),
        }
    }

    /// The refusal of a `type` this socket does not know.
    pub fn unknown_type(&self, known: &[&str]) -> FrameError {
        FrameError::field(
            "type",
            format!(
                "unknown frame type `{}`; expected one of {}",
                self.kind.chars().take(40).collect::<String>(),
                known.join(", ")
            ),
        )
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_a_json_object_with_a_string_type_is_refused() {
        let error = |text: &str| Fields::parse(text).err().expect("refused").0;
        assert!(error("hello").contains("not valid JSON"));
        assert!(error("[1,2]").contains("JSON object"));
        assert_eq!(error(r#"{"text":"x"}"#), "type: is required");
        assert_eq!(error(r#"{"type":7}"#), "type: must be a string");
    }

    #[test]
    fn an_unknown_type_is_named_and_clipped_next_to_the_known_ones() {
        let long = "x".repeat(100);
        let fields = Fields::parse(&format!(r#"{{"type":"{long}"}}"#)).expect("an object");
        let error = fields.unknown_type(&["hello", "end"]).0;
        assert!(error.starts_with(&format!("type: unknown frame type `{}`", "x".repeat(40))));
        assert!(error.ends_with("expected one of hello, end"));
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
