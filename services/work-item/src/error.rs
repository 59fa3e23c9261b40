//! Errors by layer. A [`Refusal`] is an answer (the caller gets its code and
//! message, nothing changed), a [`StoreError`] says whether retrying can
//! help, and a [`StartError`] is why the service could not start (the
//! service kit's).

use switchboard_contracts::error_codes::ErrorCode;

/// Why a work-item request was refused. [`Refusal::code`] and the message go
/// back in `WorkItemPage.error` / `.message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such item for this tenant (or outside the caller's spaces).
    #[error("no such work item")]
    NotFound,
    /// The request breaks a rule; the text names the field or transition.
    #[error("{0}")]
    Invalid(String),
    /// The item kept changing under the update.
    #[error("{0}")]
    Conflict(String),
}

impl Refusal {
    /// The snake_case code callers match on.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotFound => ErrorCode::NotFound.as_str(),
            Refusal::Invalid(_) => ErrorCode::Invalid.as_str(),
            Refusal::Conflict(_) => ErrorCode::Conflict.as_str(),
        }
    }
}

/// What a caller should do about a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database did not answer or a transaction lost a race: retry.
    Unavailable,
    /// A stored row does not map to the contract: retrying cannot help.
    Corrupt,
    /// The database URL or the migrations are wrong: retrying cannot help.
    Misconfigured,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
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
