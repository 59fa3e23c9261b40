//! The rules, as plain code with time and ids passed in.
//!
//! | module | what |
//! |---|---|
//! | [`mapping`] | which webhook events a conversation event makes, and their data |
//! | [`sign`] | the Standard Webhooks signature and the `webhook-id` of a delivery |
//! | [`work_items`] | which webhook event a work-item change makes |
//! | [`retry`] | when a failed delivery is tried again, and when a subscription pauses |

pub mod mapping;
pub mod retry;
pub mod sign;
pub mod work_items;

use time::OffsetDateTime;
use time::macros::format_description;

/// An epoch millisecond as RFC 3339 UTC with milliseconds, as the API
/// writes times.
pub fn rfc3339_ms(epoch_ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}
