//! The error codes both sockets answer a frame with. Codes shared with the
//! HTTP API come from [`ApiError`], so the sockets and the API speak the
//! same vocabulary; the rest are the socket protocol's own (CONTRACT.md §3).

use crate::error::ApiError;
use switchboard_contracts::error_codes::ErrorCode;

/// Why a socket answered a frame with `error`.
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
    /// The conversation's owner refused a command of this socket. An empty
    /// code or message is named here all the same: no error frame goes out
    /// without both.
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
        WsError::Api(ApiError::RateLimited {
            message: "too many frames; this one was dropped, slow down".into(),
            retry_after: std::time::Duration::from_secs(1),
        })
    }

    pub fn code(&self) -> &str {
        match self {
            WsError::Api(error) => error.code(),
            WsError::HelloRequired => ErrorCode::HelloRequired.as_str(),
            WsError::ResumeInvalid(_) => ErrorCode::ResumeInvalid.as_str(),
            WsError::NotInConversation | WsError::FirstMessageNeeded => {
                ErrorCode::NotInConversation.as_str()
            }
            WsError::Rejected { code, .. } if code.is_empty() => ErrorCode::Internal.as_str(),
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
            WsError::Rejected { message, .. } if message.is_empty() => format!(
                "the conversation refused the command without saying why ({})",
                self.code()
            ),
            WsError::Rejected { message, .. } => message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_api_or_the_socket_protocol() {
        assert_eq!(WsError::invalid("x").code(), "invalid");
        assert_eq!(WsError::HelloRequired.code(), "hello_required");
        assert_eq!(WsError::rate_limited().code(), "rate_limited");
        assert!(
            WsError::ResumeInvalid("the conversation has ended".into())
                .message()
                .contains("next message starts a new conversation")
        );
    }

    #[test]
    fn a_refusal_that_names_nothing_is_named_all_the_same() {
        let unnamed = WsError::Rejected {
            code: String::new(),
            message: String::new(),
        };
        assert_eq!(unnamed.code(), "internal");
        assert!(unnamed.message().contains("without saying why (internal)"));
        let named = WsError::Rejected {
            code: "conflict".into(),
            message: "taken".into(),
        };
        assert_eq!(
            (named.code(), named.message().as_str()),
            ("conflict", "taken")
        );
    }
}
