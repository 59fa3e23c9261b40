//! Bus errors: a small kind that callers match on, plus the source.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// NATS did not answer in time or the connection is down: retry.
    Unavailable,
    /// The payload did not decode: retrying cannot help.
    Decode,
    /// The server refused the request (bad config, limits): retrying cannot help.
    Rejected,
    /// A compare-and-set lost: reload and decide again.
    Conflict,
}

impl ErrorKind {
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Unavailable | ErrorKind::Conflict)
    }
}

#[derive(Debug)]
pub struct BusError {
    kind: ErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl BusError {
    pub fn new(
        kind: ErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bus {:?}: {}", self.kind, self.source)
    }
}

impl std::error::Error for BusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

impl From<prost::DecodeError> for BusError {
    fn from(e: prost::DecodeError) -> Self {
        Self::new(ErrorKind::Decode, e)
    }
}
