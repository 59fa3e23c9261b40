//! Unit tests of the customer session's decisions: no socket, no bus.
//! Shared builders here; the tests by theme in the submodules.

mod client_frames;
mod events;
mod fuzz;
mod live_chat;
mod notices;
mod resync;

use std::time::Instant;

use switchboard_contracts::ids::{ExperienceId, TenantId, WidgetId};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Access, Author, ChatMessage, ConversationEvent, ConversationInfo, ConversationState, Edition,
    MessageAdded, Role, StateChanged, SupportMode,
};

use super::context::{AiAgentRef, WidgetContext};
use super::server_frame::ServerFrame;
use super::session::{CustomerSession, Effect, Now};
use crate::auth::{IdentityClaims, ResumeSubject, sign_identity, sign_resume};
use crate::socket::intake::ClientSession;

pub(super) const SECRET: &str = "identity-secret";

pub(super) fn ctx(mode: SupportMode, access: Access) -> WidgetContext {
    WidgetContext {
        tenant: TenantId::new(),
        edition: Edition::Standard,
        identity: crate::secrets::IdentitySecrets::single(SECRET),
        widget: WidgetId::new(),
        experience: ExperienceId::new(),
        support_mode: mode,
        access,
        ai_agent: Some(AiAgentRef {
            id: "ai-1".into(),
            name: "Sam".into(),
            next_steps: "Email us.".into(),
        }),
        routed_space: String::new(),
        fallback_message: String::new(),
        sign_in_url: String::new(),
    }
}

pub(super) fn now() -> Now {
    Now {
        instant: Instant::now(),
        epoch_ms: 1_700_000_000_000,
    }
}

pub(super) fn session(mode: SupportMode, access: Access) -> CustomerSession {
    CustomerSession::new(ctx(mode, access), 1000, Instant::now())
}

pub(super) fn greeted() -> CustomerSession {
    let mut s = session(SupportMode::AiAgent, Access::Open);
    s.on_client_text(r#"{"type":"hello"}"#, now());
    s
}

pub(super) fn identity(sub: &str) -> String {
    let exp = jsonwebtoken::get_current_timestamp() + 600;
    sign_identity(
        SECRET,
        &IdentityClaims {
            sub: sub.into(),
            name: Some("Ada".into()),
            email: None,
            exp,
        },
    )
}

/// A resume token for `conversation` of `customer`, issued on a widget of
/// `ctx`'s experience.
pub(super) fn resume_token(
    ctx: &WidgetContext,
    conversation: switchboard_contracts::ids::ConversationId,
    customer: &str,
) -> String {
    sign_resume(
        SECRET,
        ResumeSubject {
            tenant: &ctx.tenant.to_string(),
            experience: &ctx.experience.to_string(),
            conversation: &conversation.to_string(),
            customer,
        },
    )
}

pub(super) fn frames(effects: &[Effect]) -> Vec<&ServerFrame> {
    effects
        .iter()
        .filter_map(|e| {
            if let Effect::Send(f) = e {
                Some(f)
            } else {
                None
            }
        })
        .collect()
}

pub(super) fn error_code(effects: &[Effect]) -> Option<String> {
    frames(effects).into_iter().find_map(|f| match f {
        ServerFrame::Error { code, .. } => Some(code.clone()),
        _ => None,
    })
}

pub(super) fn publishes(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Publish(_)))
        .count()
}

pub(super) fn message_event(s: &CustomerSession, seq: u64) -> ConversationEvent {
    let attached = s.attached().expect("attached");
    ConversationEvent {
        tenant: s.ctx.tenant.to_string(),
        conversation: attached.id.to_string(),
        event: Some(Event::Message(MessageAdded {
            message: Some(ChatMessage {
                seq,
                conversation: attached.id.to_string(),
                text: format!("m{seq}"),
                ..Default::default()
            }),
        })),
        ..Default::default()
    }
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

pub(super) const HI: &str = r#"{"type":"message","client_id":"c1","text":"hi"}"#;
pub(super) const REQUEST_HUMAN: &str = r#"{"type":"request_human"}"#;

/// A greeted session of a premium tenant's experience in `mode`.
pub(super) fn premium(mode: SupportMode, token: Option<&str>) -> CustomerSession {
    let mut s = session(mode, Access::Open);
    s.ctx.edition = Edition::Premium;
    let hello = match token {
        Some(token) => format!(r#"{{"type":"hello","token":"{token}"}}"#),
        None => r#"{"type":"hello"}"#.to_owned(),
    };
    s.on_client_text(&hello, now());
    s
}

pub(super) fn event(
    s: &CustomerSession,
    info: ConversationInfo,
    event: Event,
) -> ConversationEvent {
    ConversationEvent {
        tenant: s.ctx.tenant.to_string(),
        conversation: s.attached().expect("attached").id.to_string(),
        info: Some(info),
        event: Some(event),
        ..Default::default()
    }
}

pub(super) fn state_changed(
    s: &CustomerSession,
    from: ConversationState,
    to: ConversationState,
) -> ConversationEvent {
    let changed = StateChanged {
        from: from as i32,
        to: to as i32,
        reason: 0,
    };
    event(s, ConversationInfo::default(), Event::State(changed))
}

pub(super) fn notice(
    s: &CustomerSession,
    seq: u64,
    kind: &str,
    text: &str,
    assignee_name: &str,
) -> ConversationEvent {
    let message = ChatMessage {
        seq,
        text: text.into(),
        notice: kind.into(),
        author: Some(Author {
            role: Role::System as i32,
            id: String::new(),
            name: "Switchboard".into(),
        }),
        ..Default::default()
    };
    let info = ConversationInfo {
        assignee_name: assignee_name.into(),
        ..Default::default()
    };
    let added = MessageAdded {
        message: Some(message),
    };
    event(s, info, Event::Message(added))
}
