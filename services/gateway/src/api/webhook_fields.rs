//! Checking and showing webhook subscriptions: the target URL (https, no
//! credentials, no refused address), the event names, the secret, the page
//! parameters, and the JSON an admin sees.

use std::net::IpAddr;

use axum::http::Uri;
use rand::RngCore;
use serde_json::{Value, json};
use switchboard_contracts::v1::{Webhook, WebhookDelivery, WebhookState};
use switchboard_contracts::webhooks::{
    EVENT_TYPES, GENERATED_SECRET_BYTES, forbidden_address, format_secret, parse_secret,
};

use crate::api::render::rfc3339_ms;
use crate::api::validate;
use crate::error::{ApiError, ApiResult};

/// The longest URL accepted.
pub const MAX_URL: usize = 2048;
/// The page size bounds of CONTRACT §2.
pub const MAX_LIMIT: u32 = 200;
pub const DEFAULT_LIMIT: u32 = 50;

/// A subscription's target: https (or http where private targets are
/// allowed), a host, no user or password, and, unless private targets are
/// allowed, no literal loopback, private, link-local, unique-local,
/// unspecified or multicast address (names are checked again, resolved, at
/// every delivery).
pub fn url(raw: &str, allow_private: bool) -> ApiResult<String> {
    let field = |problem: String| ApiError::invalid("url", problem);
    let trimmed = raw.trim();
    if trimmed.len() > MAX_URL {
        return Err(field(format!("is longer than {MAX_URL} characters")));
    }
    let uri: Uri = trimmed
        .parse()
        .map_err(|_| field(format!("`{}` is not a URL", validate::clip(trimmed))))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_private => {}
        Some("http") => return Err(field("must be an https URL".into())),
        _ => return Err(field("must be an https URL".into())),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| field("names no host".into()))?;
    if authority.as_str().contains('@') {
        return Err(field("must not carry a user name or password".into()));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err(field("names no host".into()));
    }
    if !allow_private {
        let lower = host.to_ascii_lowercase();
        if lower == "localhost" || lower.ends_with(".localhost") {
            return Err(field(format!(
                "`{host}` is a loopback host; loopback and private targets are refused"
            )));
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && let Some(why) = forbidden_address(ip)
        {
            return Err(field(format!(
                "`{host}` is a {why} address; loopback and private targets are refused"
            )));
        }
    }
    Ok(trimmed.to_owned())
}

/// The event names: at least one, each known; repeats dropped.
pub fn events(names: &[String]) -> ApiResult<Vec<String>> {
    if names.is_empty() {
        return Err(ApiError::invalid(
            "events",
            format!("name at least one of {}", EVENT_TYPES.join(", ")),
        ));
    }
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !EVENT_TYPES.contains(&n.as_str()))
        .map(|n| format!("`{}`", validate::clip(n)))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            "events",
            format!(
                "unknown {} {}; known: {}",
                if unknown.len() == 1 {
                    "event"
                } else {
                    "events"
                },
                unknown.join(", "),
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    let mut kept: Vec<String> = Vec::new();
    for name in names {
        if !kept.contains(name) {
            kept.push(name.clone());
        }
    }
    Ok(kept)
}

/// The given `whsec_…` secret, checked, or a new random one.
pub fn secret(given: Option<&str>) -> ApiResult<String> {
    match given {
        Some(text) => {
            parse_secret(text).map_err(|e| ApiError::invalid("secret", e))?;
            Ok(text.to_owned())
        }
        None => {
            let mut key = [0u8; GENERATED_SECRET_BYTES];
            rand::rng().fill_bytes(&mut key);
            Ok(format_secret(&key))
        }
    }
}

/// `limit`: 1 to 200, 50 when absent.
pub fn limit(given: Option<&str>) -> ApiResult<u32> {
    match given.filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", format!("must be 1 to {MAX_LIMIT}"))),
    }
}

/// Whether a recorded pause still holds: an admin's resume raises the
/// record's generation past the one the pause was recorded at.
pub fn is_paused(hook: &Webhook, state: Option<&WebhookState>) -> bool {
    state.is_some_and(|s| s.paused && s.generation >= hook.generation)
}

/// A subscription as admins see it (never its secret). `state` is `None`
/// when the webhook service did not answer: the status is then `unknown`
/// unless an admin switched it off.
pub fn webhook_json(hook: &Webhook, state: Option<Option<&WebhookState>>) -> Value {
    let paused = state.is_some_and(|s| is_paused(hook, s));
    let status = match (hook.disabled, state, paused) {
        (true, _, _) => "disabled",
        (false, None, _) => "unknown",
        (false, Some(_), true) => "paused",
        (false, Some(_), false) => "active",
    };
    let pause = state.flatten().filter(|_| paused);
    json!({
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "active": !hook.disabled,
        "status": status,
        "paused_reason": pause.map(|s| s.paused_reason.clone()),
        "paused_at": pause.map(|s| rfc3339_ms(s.paused_at_ms)),
        "consecutive_failures": state.flatten().map_or(0, |s| s.consecutive_failures),
        "created_at": rfc3339_ms(hook.created_at_ms),
    })
}

/// One entry of the delivery log.
pub fn delivery_json(delivery: &WebhookDelivery) -> Value {
    json!({
        "id": delivery.id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": (delivery.response_status != 0).then_some(delivery.response_status),
        "response_excerpt": delivery.response_excerpt,
        "error": (!delivery.error.is_empty()).then_some(delivery.error.as_str()),
        "conversation": (!delivery.conversation.is_empty()).then_some(delivery.conversation.as_str()),
        "created_at": rfc3339_ms(delivery.created_at_ms),
        "updated_at": rfc3339_ms(delivery.updated_at_ms),
        "next_attempt_at": (delivery.next_attempt_at_ms > 0).then(|| rfc3339_ms(delivery.next_attempt_at_ms)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_must_be_https_with_a_host_and_no_refused_address() {
        assert!(url("https://hooks.example.com/in?x=1", false).is_ok());
        for (bad, says) in [
            ("http://hooks.example.com/", "https"),
            ("ftp://hooks.example.com/", "https"),
            ("not a url", "not a URL"),
            ("https://user:pw@hooks.example.com/", "user name"),
            ("https://127.0.0.1/", "loopback"),
            ("https://[::1]:8443/", "loopback"),
            ("https://10.0.0.5/", "private"),
            ("https://169.254.169.254/latest", "link-local"),
            ("https://[fd00::1]/", "unique-local"),
            ("https://0.0.0.0/", "unspecified"),
            ("https://localhost:9000/", "loopback"),
        ] {
            let error = url(bad, false).unwrap_err().message().to_owned();
            assert!(
                error.starts_with("url: ") && error.contains(says),
                "{bad}: {error}"
            );
        }
        assert!(url("http://127.0.0.1:9000/hook", true).is_ok());
    }

    #[test]
    fn events_must_be_known_and_at_least_one() {
        assert_eq!(
            events(&["message.created".into(), "message.created".into()]).unwrap(),
            ["message.created"]
        );
        let error = events(&[]).unwrap_err().message().to_owned();
        assert!(error.starts_with("events: name at least one"), "{error}");
        let error = events(&[
            "message.created".into(),
            "message.deleted".into(),
            "x".into(),
        ])
        .unwrap_err()
        .message()
        .to_owned();
        assert!(
            error.contains("unknown events `message.deleted`, `x`"),
            "{error}"
        );
    }

    #[test]
    fn a_secret_is_generated_or_checked() {
        let made = secret(None).unwrap();
        assert_eq!(parse_secret(&made).unwrap().len(), GENERATED_SECRET_BYTES);
        let error = secret(Some("hunter2")).unwrap_err().message().to_owned();
        assert!(
            error.starts_with("secret: must start with `whsec_`"),
            "{error}"
        );
    }

    #[test]
    fn a_pause_holds_until_the_generation_rises() {
        let mut hook = Webhook {
            generation: 1,
            ..Default::default()
        };
        let state = WebhookState {
            paused: true,
            generation: 1,
            ..Default::default()
        };
        assert!(is_paused(&hook, Some(&state)));
        assert_eq!(webhook_json(&hook, Some(Some(&state)))["status"], "paused");
        hook.generation = 2;
        assert!(!is_paused(&hook, Some(&state)));
        assert_eq!(webhook_json(&hook, Some(Some(&state)))["status"], "active");
        assert_eq!(webhook_json(&hook, None)["status"], "unknown");
    }
}
