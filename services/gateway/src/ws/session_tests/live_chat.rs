//! Live chat, the customer's side: asking for a person, `support_team`
//! mode and signing in mid-conversation.

use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{ConversationState, Role, SupportMode};

use super::*;
use crate::ws::server_frame::ServerFrame;
use crate::ws::session::Effect;

fn published(effects: &[Effect]) -> Vec<&Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Publish(command) => command.command.as_ref(),
            _ => None,
        })
        .collect()
}

#[test]
fn asking_for_a_person_before_any_message_is_not_in_conversation() {
    let mut s = premium(SupportMode::AiAndTeam, None);
    let effects = s.on_client_text(REQUEST_HUMAN, now());
    let [ServerFrame::Error { code, message }] = frames(&effects)[..] else {
        panic!("one error frame: {effects:?}")
    };
    assert_eq!(code, "not_in_conversation");
    assert!(message.contains("send a message first"), "{message}");
    assert_eq!(publishes(&effects), 0);
}

#[test]
fn asking_for_a_person_on_a_premium_ai_and_team_experience_publishes_a_customer_handoff() {
    // Anonymous on purpose: the owner, not the socket, applies the sign-in rule.
    let mut s = premium(SupportMode::AiAndTeam, None);
    s.on_client_text(HI, now());
    let id = s.attached().unwrap().id;
    let effects = s.on_client_text(REQUEST_HUMAN, now());
    let [Effect::Publish(command)] = &effects[..] else {
        panic!("one publish: {effects:?}")
    };
    assert!(command.command_id.starts_with(&format!("handoff:{id}:")));
    let Some(Command::Handoff(handoff)) = &command.command else {
        panic!("not a handoff")
    };
    assert_eq!(handoff.reason, "customer_request");
    assert_eq!(handoff.requested_by(), Role::Customer);
    assert!(
        s.is_own_command(&command.command_id),
        "its rejection is shown"
    );
}

#[test]
fn asking_for_a_person_while_with_the_team_is_refused_and_changes_nothing() {
    let token = identity("c-1");
    let mut s = premium(SupportMode::SupportTeam, Some(&token));
    s.on_client_text(HI, now());
    let effects = s.on_client_text(REQUEST_HUMAN, now());
    assert_eq!(error_code(&effects).as_deref(), Some("invalid"));
    assert_eq!(publishes(&effects), 0);

    let mut s = premium(SupportMode::AiAndTeam, None);
    s.on_client_text(HI, now());
    s.on_event(state_changed(
        &s,
        ConversationState::Ai,
        ConversationState::Live,
    ));
    assert_eq!(
        error_code(&s.on_client_text(REQUEST_HUMAN, now())).as_deref(),
        Some("invalid")
    );
}

#[test]
fn an_anonymous_first_message_in_support_team_mode_asks_to_sign_in_and_stores_nothing() {
    let mut s = premium(SupportMode::SupportTeam, None);
    let effects = s.on_client_text(HI, now());
    assert_eq!(effects, vec![Effect::Send(ServerFrame::SignInRequired {})]);
    assert!(s.attached().is_none());
}

#[test]
fn a_signed_in_first_message_in_support_team_mode_opens_a_queued_conversation_and_follows_the_queue()
 {
    let token = identity("c-1");
    let mut s = premium(SupportMode::SupportTeam, Some(&token));
    let effects = s.on_client_text(HI, now());
    let id = s.attached().unwrap().id;
    assert_eq!(effects[0], Effect::Attach(id));
    assert_eq!(effects[1], Effect::WatchQueue(id), "before the post");
    assert!(matches!(
        &effects[2],
        Effect::Send(ServerFrame::Conversation {
            state: "queued",
            ..
        })
    ));
    let [Command::Post(post)] = published(&effects)[..] else {
        panic!("one post")
    };
    let start = post.start.as_ref().unwrap();
    assert_eq!(start.initial_state(), ConversationState::Queued);
    assert!(start.customer.as_ref().unwrap().signed_in);
}

#[test]
fn signing_in_on_an_attached_socket_identifies_the_customer_to_the_owner() {
    let mut s = premium(SupportMode::AiAndTeam, None);
    s.on_client_text(HI, now());
    let id = s.attached().unwrap().id;
    let sign_in = format!(r#"{{"type":"sign_in","token":"{}"}}"#, identity("c-9"));
    let effects = s.on_client_text(&sign_in, now());
    assert_eq!(
        effects[0],
        Effect::Send(ServerFrame::Welcome {
            signed_in: true,
            support_mode: "ai_and_team",
            sign_in_url: None,
        })
    );
    let Effect::Send(ServerFrame::Conversation { resume_token, .. }) = &effects[1] else {
        panic!("a fresh conversation frame: {effects:?}")
    };
    let claims = crate::auth::verify_resume(SECRET, resume_token).unwrap();
    assert_eq!(
        claims.customer, "user:c-9",
        "the resume token names the signed-in key"
    );
    let Effect::Publish(command) = &effects[2] else {
        panic!("then the identify command")
    };
    assert_eq!(command.command_id, format!("identify:{id}:user:c-9"));
    let Some(Command::Identify(identify)) = &command.command else {
        panic!("not an identify")
    };
    assert_eq!(identify.customer.as_ref().unwrap().key, "user:c-9");

    let mut unattached = premium(SupportMode::AiAndTeam, None);
    assert_eq!(publishes(&unattached.on_client_text(&sign_in, now())), 0);
}
