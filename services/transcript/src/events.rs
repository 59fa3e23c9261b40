//! The events published on `sb.evt.{tenant}.{conversation}` after a commit,
//! each with its `Nats-Msg-Id`. The ids are derived from what was stored, so
//! a redelivered command republishes byte-for-byte the same event under the
//! same id, and the stream's duplicate window drops it.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    ChatMessage, CommandRejected, ConversationEvent, ConversationInfo, ConversationState,
    CustomerIdentified, EndReason, InactivityWarning, MessageAdded, StateChanged,
};

/// One event and its dedupe id.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub msg_id: String,
    pub event: ConversationEvent,
}

fn event(info: &ConversationInfo, at_ms: i64, event: Event) -> ConversationEvent {
    ConversationEvent {
        tenant: info.tenant.clone(),
        conversation: info.id.clone(),
        at_ms,
        info: Some(info.clone()),
        event: Some(event),
    }
}

/// The conversation came into being in `initial` state. Published before its
/// first message, carrying the conversation as it was then (no messages yet).
pub fn opened(info: &ConversationInfo, initial: ConversationState) -> Publication {
    let before_first_message = ConversationInfo {
        last_seq: 0,
        state: initial as i32,
        ..info.clone()
    };
    Publication {
        msg_id: format!("open:{}", info.id),
        event: event(
            &before_first_message,
            info.created_at_ms,
            Event::State(StateChanged {
                from: ConversationState::Unspecified as i32,
                to: initial as i32,
                reason: EndReason::Unspecified as i32,
            }),
        ),
    }
}

/// A message was stored.
pub fn message_added(info: &ConversationInfo, message: &ChatMessage) -> Publication {
    Publication {
        msg_id: format!("msg:{}", message.id),
        event: event(
            info,
            message.at_ms,
            Event::Message(MessageAdded {
                message: Some(message.clone()),
            }),
        ),
    }
}

/// The conversation moved from `from` to the state `info` is in.
pub fn state_changed(
    info: &ConversationInfo,
    from: ConversationState,
    reason: EndReason,
    msg_id: String,
    at_ms: i64,
) -> Publication {
    Publication {
        msg_id,
        event: event(
            info,
            at_ms,
            Event::State(StateChanged {
                from: from as i32,
                to: info.state,
                reason: reason as i32,
            }),
        ),
    }
}

/// The customer signed in; `info` says who.
pub fn identified(info: &ConversationInfo, msg_id: String, at_ms: i64) -> Publication {
    Publication {
        msg_id,
        event: event(info, at_ms, Event::Identified(CustomerIdentified {})),
    }
}

/// Nobody wrote for the warning time; the conversation ends at `ends_at_ms`.
pub fn inactive(
    info: &ConversationInfo,
    ends_at_ms: i64,
    msg_id: String,
    at_ms: i64,
) -> Publication {
    Publication {
        msg_id,
        event: event(
            info,
            at_ms,
            Event::Inactive(InactivityWarning { ends_at_ms }),
        ),
    }
}

/// A command was refused. `info` is the conversation when it exists; the
/// tenant and conversation always come from the command.
pub fn rejected(
    tenant: &str,
    conversation: &str,
    info: Option<ConversationInfo>,
    rejection: CommandRejected,
    at_ms: i64,
) -> Publication {
    Publication {
        msg_id: format!("rej:{}", rejection.command_id),
        event: ConversationEvent {
            tenant: tenant.to_owned(),
            conversation: conversation.to_owned(),
            at_ms,
            info,
            event: Some(Event::Rejected(rejection)),
        },
    }
}
