//! The contract's errors (CONTRACT.md §2), mapped to HTTP in one place. The
//! WebSocket uses the same codes in its `error` frames.

use std::time::Duration;

use axum::Json;
use axum::http::{StatusCode, header};
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
    /// A body that did not arrive in time: code `invalid`, status 408.
    BodyTimeout(String),
    EditionRequired(String),
    Conflict(String),
    /// 429 with `Retry-After` (whole seconds, at least 1).
    RateLimited {
        message: String,
        retry_after: Duration,
    },
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
            ApiError::Invalid(_)
            | ApiError::BadRequest(_)
            | ApiError::PayloadTooLarge(_)
            | ApiError::BodyTimeout(_) => ErrorCode::Invalid.as_str(),
            ApiError::EditionRequired(_) => ErrorCode::EditionRequired.as_str(),
            ApiError::Conflict(_) => ErrorCode::Conflict.as_str(),
            ApiError::RateLimited { .. } => ErrorCode::RateLimited.as_str(),
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
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
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
            | ApiError::BodyTimeout(m)
            | ApiError::EditionRequired(m)
            | ApiError::Conflict(m)
            | ApiError::RateLimited { message: m, .. }
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

    /// 429: `problem`, and when to retry (said in the message too).
    pub fn rate_limited(problem: impl std::fmt::Display, retry_after: Duration) -> Self {
        let retry_after = retry_after_seconds(retry_after);
        ApiError::RateLimited {
            message: format!("{problem}; slow down and retry in {retry_after} s"),
            retry_after: Duration::from_secs(retry_after),
        }
    }
}

/// A wait in the whole seconds `Retry-After` speaks: rounded up, at least 1.
fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
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
        let mut response = (self.status(), Json(body)).into_response();
        if let ApiError::RateLimited { retry_after, .. } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_seconds(retry_after).into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_429_says_when_to_retry_in_whole_seconds() {
        for (wait, seconds) in [(0, "1"), (20, "1"), (1000, "1"), (1001, "2"), (2500, "3")] {
            let error = ApiError::rate_limited("too many", Duration::from_millis(wait));
            assert!(
                error.message().ends_with(&format!("retry in {seconds} s")),
                "{error:?}"
            );
            let response = error.into_response();
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(
                response.headers()[header::RETRY_AFTER],
                seconds,
                "{wait} ms"
            );
        }
    }
}
