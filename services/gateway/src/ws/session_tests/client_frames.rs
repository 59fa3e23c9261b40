//! Client frames: hello, messages, validation, sign-in, rate limit, request for a person.

use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{Access, Role, SupportMode};

use super::*;
use crate::ws::server_frame::ServerFrame;
use crate::ws::session::{CustomerSession, Effect};

#[test]
fn a_frame_before_hello_is_answered_hello_required() {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    let effects = s.on_client_text(r#"{"type":"message","client_id":"c","text":"hi"}"#, now());
    assert_eq!(error_code(&effects).as_deref(), Some("hello_required"));
    assert_eq!(publishes(&effects), 0);
}

#[test]
fn hello_welcomes_an_anonymous_customer_as_a_guest() {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    let effects = s.on_client_text(r#"{"type":"hello"}"#, now());
    assert_eq!(
        frames(&effects),
        vec![&ServerFrame::Welcome {
            signed_in: false,
            support_mode: "ai_agent",
            sign_in_url: None,
        }]
    );
    let customer = s.customer.as_ref().unwrap();
    assert!(customer.key.starts_with("anon:"));
    assert_eq!(customer.name, "Guest");
}

#[test]
fn the_welcome_names_the_experiences_sign_in_page_when_it_has_one() {
    let mut s = session(SupportMode::AiAndTeam, Access::Open);
    s.ctx.sign_in_url = "https://shop.example.com/sign-in".into();
    let effects = s.on_client_text(r#"{"type":"hello"}"#, now());
    assert_eq!(
        frames(&effects),
        vec![&ServerFrame::Welcome {
            signed_in: false,
            support_mode: "ai_and_team",
            sign_in_url: Some("https://shop.example.com/sign-in".into()),
        }]
    );
}

#[test]
fn a_bad_identity_token_refuses_the_hello_and_a_valid_one_is_accepted_after() {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    let effects = s.on_client_text(r#"{"type":"hello","token":"not-a-jwt"}"#, now());
    assert_eq!(error_code(&effects).as_deref(), Some("unauthorized"));
    assert!(s.customer.is_none());
    let hello = format!(r#"{{"type":"hello","token":"{}"}}"#, identity("c-1"));
    let effects = s.on_client_text(&hello, now());
    assert_eq!(
        frames(&effects),
        vec![&ServerFrame::Welcome {
            signed_in: true,
            support_mode: "ai_agent",
            sign_in_url: None,
        }]
    );
}

#[test]
fn the_first_message_subscribes_announces_the_conversation_and_then_posts() {
    let mut s = greeted();
    let effects = s.on_client_text(
        r#"{"type":"message","client_id":"c1","text":"hello"}"#,
        now(),
    );
    let id = s.attached().unwrap().id;
    assert_eq!(effects[0], Effect::Attach(id));
    assert!(matches!(
        &effects[1],
        Effect::Send(ServerFrame::Conversation { state: "ai", .. })
    ));
    let Effect::Publish(command) = &effects[2] else {
        panic!("third effect is not a publish")
    };
    assert_eq!(command.command_id, format!("post:{id}:c1"));
    let Some(Command::Post(post)) = &command.command else {
        panic!("not a post")
    };
    assert_eq!(post.text, "hello");
    assert_eq!(post.author.as_ref().unwrap().role(), Role::Customer);
    assert!(post.start.is_some(), "posts always carry start");

    let effects = s.on_client_text(
        r#"{"type":"message","client_id":"c2","text":"again"}"#,
        now(),
    );
    assert_eq!(effects.len(), 1, "an attached socket only publishes");
    assert_eq!(s.attached().unwrap().id, id);
}

#[test]
fn bad_frames_are_named_and_change_nothing() {
    let mut s = greeted();
    for frame in [
        "{not json",
        r#"{"type":"shout"}"#,
        r#"{"type":"message","client_id":"c","text":""}"#,
        r#"{"type":"message","client_id":"c","text":"   "}"#,
    ] {
        let effects = s.on_client_text(frame, now());
        assert_eq!(error_code(&effects).as_deref(), Some("invalid"), "{frame}");
        assert_eq!(publishes(&effects), 0);
    }
    let long = format!(
        r#"{{"type":"message","client_id":"c","text":"{}"}}"#,
        "a".repeat(4001)
    );
    assert_eq!(
        error_code(&s.on_client_text(&long, now())).as_deref(),
        Some("invalid")
    );
    assert!(s.attached().is_none());
}

#[test]
fn a_frame_over_sixteen_kib_is_refused_as_too_large() {
    let mut s = greeted();
    let frame = format!(
        r#"{{"type":"typing","on":true,"pad":"{}"}}"#,
        "x".repeat(17 * 1024)
    );
    let effects = s.on_client_text(&frame, now());
    let [ServerFrame::Error { code, message }] = frames(&effects)[..] else {
        panic!("one error frame")
    };
    assert_eq!(code, "invalid");
    assert!(message.contains("too large"));
}

#[test]
fn signed_in_access_asks_an_anonymous_customer_to_sign_in() {
    let mut s = session(SupportMode::AiAgent, Access::SignedIn);
    s.on_client_text(r#"{"type":"hello"}"#, now());
    let effects = s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    assert_eq!(frames(&effects), vec![&ServerFrame::SignInRequired {}]);
    assert!(s.attached().is_none());
    let sign_in = format!(r#"{{"type":"sign_in","token":"{}"}}"#, identity("c-9"));
    assert_eq!(
        frames(&s.on_client_text(&sign_in, now())),
        vec![&ServerFrame::Welcome {
            signed_in: true,
            support_mode: "ai_agent",
            sign_in_url: None,
        }]
    );
    assert_eq!(
        publishes(&s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now())),
        1
    );
}

#[test]
fn asking_for_a_person_in_ai_agent_mode_posts_the_next_steps_as_the_ai() {
    let mut s = greeted();
    assert_eq!(
        error_code(&s.on_client_text(r#"{"type":"request_human"}"#, now())).as_deref(),
        Some("not_in_conversation")
    );
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    let effects = s.on_client_text(r#"{"type":"request_human"}"#, now());
    let [Effect::Publish(command)] = &effects[..] else {
        panic!("one post")
    };
    let Some(Command::Post(post)) = &command.command else {
        panic!("not a post")
    };
    assert_eq!(post.text, "Email us.");
    let author = post.author.as_ref().unwrap();
    assert_eq!(
        (author.role(), author.id.as_str(), author.name.as_str()),
        (Role::Ai, "ai-1", "Sam")
    );
    assert!(post.client_id.starts_with("next-steps:"));
}

#[test]
fn asking_for_a_person_on_a_standard_edition_team_mode_gets_the_fallback() {
    let mut s = session(SupportMode::AiAndTeam, Access::Open);
    s.on_client_text(r#"{"type":"hello"}"#, now());
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    let effects = s.on_client_text(r#"{"type":"request_human"}"#, now());
    assert!(matches!(
        frames(&effects)[..],
        [ServerFrame::Fallback { .. }]
    ));
}

#[test]
fn frames_beyond_the_burst_are_rate_limited() {
    let mut s = CustomerSession::new(ctx(SupportMode::AiAgent, Access::Open), 2, Instant::now());
    let at = now();
    let codes: Vec<Option<String>> = (0..5)
        .map(|_| error_code(&s.on_client_text(r#"{"type":"transcript"}"#, at)))
        .collect();
    assert_eq!(
        codes
            .iter()
            .filter(|c| c.as_deref() == Some("rate_limited"))
            .count(),
        1
    );
}
