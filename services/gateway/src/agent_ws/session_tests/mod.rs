//! Unit tests of the agent session's decisions: no socket, no bus. Shared
//! builders here; the tests by theme in the submodules.

mod client_frames;
mod commands;
mod events;
mod fuzz;

use std::time::Instant;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::v1::agent_event::Event as AgentEventKind;
use switchboard_contracts::v1::{
    AgentEvent, AgentView, Author, ChatMessage, ConversationInfo, ConversationState, Role,
    TranscriptPage,
};

use super::identity::{AgentIdentity, SpaceRef};
use super::server_frame::ServerFrame;
use super::session::{AgentSession, Effect, Fetch, FetchPurpose, Now};
use crate::socket::intake::ClientSession;

pub(super) fn now() -> Now {
    Now {
        instant: Instant::now(),
        epoch_ms: 1_700_000_000_000,
    }
}

pub(super) fn identity() -> AgentIdentity {
    AgentIdentity {
        tenant: TenantId::new(),
        agent: AgentId::new(),
        name: "Grace".into(),
        spaces: vec![
            SpaceRef {
                id: SpaceId::new(),
                name: "Billing".into(),
            },
            SpaceRef {
                id: SpaceId::new(),
                name: "Returns".into(),
            },
        ],
    }
}

/// A session past `hello`, welcomed with the router's view of the agent.
pub(super) fn welcomed_with(
    view: impl FnOnce(&AgentIdentity) -> AgentView,
) -> (AgentSession, Vec<Effect>) {
    let mut s = AgentSession::new(1000, Instant::now());
    let effects = s.on_client_text(r#"{"type":"hello","token":"t"}"#, now());
    assert!(matches!(effects[..], [Effect::Authenticate(_)]));
    let me = identity();
    let view = view(&me);
    let effects = s.on_authenticated(Ok(me));
    assert_eq!(effects, vec![Effect::Listen, Effect::QueryRouter]);
    let effects = s.on_view(Some(view), now().epoch_ms);
    (s, effects)
}

pub(super) fn welcomed() -> AgentSession {
    welcomed_with(|_| AgentView::default()).0
}

pub(super) fn me(s: &AgentSession) -> AgentIdentity {
    s.identity().expect("welcomed").clone()
}

pub(super) fn agent_event(s: &AgentSession, event: AgentEventKind) -> AgentEvent {
    let me = me(s);
    AgentEvent {
        tenant: me.tenant.to_string(),
        agent: me.agent.to_string(),
        event: Some(event),
    }
}

pub(super) fn message(conversation: ConversationId, seq: u64, role: Role) -> ChatMessage {
    ChatMessage {
        id: format!("m{seq}"),
        conversation: conversation.to_string(),
        seq,
        author: Some(Author {
            role: role as i32,
            id: String::new(),
            name: "someone".into(),
        }),
        text: format!("text {seq}"),
        ..Default::default()
    }
}

/// A page of `conversation` holding messages 1..=`last`, the first two by the
/// customer and the AI.
pub(super) fn page(
    s: &AgentSession,
    conversation: ConversationId,
    state: ConversationState,
    last: u64,
) -> TranscriptPage {
    let me = me(s);
    TranscriptPage {
        info: Some(ConversationInfo {
            id: conversation.to_string(),
            tenant: me.tenant.to_string(),
            state: state as i32,
            assignee: me.agent.to_string(),
            last_seq: last,
            customer: Some(switchboard_contracts::v1::Customer {
                name: "Ada".into(),
                email: "ada@example.com".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        messages: (1..=last)
            .map(|seq| {
                message(
                    conversation,
                    seq,
                    if seq % 2 == 1 {
                        Role::Customer
                    } else {
                        Role::Ai
                    },
                )
            })
            .collect(),
        error: String::new(),
    }
}

/// Holds `conversation` through an `assigned` event and its page.
pub(super) fn assign(s: &mut AgentSession, conversation: ConversationId, last: u64) -> Vec<Effect> {
    use switchboard_contracts::v1::Assigned;
    let effects = s.on_agent_event(agent_event(
        s,
        AgentEventKind::Assigned(Assigned {
            conversation: conversation.to_string(),
            offer_id: "o-1".into(),
        }),
    ));
    let fetch = Fetch {
        conversation,
        after_seq: 0,
        purpose: FetchPurpose::Assigned,
    };
    assert_eq!(
        effects,
        vec![Effect::Attach(conversation), Effect::Fetch(fetch.clone())],
        "subscribe first, then read"
    );
    let page = page(s, conversation, ConversationState::Live, last);
    s.on_page(fetch, Some(page), now().epoch_ms)
}

pub(super) fn frames(effects: &[Effect]) -> Vec<&ServerFrame> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(f) => Some(f),
            _ => None,
        })
        .collect()
}

pub(super) fn error_code(effects: &[Effect]) -> Option<String> {
    frames(effects).into_iter().find_map(|f| match f {
        ServerFrame::Error(error) => Some(error.code.clone()),
        _ => None,
    })
}

pub(super) fn sent_seqs(effects: &[Effect]) -> Vec<u64> {
    frames(effects)
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Message { message } => Some(message.seq),
            _ => None,
        })
        .collect()
}
