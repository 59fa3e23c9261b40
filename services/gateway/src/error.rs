//! The contract's errors (CONTRACT.md §2), mapped to HTTP in one place. The
//! WebSocket uses the same codes in its `error` frames.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_bus::config::EditError;
use switchboard_contracts::error_codes::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    /// 422 by default; the message names the field.
    Invalid(String),
    /// Malformed JSON or a body of the wrong shape: 400.
    BadRequest(String),
    /// A body over the size limit: code `invalid`, status 413.
    PayloadTooLarge(String),
    EditionRequired(String),
    Conflict(String),
    RateLimited(String),
    /// The bus or another service did not answer: 503, retry.
    Unavailable(String),
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized.as_str(),
            ApiError::Forbidden(_) => ErrorCode::Forbidden.as_str(),
            ApiError::NotFound(_) => ErrorCode::NotFound.as_str(),
            ApiError::Invalid(_) | ApiError::BadRequest(_) | ApiError::PayloadTooLarge(_) => {
                ErrorCode::Invalid.as_str()
            }
            ApiError::EditionRequired(_) => ErrorCode::EditionRequired.as_str(),
            ApiError::Conflict(_) => ErrorCode::Conflict.as_str(),
            ApiError::RateLimited(_) => ErrorCode::RateLimited.as_str(),
            ApiError::Unavailable(_) => ErrorCode::Unavailable.as_str(),
            ApiError::Internal(_) => ErrorCode::Internal.as_str(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::EditionRequired(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Invalid(m)
            | ApiError::BadRequest(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::EditionRequired(m)
            | ApiError::Conflict(m)
            | ApiError::RateLimited(m)
            | ApiError::Unavailable(m)
            | ApiError::Internal(m) => m,
        }
    }

    pub fn invalid(field: &str, problem: impl std::fmt::Display) -> Self {
        ApiError::Invalid(format!("{field}: {problem}"))
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }
}

/// What a client hears when another request changed the same record first.
const CHANGED_MEANWHILE: &str = "another request changed this at the same time";

impl From<switchboard_bus::BusError> for ApiError {
    fn from(error: switchboard_bus::BusError) -> Self {
        if error.kind() == switchboard_bus::ErrorKind::Conflict {
            tracing::info!(%error, "a configuration write lost to another");
            return ApiError::Conflict(format!("{CHANGED_MEANWHILE}; reload it and try again"));
        }
        tracing::warn!(%error, "bus error behind a request");
        ApiError::Unavailable("the service is temporarily unavailable; retry shortly".into())
    }
}

/// An edit of a configuration record ([`ConfigCache::update`]): the edit's
/// own refusal as it is; a refusal of a record another request changed
/// meanwhile, or a record that kept changing, is a conflict (409).
///
/// [`ConfigCache::update`]: switchboard_bus::config::ConfigCache::update
impl From<EditError<ApiError>> for ApiError {
    fn from(error: EditError<ApiError>) -> Self {
        match error {
            EditError::Refused(error) => error,
            EditError::Outdated(error) => ApiError::Conflict(format!(
                "{CHANGED_MEANWHILE} and this change no longer applies: {}",
                error.message()
            )),
            EditError::Missing(_) => {
                ApiError::NotFound("not found: another request deleted it meanwhile".into())
            }
            EditError::Contended(_) => {
                ApiError::Conflict(format!("{CHANGED_MEANWHILE}; reload it and try again"))
            }
            EditError::Bus(error) => error.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code(), "message": self.message()}});
        (self.status(), Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
