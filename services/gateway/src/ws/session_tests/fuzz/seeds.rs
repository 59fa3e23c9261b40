//! The bus messages the customer session's fuzz test starts from: valid
//! for the attached conversation, before the wire changes them.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ChatMessage, CommandRejected, ConversationEvent, ConversationInfo, ConversationState,
    CustomerIdentified, InactivityWarning, MessageAdded, Role, StateChanged, TranscriptPage,
};

use crate::ws::session::Fetch;

pub(super) fn author(role: i32) -> Author {
    Author {
        role,
        id: "agent-1".into(),
        name: "Ada".into(),
    }
}

/// Seed `n` of the events a customer socket hears.
pub(super) fn event(
    n: u8,
    tenant: &str,
    conversation: &str,
    last_seq: u64,
    command: &str,
) -> ConversationEvent {
    let message = |seq: u64, notice: &str| {
        Event::Message(MessageAdded {
            message: Some(ChatMessage {
                id: format!("m{seq}"),
                conversation: conversation.into(),
                seq,
                author: Some(author(Role::Agent as i32)),
                text: "hello".into(),
                notice: notice.into(),
                ..Default::default()
            }),
        })
    };
    let state = |from: ConversationState, to: ConversationState| {
        Event::State(StateChanged {
            from: from as i32,
            to: to as i32,
            reason: 1,
        })
    };
    let rejected = |code: &str| {
        Event::Rejected(CommandRejected {
            command_id: command.into(),
            client_id: "c1".into(),
            code: code.into(),
            message: "refused".into(),
        })
    };
    use ConversationState::{Ai, Ended, Live, Queued};
    let kind = match n {
        0 => message(last_seq.saturating_add(1), ""),
        1 => message(last_seq.saturating_add(3), ""),
        2 => message(last_seq.saturating_add(1), "agent_joined"),
        3 => state(Ai, Queued),
        4 => state(Queued, Live),
        5 => state(Live, Ended),
        6 => state(Queued, Ai),
        7 => rejected("conversation_ended"),
        8 => rejected("invalid"),
        9 => Event::Inactive(InactivityWarning {
            ends_at_ms: 1_700_000_000_000,
        }),
        10 => Event::Identified(CustomerIdentified {}),
        _ => message(u64::MAX, "fallback"),
    };
    ConversationEvent {
        tenant: tenant.into(),
        conversation: conversation.into(),
        at_ms: 1_700_000_000_000,
        info: Some(ConversationInfo {
            id: conversation.into(),
            tenant: tenant.into(),
            state: Live as i32,
            assignee_name: "Ada".into(),
            last_seq,
            ..Default::default()
        }),
        event: Some(kind),
    }
}

/// A page of `n` messages of the fetched conversation.
pub(super) fn page(tenant: &str, fetch: &Fetch, n: u64) -> TranscriptPage {
    let conversation = fetch.conversation.to_string();
    TranscriptPage {
        info: Some(ConversationInfo {
            id: conversation.clone(),
            tenant: tenant.into(),
            state: ConversationState::Queued as i32,
            last_seq: fetch.after_seq.saturating_add(n),
            handoff_pending: true,
            ..Default::default()
        }),
        messages: (1..=n)
            .map(|i| ChatMessage {
                conversation: conversation.clone(),
                seq: fetch.after_seq.saturating_add(i),
                text: format!("m{i}"),
                ..Default::default()
            })
            .collect(),
        error: String::new(),
    }
}
