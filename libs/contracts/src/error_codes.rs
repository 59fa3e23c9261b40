//! The snake_case error codes that cross a service boundary: in
//! `CommandRejected.code`, `TranscriptPage.error`, `AgentView.error`,
//! `WorkItemPage.error`, `AcceptRefused.code`, and the gateway's HTTP and
//! WebSocket `error {code, message}` bodies. Senders write them and receivers
//! match on them through [`ErrorCode`] only.

use std::fmt;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// One error code; [`ErrorCode::as_str`] is its wire form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The code a wire form names; `None` for an empty or unknown one.
            pub fn parse(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    /// The request breaks a rule; the message names the field.
    Invalid => "invalid",
    /// The thing asked for does not exist (or is not the caller's to see).
    NotFound => "not_found",
    /// A command named a conversation its owner has never seen.
    ConversationNotFound => "conversation_not_found",
    /// A command reached a conversation that has ended.
    ConversationEnded => "conversation_ended",
    /// The state changed meanwhile; read again and retry.
    Conflict => "conflict",
    /// A dependency did not answer; retry shortly.
    Unavailable => "unavailable",
    /// No or a wrong credential.
    Unauthorized => "unauthorized",
    /// A credential that does not allow this.
    Forbidden => "forbidden",
    /// The tenant's edition does not include the feature.
    EditionRequired => "edition_required",
    /// Too many requests; slow down.
    RateLimited => "rate_limited",
    /// A fault of ours.
    Internal => "internal",
    /// The HTTP method is not one the path answers.
    MethodNotAllowed => "method_not_allowed",
    /// A socket frame came before `hello`.
    HelloRequired => "hello_required",
    /// A resume token that does not (or no longer) name a conversation.
    ResumeInvalid => "resume_invalid",
    /// A socket frame that needs a conversation came outside one.
    NotInConversation => "not_in_conversation",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_from_its_wire_form() {
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ErrorCode::parse(""), None);
        assert_eq!(ErrorCode::parse("teapot"), None);
    }

    #[test]
    fn wire_forms_are_snake_case_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(seen.insert(text), "{text} twice");
        }
    }
}
