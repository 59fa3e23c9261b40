//! Errors by layer: a [`StoreError`] says whether retrying can help, and a
//! [`StartError`] is why the service could not start (the service kit's).

/// What a caller should do about a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database did not answer or a transaction lost a race: retry.
    Unavailable,
    /// A stored row does not map: retrying cannot help.
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
    #[error("stored row does not match: {0}")]
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
