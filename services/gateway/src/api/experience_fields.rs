//! The fields of an experience request: `null` against a missing field, a
//! JSON object, optional ids, the fallback message and the sign-in URL.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::api::validate::{self, clip};
use crate::error::{ApiError, ApiResult};

/// Tells a present `null` (Some(None)) from a missing field (None).
pub fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub fn require_object(body: &Value) -> ApiResult<()> {
    if body.is_object() {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ))
    }
}

/// An optional id field: empty or absent means unset; otherwise it must be
/// an id (in its canonical lowercase form, as stored).
pub fn reference<I: std::str::FromStr + std::fmt::Display>(
    field: &str,
    value: Option<&str>,
) -> ApiResult<String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(String::new()),
        Some(raw) => raw
            .parse::<I>()
            .map(|id| id.to_string())
            .map_err(|_| ApiError::invalid(field, format!("`{}` is not a valid id", clip(raw)))),
    }
}

/// Empty or absent means no sign-in page.
pub fn sign_in_url(value: Option<&str>) -> ApiResult<String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(String::new()),
        Some(url) => validate::sign_in_url("sign_in_url", url),
    }
}

pub fn fallback(text: Option<&str>) -> ApiResult<String> {
    validate::optional_text(
        "fallback_message",
        text.unwrap_or_default(),
        validate::TEXT_MAX,
    )
}
