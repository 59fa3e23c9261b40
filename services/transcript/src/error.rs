//! Errors by layer. A [`Refusal`] is an answer (the sender is told its code),
//! a [`StoreError`] says whether retrying can help, and a [`StartError`] is
//! why the service could not start (the service kit's).

use switchboard_contracts::error_codes::ErrorCode;

/// Why a command was refused. Its [`Refusal::code`] goes back to the sender
/// in a `CommandRejected` event; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the conversation does not exist")]
    ConversationNotFound,
    #[error("the conversation has ended")]
    ConversationEnded,
    /// The command lost a race the owner settles: a second agent's accept,
    /// a return to the AI after an accept, another customer's sign-in.
    #[error("{0}")]
    Conflict(String),
    /// The command is well formed protobuf but breaks a rule; the text names
    /// the field.
    #[error("{0}")]
    Invalid(String),
    /// An agent's message into a conversation that agent does not hold:
    /// whoever sent it, the owner does not take the sender's word for it.
    #[error("{0}")]
    NotAssignee(String),
}

impl Refusal {
    /// The snake_case code senders match on.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::ConversationNotFound => ErrorCode::ConversationNotFound.as_str(),
            Refusal::ConversationEnded => ErrorCode::ConversationEnded.as_str(),
            Refusal::Conflict(_) => ErrorCode::Conflict.as_str(),
            Refusal::Invalid(_) => ErrorCode::Invalid.as_str(),
            Refusal::NotAssignee(_) => ErrorCode::Forbidden.as_str(),
        }
    }
}

/// What a caller should do about a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The command was refused: tell the sender, do not retry.
    Refused,
    /// The database did not answer or a transaction lost a race: retry.
    Unavailable,
    /// A stored row does not map to the contract: retrying cannot help.
    Corrupt,
    /// The database URL or the migrations are wrong: retrying cannot help.
    Misconfigured,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot open the database: {0}")]
    Open(#[from] switchboard_db::DbError),
    #[error("stored row does not match the contract: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Refused(_) => StoreErrorKind::Refused,
            StoreError::Database(_) | StoreError::Open(switchboard_db::DbError::Sqlx(_)) => {
                StoreErrorKind::Unavailable
            }
            StoreError::Open(_) => StoreErrorKind::Misconfigured,
            StoreError::Corrupt(_) => StoreErrorKind::Corrupt,
        }
    }
}

/// Why [`crate::server::start`] failed: the kit's start error.
pub use switchboard_bus::service::StartError;
