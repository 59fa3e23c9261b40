//! The effects the handlers perform: posting as the AI agent and asking for
//! a handoff (commands to the transcript service), typing indicators, and
//! reading a conversation back.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{
    AiAgent, Author, ConversationCommand, PostMessage, RequestHandoff, Role, TranscriptPage,
    TranscriptQuery, TypingEvent, conversation_command,
};
use switchboard_runtime::clock::now_ms;

use super::Context;
use crate::error::HandlerError;

/// The longest message the transcript accepts (SPEC §9), in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// The longest handoff reason the transcript accepts, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// Shown as the author when an AI agent has no name.
use switchboard_contracts::texts::DEFAULT_AI_NAME;

/// How the AI agent signs its messages and typing.
pub fn ai_author(agent: &AiAgent) -> Author {
    let name = agent.name.trim();
    Author {
        role: Role::Ai as i32,
        id: agent.id.clone(),
        name: if name.is_empty() {
            DEFAULT_AI_NAME
        } else {
            name
        }
        .to_owned(),
    }
}

/// Posts `text` into the conversation as the AI agent. `client_id` makes the
/// post idempotent: the command id (`post:{conversation}:{client_id}`, the
/// gateway's scheme) lets the stream drop a repeated publish, and the
/// transcript stores one message per client id however late a repeat comes.
pub async fn post_as_ai(
    ctx: &Context,
    tenant: TenantId,
    conversation: ConversationId,
    author: Author,
    text: &str,
    client_id: String,
) -> Result<(), HandlerError> {
    let command_id = format!("post:{conversation}:{client_id}");
    let command = ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: now_ms(),
        command_id: command_id.clone(),
        command: Some(conversation_command::Command::Post(PostMessage {
            author: Some(author),
            text: fit(text),
            client_id,
            start: None,
        })),
    };
    let stored = ctx
        .bus
        .publish_durable(
            subjects::command(tenant, conversation),
            &command_id,
            &command,
        )
        .await?;
    if stored.duplicate {
        tracing::debug!(%command_id, "AI post was already published");
    }
    Ok(())
}

/// Asks the transcript service to hand the conversation to the support team.
/// It owns the rules: only from state `ai`, an anonymous customer is asked to
/// sign in first, and an empty `summary` becomes the customer's first
/// message. `command_id` is the command's idempotency key (and its
/// `Nats-Msg-Id`), so a redelivery asks once.
pub async fn request_handoff(
    ctx: &Context,
    tenant: TenantId,
    conversation: ConversationId,
    reason: &str,
    summary: &str,
    command_id: String,
) -> Result<(), HandlerError> {
    let command = ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: now_ms(),
        command_id: command_id.clone(),
        command: Some(conversation_command::Command::Handoff(RequestHandoff {
            reason: reason.chars().take(MAX_REASON_CHARS).collect(),
            summary: fit(summary.trim()),
            requested_by: Role::Ai as i32,
        })),
    };
    ctx.bus
        .publish_durable(
            subjects::command(tenant, conversation),
            &command_id,
            &command,
        )
        .await?;
    ctx.counters.handoffs.inc();
    tracing::info!(%conversation, reason, "handoff requested");
    Ok(())
}

/// Switches the AI agent's typing indicator. Ephemeral: lost when nobody
/// listens, and the widget clears it on its own after a few seconds.
pub async fn typing(
    ctx: &Context,
    tenant: TenantId,
    conversation: ConversationId,
    author: &Author,
    on: bool,
) -> Result<(), HandlerError> {
    let event = TypingEvent {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        author: Some(author.clone()),
        on,
    };
    ctx.bus
        .publish_core(subjects::typing(tenant, conversation), &event)
        .await?;
    Ok(())
}

/// The conversation and its last `limit` messages (oldest first) from the
/// transcript service; `None` when it has no such conversation for `tenant`.
pub async fn read_conversation(
    ctx: &Context,
    tenant: TenantId,
    conversation: ConversationId,
    limit: u32,
) -> Result<Option<TranscriptPage>, HandlerError> {
    let query = TranscriptQuery {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        after_seq: 0,
        limit,
        tail: true,
    };
    let page: TranscriptPage = ctx
        .bus
        .request(subjects::transcript_rpc(tenant), &query, ctx.rpc_timeout)
        .await?;
    if !page.error.is_empty() {
        return Err(HandlerError::Transcript { code: page.error });
    }
    Ok(page.info.is_some().then_some(page))
}

/// Keeps a post within the transcript's limit rather than have it refused: a
/// knowledge answer is checked when it is configured, so this only guards
/// against records written around the API.
fn fit(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => {
            tracing::warn!(chars = MAX_TEXT_CHARS, "AI reply cut to the message limit");
            text[..cut].to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_answer_is_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT_CHARS + 10);
        assert_eq!(fit(&long).chars().count(), MAX_TEXT_CHARS);
        assert_eq!(fit("short"), "short");
    }

    #[test]
    fn an_unnamed_agent_signs_with_a_default_name() {
        let agent = AiAgent {
            id: "a".into(),
            ..Default::default()
        };
        let author = ai_author(&agent);
        assert_eq!(author.role(), Role::Ai);
        assert_eq!(author.name, DEFAULT_AI_NAME);
    }
}
