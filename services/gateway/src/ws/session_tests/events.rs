//! Bus events, typing, resume and transcript pages.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Access, Author, ChatMessage, CommandRejected, ConversationEvent, ConversationInfo,
    ConversationState, EndReason, Role, StateChanged, SupportMode, TranscriptPage, TypingEvent,
};

use super::*;
use crate::ws::server_frame::ServerFrame;
use crate::ws::session::{Effect, FetchPurpose};

#[test]
fn each_message_is_sent_once_in_seq_order_and_gaps_are_read_first() {
    let mut s = greeted();
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    assert_eq!(sent_seqs(&s.on_event(message_event(&s, 1))), vec![1]);
    assert!(
        s.on_event(message_event(&s, 1)).is_empty(),
        "a duplicate is dropped"
    );
    let effects = s.on_event(message_event(&s, 4));
    let [Effect::Fetch(fetch)] = &effects[..] else {
        panic!("a gap is read first")
    };
    assert_eq!(fetch.after_seq, 1);
    assert!(matches!(fetch.purpose, FetchPurpose::Gap { .. }));
    let page = TranscriptPage {
        messages: (2..=4)
            .map(|seq| ChatMessage {
                seq,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    assert_eq!(
        sent_seqs(&s.on_page(fetch.clone(), Some(page))),
        vec![2, 3, 4]
    );
    assert!(s.on_event(message_event(&s, 3)).is_empty());
}

#[test]
fn an_ended_conversation_detaches_and_the_next_message_opens_a_new_one() {
    let mut s = greeted();
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    let first = s.attached().unwrap().id;
    let end = s.on_client_text(r#"{"type":"end"}"#, now());
    let [Effect::Publish(command)] = &end[..] else {
        panic!("end publishes")
    };
    assert_eq!(command.command_id, format!("end:{first}"));
    let event = ConversationEvent {
        tenant: s.ctx.tenant.to_string(),
        conversation: first.to_string(),
        event: Some(Event::State(StateChanged {
            from: ConversationState::Ai as i32,
            to: ConversationState::Ended as i32,
            reason: EndReason::CustomerEnded as i32,
        })),
        ..Default::default()
    };
    let effects = s.on_event(event);
    assert!(matches!(
        &effects[0],
        Effect::Send(ServerFrame::Conversation { state: "ended", .. })
    ));
    assert_eq!(
        effects[1],
        Effect::Send(ServerFrame::Ended {
            reason: "customer_ended"
        })
    );
    assert_eq!(effects[2], Effect::Detach);
    assert_eq!(
        error_code(&s.on_client_text(r#"{"type":"end"}"#, now())).as_deref(),
        Some("not_in_conversation")
    );
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    assert_ne!(s.attached().unwrap().id, first);
}

#[test]
fn only_rejections_of_this_sockets_commands_are_reported() {
    let mut s = greeted();
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    let id = s.attached().unwrap().id;
    let rejected = |command_id: String| ConversationEvent {
        tenant: s.ctx.tenant.to_string(),
        conversation: id.to_string(),
        event: Some(Event::Rejected(CommandRejected {
            command_id,
            client_id: "c1".into(),
            code: "too_fast".into(),
            message: "slow down".into(),
        })),
        ..Default::default()
    };
    let other = rejected(format!("post:{id}:someone-else"));
    let own = rejected(format!("post:{id}:c1"));
    assert!(s.on_event(other).is_empty());
    assert_eq!(error_code(&s.on_event(own)).as_deref(), Some("too_fast"));
}

#[test]
fn the_other_sides_typing_is_shown_and_the_customers_own_is_not() {
    let mut s = greeted();
    assert!(
        s.on_client_text(r#"{"type":"typing","on":true}"#, now())
            .is_empty(),
        "unattached typing is ignored"
    );
    s.on_client_text(r#"{"type":"message","client_id":"c1","text":"hi"}"#, now());
    assert!(matches!(
        s.on_client_text(r#"{"type":"typing","on":true}"#, now())[..],
        [Effect::Typing(_)]
    ));
    let typing = |role: Role| TypingEvent {
        tenant: s.ctx.tenant.to_string(),
        conversation: s.attached().unwrap().id.to_string(),
        author: Some(Author {
            role: role as i32,
            id: "x".into(),
            name: "Sam".into(),
        }),
        on: true,
    };
    assert_eq!(
        frames(&s.on_typing_event(typing(Role::Ai))),
        vec![&ServerFrame::Typing {
            role: "ai",
            name: "Sam".into(),
            on: true
        }]
    );
    assert!(s.on_typing_event(typing(Role::Customer)).is_empty());
}

#[test]
fn resuming_an_open_conversation_sends_welcome_then_conversation_then_transcript() {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    let tenant = s.ctx.tenant;
    let conversation = switchboard_contracts::ids::ConversationId::new();
    let token = resume_token(&s.ctx, conversation, "anon:abc");
    let effects = s.on_client_text(&format!(r#"{{"type":"hello","resume":"{token}"}}"#), now());
    assert!(matches!(
        effects[0],
        Effect::Send(ServerFrame::Welcome { .. })
    ));
    assert_eq!(effects[1], Effect::Attach(conversation));
    let Effect::Fetch(fetch) = effects[2].clone() else {
        panic!("reads the transcript")
    };
    assert_eq!(
        s.customer.as_ref().unwrap().key,
        "anon:abc",
        "adopts the anonymous key"
    );
    let info = ConversationInfo {
        id: conversation.to_string(),
        tenant: tenant.to_string(),
        experience: s.ctx.experience.to_string(),
        state: ConversationState::Ai as i32,
        ..Default::default()
    };
    let page = TranscriptPage {
        info: Some(info.clone()),
        messages: vec![
            ChatMessage {
                seq: 1,
                ..Default::default()
            },
            ChatMessage {
                seq: 2,
                ..Default::default()
            },
        ],
        error: String::new(),
    };
    let effects = s.on_page(fetch.clone(), Some(page));
    assert!(matches!(
        &effects[0],
        Effect::Send(ServerFrame::Conversation { state: "ai", .. })
    ));
    assert!(
        matches!(&effects[1], Effect::Send(ServerFrame::Transcript { messages }) if messages.len() == 2)
    );
    assert!(
        s.on_event(message_event(&s, 2)).is_empty(),
        "already in the transcript"
    );

    let mut ended = session(SupportMode::AiAgent, Access::Open);
    ended.ctx.tenant = tenant;
    ended.ctx.experience = s.ctx.experience;
    ended.on_client_text(&format!(r#"{{"type":"hello","resume":"{token}"}}"#), now());
    let page = TranscriptPage {
        info: Some(ConversationInfo {
            state: ConversationState::Ended as i32,
            ..info
        }),
        ..Default::default()
    };
    let effects = ended.on_page(fetch, Some(page));
    assert_eq!(effects[0], Effect::Detach);
    assert_eq!(error_code(&effects).as_deref(), Some("resume_invalid"));
    assert!(ended.attached().is_none());
}

#[test]
fn an_anonymous_socket_cannot_resume_a_signed_in_customers_conversation() {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    let token = resume_token(
        &s.ctx,
        switchboard_contracts::ids::ConversationId::new(),
        "user:c-1",
    );
    let effects = s.on_client_text(&format!(r#"{{"type":"hello","resume":"{token}"}}"#), now());
    assert!(matches!(
        effects[0],
        Effect::Send(ServerFrame::Welcome { .. })
    ));
    assert_eq!(error_code(&effects).as_deref(), Some("resume_invalid"));
    assert!(s.attached().is_none());
}

#[test]
fn a_resume_token_of_another_experience_is_refused_before_anything_is_read() {
    let issued = session(SupportMode::AiAgent, Access::Open);
    let token = resume_token(
        &issued.ctx,
        switchboard_contracts::ids::ConversationId::new(),
        "anon:abc",
    );
    let mut other = session(SupportMode::AiAgent, Access::Open);
    other.ctx.tenant = issued.ctx.tenant;
    let effects = other.on_client_text(&format!(r#"{{"type":"hello","resume":"{token}"}}"#), now());
    assert!(matches!(
        effects[0],
        Effect::Send(ServerFrame::Welcome { .. })
    ));
    assert_eq!(error_code(&effects).as_deref(), Some("resume_invalid"));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Attach(_) | Effect::Fetch(_)))
    );
    assert!(other.attached().is_none());
}

#[test]
fn a_token_without_an_experience_resumes_only_a_conversation_of_this_experience() {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    let conversation = switchboard_contracts::ids::ConversationId::new();
    // As tokens were signed before they named the experience.
    let token = sign_resume(
        SECRET,
        ResumeSubject {
            tenant: &s.ctx.tenant.to_string(),
            experience: "",
            conversation: &conversation.to_string(),
            customer: "anon:abc",
        },
    );
    let effects = s.on_client_text(&format!(r#"{{"type":"hello","resume":"{token}"}}"#), now());
    let Some(Effect::Fetch(fetch)) = effects.last().cloned() else {
        panic!("reads the transcript")
    };
    let page = TranscriptPage {
        info: Some(ConversationInfo {
            id: conversation.to_string(),
            tenant: s.ctx.tenant.to_string(),
            experience: ExperienceId::new().to_string(),
            state: ConversationState::Ai as i32,
            ..Default::default()
        }),
        ..Default::default()
    };
    let effects = s.on_page(fetch, Some(page));
    assert_eq!(effects[0], Effect::Detach);
    assert_eq!(error_code(&effects).as_deref(), Some("resume_invalid"));
    assert!(s.attached().is_none());
}
