//! Parsing client frames, and what the session says before `hello`.

use std::time::Instant;

use switchboard_contracts::v1::Availability;

use super::*;
use crate::agent_ws::client_frame::AgentClientFrame;
use crate::error::ApiError;
use crate::socket::client_frame::ParseFrame;

fn error_of(text: &str) -> String {
    AgentClientFrame::parse(text).unwrap_err().0
}

#[test]
fn set_status_takes_available_or_unavailable_and_an_optional_space() {
    let space = SpaceId::new();
    let frame = AgentClientFrame::parse(&format!(
        r#"{{"type":"set_status","status":"available","space":"{space}"}}"#
    ));
    assert_eq!(
        frame,
        Ok(AgentClientFrame::SetStatus {
            status: Availability::Available,
            space: Some(space)
        })
    );
    assert_eq!(
        AgentClientFrame::parse(r#"{"type":"set_status","status":"unavailable"}"#),
        Ok(AgentClientFrame::SetStatus {
            status: Availability::Unavailable,
            space: None
        })
    );
    assert_eq!(
        error_of(r#"{"type":"set_status","status":"away"}"#),
        "status: must be `available` or `unavailable`"
    );
    assert_eq!(
        error_of(r#"{"type":"set_status","status":"available","space":"billing"}"#),
        "space: is not a space id"
    );
    assert_eq!(error_of(r#"{"type":"set_status"}"#), "status: is required");
}

#[test]
fn conversation_frames_name_a_missing_or_malformed_field() {
    assert_eq!(
        error_of(r#"{"type":"message","client_id":"c","text":"hi"}"#),
        "conversation: is required"
    );
    assert_eq!(
        error_of(r#"{"type":"end","conversation":"nope"}"#),
        "conversation: is not a conversation id"
    );
    let c = ConversationId::new();
    assert_eq!(
        error_of(&format!(
            r#"{{"type":"message","conversation":"{c}","client_id":"c","text":"  "}}"#
        )),
        "text: must not be empty"
    );
    let long = "a".repeat(4001);
    assert!(
        error_of(&format!(
            r#"{{"type":"message","conversation":"{c}","client_id":"c","text":"{long}"}}"#
        ))
        .starts_with("text: must be at most 4000")
    );
    assert_eq!(
        error_of(&format!(r#"{{"type":"typing","conversation":"{c}"}}"#)),
        "on: is required"
    );
    assert_eq!(error_of(r#"{"type":"accept"}"#), "offer_id: is required");
    assert!(error_of(r#"{"type":"request_human"}"#).starts_with("type: unknown frame type"));
}

#[test]
fn the_token_is_never_shown_in_debug_output() {
    let frame = AgentClientFrame::parse(r#"{"type":"hello","token":"sb_agent_secret"}"#).unwrap();
    assert!(!format!("{frame:?}").contains("secret"));
}

#[test]
fn frames_before_hello_get_hello_required_and_bad_json_gets_invalid() {
    let mut s = AgentSession::new(1000, Instant::now());
    let c = ConversationId::new();
    let effects = s.on_client_text(&format!(r#"{{"type":"end","conversation":"{c}"}}"#), now());
    assert_eq!(error_code(&effects).as_deref(), Some("hello_required"));
    assert_eq!(
        error_code(&s.on_client_text("{", now())).as_deref(),
        Some("invalid")
    );
    let effects = s.on_client_text(r#"{"type":"hello"}"#, now());
    assert_eq!(error_code(&effects).as_deref(), Some("unauthorized"));
}

#[test]
fn a_refused_token_leaves_the_socket_waiting_for_a_valid_hello() {
    let mut s = AgentSession::new(1000, Instant::now());
    s.on_client_text(r#"{"type":"hello","token":"wrong"}"#, now());
    let refused = s.on_authenticated(Err(ApiError::Unauthorized("token: not valid".into())));
    assert_eq!(error_code(&refused).as_deref(), Some("unauthorized"));
    assert!(s.identity().is_none());
    let again = s.on_client_text(r#"{"type":"hello","token":"right"}"#, now());
    assert!(matches!(again[..], [Effect::Authenticate(_)]));
}

#[test]
fn a_second_hello_after_the_welcome_is_invalid() {
    let mut s = welcomed();
    let effects = s.on_client_text(r#"{"type":"hello","token":"t"}"#, now());
    assert_eq!(error_code(&effects).as_deref(), Some("invalid"));
}

#[test]
fn frames_beyond_the_rate_are_dropped_with_rate_limited() {
    let mut s = AgentSession::new(1, Instant::now());
    let at = now();
    for _ in 0..2 {
        s.on_client_text(r#"{"type":"hello"}"#, at);
    }
    let effects = s.on_client_text(r#"{"type":"hello"}"#, at);
    assert_eq!(error_code(&effects).as_deref(), Some("rate_limited"));
}
