//! Builders for the live-chat commands, as the gateway, the ai-bridge and
//! the router publish them.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    AssignAgent, Author, ConversationCommand, ConversationStart, ConversationState, Customer,
    EndConversation, EndReason, IdentifyCustomer, PostMessage, RequestHandoff, ReturnToAi, Role,
    SupportMode,
};

pub fn command(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    command: Command,
) -> ConversationCommand {
    ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: 1,
        command_id: command_id.to_owned(),
        command: Some(command),
    }
}

pub fn anonymous() -> Customer {
    Customer {
        key: "anon:visitor".into(),
        name: "Visitor".into(),
        ..Default::default()
    }
}

pub fn ada() -> Customer {
    Customer {
        key: "user:ada".into(),
        name: "Ada".into(),
        email: "ada@example.com".into(),
        signed_in: true,
    }
}

/// The first customer message, opening the conversation in `state`.
pub fn open(
    tenant: TenantId,
    conversation: ConversationId,
    customer: Customer,
    state: ConversationState,
    mode: SupportMode,
    text: &str,
) -> ConversationCommand {
    let author = Author {
        role: Role::Customer as i32,
        id: customer.key.clone(),
        name: customer.name.clone(),
    };
    let start = ConversationStart {
        customer: Some(customer),
        initial_state: state as i32,
        support_mode: mode as i32,
        routed_space: "0190a0b0-0000-7000-8000-00000000005a".into(),
        ..Default::default()
    };
    command(
        tenant,
        conversation,
        &format!("post:{conversation}:c1"),
        Command::Post(PostMessage {
            author: Some(author),
            text: text.into(),
            client_id: "c1".into(),
            start: Some(start),
        }),
    )
}

/// A message from `role` (not opening).
pub fn say(
    tenant: TenantId,
    conversation: ConversationId,
    role: Role,
    client_id: &str,
    text: &str,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        &format!("post:{conversation}:{client_id}"),
        Command::Post(PostMessage {
            author: Some(Author {
                role: role as i32,
                id: "someone".into(),
                name: "Someone".into(),
            }),
            text: text.into(),
            client_id: client_id.into(),
            start: None,
        }),
    )
}

/// A message from the agent `agent`, as an agent console's gateway sends it.
pub fn agent_says(
    tenant: TenantId,
    conversation: ConversationId,
    agent: &str,
    client_id: &str,
    text: &str,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        &format!("post:{conversation}:{client_id}"),
        Command::Post(PostMessage {
            author: Some(Author {
                role: Role::Agent as i32,
                id: agent.into(),
                name: format!("Agent {agent}"),
            }),
            text: text.into(),
            client_id: client_id.into(),
            start: None,
        }),
    )
}

pub fn handoff(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    summary: &str,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        command_id,
        Command::Handoff(RequestHandoff {
            reason: "customer_asked".into(),
            summary: summary.into(),
            requested_by: Role::Customer as i32,
        }),
    )
}

pub fn identify(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    customer: Customer,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        command_id,
        Command::Identify(IdentifyCustomer {
            customer: Some(customer),
        }),
    )
}

pub fn assign(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    agent: &str,
    agent_name: &str,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        command_id,
        Command::Assign(AssignAgent {
            agent: agent.into(),
            agent_name: agent_name.into(),
            offer_id: format!("offer:{agent}"),
        }),
    )
}

pub fn return_to_ai(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    fallback_text: &str,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        command_id,
        Command::ReturnToAi(ReturnToAi {
            reason: "no_agents_available".into(),
            fallback_text: fallback_text.into(),
        }),
    )
}

pub fn end_with_fallback(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    reason: EndReason,
    fallback_text: &str,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        command_id,
        Command::End(EndConversation {
            reason: reason as i32,
            fallback_text: fallback_text.into(),
            ..Default::default()
        }),
    )
}
