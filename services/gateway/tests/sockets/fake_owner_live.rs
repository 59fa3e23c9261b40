//! The stand-in owner's live-chat commands, as the design has the transcript
//! service apply them: `handoff` (with the sign-in rule), `identify`,
//! `assign` (what the router sends on accept) and `return_to_ai` (nobody
//! could take it). Notices are stored as system messages with `notice` set.

use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ChatMessage, CommandRejected, ConversationCommand, ConversationEvent,
    ConversationState, CustomerIdentified, MessageAdded, Role, StateChanged,
};

use crate::fake_owner::{Conversation, event_of};

type Events = Vec<(String, ConversationEvent)>;

pub fn apply(
    conversation: &mut Conversation,
    command: &ConversationCommand,
    kind: Command,
) -> Events {
    let state = conversation.info.state();
    match kind {
        Command::Handoff(_) if state != ConversationState::Ai => rejected(conversation, command),
        Command::Handoff(_) => {
            let signed_in = conversation
                .info
                .customer
                .as_ref()
                .is_some_and(|c| c.signed_in);
            if signed_in {
                change(conversation, command, ConversationState::Queued)
            } else {
                conversation.info.handoff_pending = true;
                let text = "Please sign in so we can connect you with a person.";
                notice(conversation, command, "sign_in_required", text)
            }
        }
        Command::Identify(identify) => {
            conversation.info.customer = identify.customer;
            let identified = Event::Identified(CustomerIdentified {});
            let mut events = vec![(
                format!("identified:{}", command.command_id),
                event_of(command, &conversation.info, identified),
            )];
            if std::mem::take(&mut conversation.info.handoff_pending) {
                events.extend(change(conversation, command, ConversationState::Queued));
            }
            events
        }
        Command::Assign(assign) if state == ConversationState::Queued => {
            conversation.info.assignee = assign.agent;
            conversation.info.assignee_name = assign.agent_name.clone();
            let mut events = change(conversation, command, ConversationState::Live);
            let text = format!("{} joined the conversation.", assign.agent_name);
            events.extend(notice(conversation, command, "agent_joined", &text));
            events
        }
        Command::ReturnToAi(back) if state == ConversationState::Queued => {
            let mut events = notice(conversation, command, "fallback", &back.fallback_text);
            events.extend(change(conversation, command, ConversationState::Ai));
            events
        }
        _ => rejected(conversation, command),
    }
}

fn change(
    conversation: &mut Conversation,
    command: &ConversationCommand,
    to: ConversationState,
) -> Events {
    let from = conversation.info.state();
    conversation.info.state = to as i32;
    let changed = StateChanged {
        from: from as i32,
        to: to as i32,
        reason: 0,
    };
    vec![(
        format!("state:{}:{}", command.command_id, to as i32),
        event_of(command, &conversation.info, Event::State(changed)),
    )]
}

fn notice(
    conversation: &mut Conversation,
    command: &ConversationCommand,
    kind: &str,
    text: &str,
) -> Events {
    conversation.info.last_seq += 1;
    let message = ChatMessage {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: command.tenant.clone(),
        conversation: command.conversation.clone(),
        seq: conversation.info.last_seq,
        author: Some(Author {
            role: Role::System as i32,
            id: String::new(),
            name: "Switchboard".into(),
        }),
        text: text.to_owned(),
        at_ms: command.at_ms,
        client_id: String::new(),
        notice: kind.to_owned(),
    };
    conversation.messages.push(message.clone());
    let added = Event::Message(MessageAdded {
        message: Some(message.clone()),
    });
    vec![(
        format!("msg:{}", message.id),
        event_of(command, &conversation.info, added),
    )]
}

fn rejected(conversation: &Conversation, command: &ConversationCommand) -> Events {
    let rejected = Event::Rejected(CommandRejected {
        command_id: command.command_id.clone(),
        client_id: String::new(),
        code: "invalid_state".into(),
        message: "the conversation is not in a state for this".into(),
    });
    vec![(
        format!("rejected:{}", command.command_id),
        event_of(command, &conversation.info, rejected),
    )]
}
