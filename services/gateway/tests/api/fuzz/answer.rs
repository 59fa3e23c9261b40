//! What every answer of a fuzzed request must be: a success with a JSON
//! object (or no content), or the contract's error. Never a 5xx; every 4xx
//! is `{"error": {"code", "message"}}` with a known code and a message; a
//! 400 or 422 names what is at fault.

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use switchboard_contracts::error_codes::ErrorCode;

/// What a refusal may name: the `names` of the request's fields or
/// parameters, first thing, or the request part as a whole (`whole`).
pub struct Namable<'a> {
    pub names: &'a [String],
    pub whole: &'a [&'a str],
}

pub fn check(
    status: StatusCode,
    answer: &Value,
    what: &str,
    namable: &Namable<'_>,
) -> Result<(), TestCaseError> {
    prop_assert!(!status.is_server_error(), "{what}");
    if status.is_client_error() {
        let code = answer["error"]["code"].as_str().unwrap_or_default();
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        prop_assert!(ErrorCode::parse(code).is_some(), "unknown code: {what}");
        prop_assert!(!message.is_empty(), "no message: {what}");
        if matches!(status.as_u16(), 400 | 422) {
            prop_assert!(names_the_problem(message, namable), "names nothing: {what}");
        }
    } else if status != StatusCode::NO_CONTENT {
        prop_assert!(answer.is_object(), "{what}");
    }
    Ok(())
}

/// A refusal names one of the fields first thing (`name: ...`,
/// `knowledge[2].answer: ...`, `status cannot move ...`), the part as a
/// whole, or the field it does not know (`x: unknown field `x`, ...`).
fn names_the_problem(message: &str, namable: &Namable<'_>) -> bool {
    let field = namable.names.iter().any(|f| {
        message
            .strip_prefix(f.as_str())
            .is_some_and(|rest| rest.starts_with([':', ' ', '.', '[']))
    });
    // serde names an unknown field in the problem itself.
    let unknown = message.contains("unknown field `");
    let whole = namable.whole.iter().any(|w| message.starts_with(w));
    field || unknown || whole
}
