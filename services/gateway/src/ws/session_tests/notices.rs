//! Live chat, what comes back: notice frames, the queue position,
//! inactivity and resuming a conversation that waits for the team.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    ConversationInfo, ConversationState, InactivityWarning, QueuePosition, SupportMode,
    TranscriptPage,
};

use super::*;
use crate::ws::server_frame::{AgentName, ServerFrame};
use crate::ws::session::{CustomerSession, Effect};

#[test]
fn notice_messages_are_followed_by_their_own_frame() {
    let mut s = premium(SupportMode::AiAndTeam, None);
    s.on_client_text(HI, now());
    let effects = s.on_event(notice(&s, 1, "sign_in_required", "Please sign in.", ""));
    assert!(
        matches!(frames(&effects)[..], [ServerFrame::Message { message }, ServerFrame::SignInRequired {}] if message.notice == "sign_in_required")
    );
    let effects = s.on_event(notice(&s, 2, "agent_joined", "Ada joined.", "Ada"));
    assert_eq!(
        frames(&effects)[1],
        &ServerFrame::AgentJoined {
            agent: AgentName { name: "Ada".into() }
        }
    );
    let effects = s.on_event(notice(&s, 3, "fallback", "Email us.", ""));
    assert_eq!(
        frames(&effects)[1],
        &ServerFrame::Fallback {
            text: "Email us.".into()
        }
    );
    assert_eq!(
        frames(&s.on_event(message_event(&s, 4))).len(),
        1,
        "plain messages stay one frame"
    );
}

#[test]
fn entering_the_queue_shows_positions_even_one_that_overtook_it_and_leaving_it_stops() {
    let mut s = premium(SupportMode::AiAndTeam, None);
    s.on_client_text(HI, now());
    let id = s.attached().unwrap().id;
    let position = |s: &CustomerSession, position| QueuePosition {
        tenant: s.ctx.tenant.to_string(),
        conversation: id.to_string(),
        position,
    };
    assert!(
        s.on_queue_position(position(&s, 3)).is_empty(),
        "not queued yet: kept until the state change arrives"
    );
    let effects = s.on_event(state_changed(
        &s,
        ConversationState::Ai,
        ConversationState::Queued,
    ));
    assert_eq!(effects[0], Effect::WatchQueue(id));
    assert!(matches!(
        &effects[1],
        Effect::Send(ServerFrame::Conversation {
            state: "queued",
            ..
        })
    ));
    assert_eq!(
        frames(&effects).last(),
        Some(&&ServerFrame::Queued { position: 3 }),
        "the position that overtook the state change is shown once queued"
    );
    assert_eq!(
        frames(&s.on_queue_position(position(&s, 2))),
        vec![&ServerFrame::Queued { position: 2 }]
    );
    let effects = s.on_event(state_changed(
        &s,
        ConversationState::Queued,
        ConversationState::Live,
    ));
    assert_eq!(effects[0], Effect::UnwatchQueue);
    assert!(
        s.on_queue_position(position(&s, 1)).is_empty(),
        "a late position is dropped"
    );
}

#[test]
fn an_inactivity_warning_becomes_an_inactive_frame_with_an_rfc3339_deadline() {
    let mut s = premium(SupportMode::AiAndTeam, None);
    s.on_client_text(HI, now());
    let warning = InactivityWarning {
        ends_at_ms: 1_764_000_000_250,
    };
    let effects = s.on_event(event(
        &s,
        ConversationInfo::default(),
        Event::Inactive(warning),
    ));
    assert_eq!(
        frames(&effects),
        vec![&ServerFrame::Inactive {
            ends_at: "2025-11-24T16:00:00.250Z".into()
        }]
    );
}

#[test]
fn a_resumed_queued_conversation_follows_the_queue_and_a_waiting_handoff_asks_to_sign_in() {
    let mut s = premium(SupportMode::AiAndTeam, None);
    let conversation = ConversationId::new();
    let token = resume_token(&s.ctx, conversation, "anon:x");
    // A second hello is refused, so start from a fresh session.
    s.customer = None;
    let effects = s.on_client_text(&format!(r#"{{"type":"hello","resume":"{token}"}}"#), now());
    let Some(Effect::Fetch(fetch)) = effects.last().cloned() else {
        panic!("reads the transcript")
    };
    let info = ConversationInfo {
        id: conversation.to_string(),
        tenant: s.ctx.tenant.to_string(),
        experience: s.ctx.experience.to_string(),
        state: ConversationState::Queued as i32,
        handoff_pending: true,
        ..Default::default()
    };
    let page = TranscriptPage {
        info: Some(info),
        ..Default::default()
    };
    let effects = s.on_page(fetch, Some(page));
    assert!(effects.contains(&Effect::WatchQueue(conversation)));
    assert_eq!(
        effects.last(),
        Some(&Effect::Send(ServerFrame::SignInRequired {}))
    );
}
