//! Customer messages in state `ai`, from `SB_EVENTS` (events of kind `turn`,
//! the only ones the server delivers here): the built-in AI agent answers
//! them here; for an external AI agent they go out as an `AiRequest`.
//!
//! Every answer is posted with `client_id = ai:{customer message id}` and a
//! handoff asked for with `command_id = handoff:{customer message id}`, so a
//! redelivered event (a crash before the ack, a republished event) answers
//! and hands off once. Anything that is not a customer message in state `ai`
//! (which the filter keeps away) is acked and skipped.

use std::sync::Arc;

use prost::Message;
use switchboard_bus::consume::Delivery;
use switchboard_contracts::ids::{AiAgentId, ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{
    AiAgent, AiKind, AiRequest, ChatMessage, ConversationEvent, ConversationInfo,
    ConversationState, MessageAdded, Role, SupportMode, conversation_event,
};

use super::perform::{ai_author, post_as_ai, read_conversation, request_handoff, typing};
use super::{Assignment, Context, assignment};
use crate::decision::{Decision, HandoffPolicy, Turn, decide, previous_misses};
use crate::domain::NO_ANSWER_TEXT;
use crate::error::{HandlerError, Poison};

/// Messages of the thread an external AI platform gets with each request.
pub const TRANSCRIPT_TAIL: u32 = 20;

/// The consumer pipeline's entry point; the error says retry or park.
pub async fn handle(ctx: Arc<Context>, delivery: Delivery) -> Result<(), HandlerError> {
    process(&ctx, &delivery).await
}

/// A customer message the AI agent should answer.
#[derive(Debug)]
struct CustomerTurn {
    tenant: TenantId,
    conversation: ConversationId,
    info: ConversationInfo,
    message: ChatMessage,
}

async fn process(ctx: &Context, delivery: &Delivery) -> Result<(), HandlerError> {
    let event = ConversationEvent::decode(delivery.payload.clone()).map_err(|source| {
        HandlerError::poison(Poison::Undecodable {
            what: "ConversationEvent",
            source,
        })
    })?;
    let Some(turn) = customer_turn(&delivery.subject, event)? else {
        return Ok(());
    };
    let Some(assignment) = assignment(ctx, turn.tenant, &turn.info).await? else {
        return Ok(());
    };
    match assignment.agent.kind() {
        AiKind::External => ask_platform(ctx, &turn, &assignment.agent).await,
        AiKind::Builtin | AiKind::Unspecified => answer(ctx, &turn, &assignment).await,
    }
}

/// The customer message in `event`, if the AI agent should answer it.
fn customer_turn(
    subject: &str,
    event: ConversationEvent,
) -> Result<Option<CustomerTurn>, HandlerError> {
    let tenant: TenantId = event.tenant.parse().map_err(|source| {
        HandlerError::poison(Poison::BadId {
            what: "event tenant",
            source,
        })
    })?;
    if subjects::tenant_of(subject) != Some(tenant) {
        return Err(HandlerError::poison(Poison::EventOnOtherSubject));
    }
    let conversation: ConversationId = event.conversation.parse().map_err(|source| {
        HandlerError::poison(Poison::BadId {
            what: "event conversation",
            source,
        })
    })?;
    let Some(conversation_event::Event::Message(MessageAdded {
        message: Some(message),
    })) = event.event
    else {
        return Ok(None);
    };
    let Some(info) = event.info else {
        return Err(HandlerError::poison(Poison::NoInfo));
    };
    let from_customer = message
        .author
        .as_ref()
        .is_some_and(|a| a.role() == Role::Customer);
    if !from_customer || info.state() != ConversationState::Ai {
        return Ok(None);
    }
    if message.id.is_empty() {
        return Err(HandlerError::poison(Poison::NoMessageId));
    }
    Ok(Some(CustomerTurn {
        tenant,
        conversation,
        info,
        message,
    }))
}

/// The built-in AI agent: typing on, decide, post, typing off.
async fn answer(
    ctx: &Context,
    turn: &CustomerTurn,
    assignment: &Assignment,
) -> Result<(), HandlerError> {
    let (tenant, conversation) = (turn.tenant, turn.conversation);
    let agent = &assignment.agent;
    let author = ai_author(agent);
    typing(ctx, tenant, conversation, &author, true).await?;

    let previous_misses = if assignment.mode == SupportMode::AiAndTeam {
        misses_so_far(ctx, turn).await
    } else {
        0
    };
    let index = ctx.indexes.get(agent);
    let decision = decide(
        &Turn {
            mode: assignment.mode,
            message: &turn.message.text,
            previous_misses,
            next_steps: &agent.next_steps,
            handoff: &HandoffPolicy::of(agent),
        },
        &index,
    );
    let client_id = format!("ai:{}", turn.message.id);
    let text = match decision {
        Decision::Answer(text) => {
            if text == NO_ANSWER_TEXT {
                ctx.counters.not_confident.inc();
            } else {
                ctx.counters.answered.inc();
            }
            text
        }
        Decision::NextSteps(text) => {
            ctx.counters.next_steps.inc();
            text
        }
        Decision::Handoff { reason, phrase } => {
            // Tell the customer first, then ask for the handoff: both go to
            // the conversation's command subject, handled in this order. The
            // transcript applies the sign-in rule and the summary.
            post_as_ai(
                ctx,
                tenant,
                conversation,
                author.clone(),
                &phrase,
                client_id,
            )
            .await?;
            let command_id = format!("handoff:{}", turn.message.id);
            request_handoff(ctx, tenant, conversation, reason.as_str(), "", command_id).await?;
            return typing(ctx, tenant, conversation, &author, false).await;
        }
    };
    post_as_ai(ctx, tenant, conversation, author.clone(), &text, client_id).await?;
    typing(ctx, tenant, conversation, &author, false).await
}

/// The no-answer streak before this message. The two-misses rule is worth
/// less than answering at all, so a transcript that cannot be read counts as
/// no misses instead of holding the answer back.
async fn misses_so_far(ctx: &Context, turn: &CustomerTurn) -> u32 {
    match read_conversation(ctx, turn.tenant, turn.conversation, TRANSCRIPT_TAIL).await {
        Ok(Some(page)) => previous_misses(&page.messages, turn.message.seq),
        Ok(None) => 0,
        Err(error) => {
            tracing::warn!(%error, "could not read the transcript; counting no earlier misses");
            0
        }
    }
}

/// An external AI agent: send the platform the message and the recent thread.
async fn ask_platform(
    ctx: &Context,
    turn: &CustomerTurn,
    agent: &AiAgent,
) -> Result<(), HandlerError> {
    let (tenant, conversation) = (turn.tenant, turn.conversation);
    let ai_agent: AiAgentId = agent.id.parse().map_err(|source| {
        HandlerError::poison(Poison::BadId {
            what: "AI agent id",
            source,
        })
    })?;
    let page = read_conversation(ctx, tenant, conversation, TRANSCRIPT_TAIL)
        .await?
        .ok_or_else(|| HandlerError::Transcript {
            code: "not_found".into(),
        })?;
    if page
        .info
        .as_ref()
        .is_some_and(|i| i.state() != ConversationState::Ai)
    {
        tracing::debug!(%conversation, "conversation left state ai; no request sent");
        return Ok(());
    }
    let request = AiRequest {
        tenant: tenant.to_string(),
        ai_agent: agent.id.clone(),
        conversation: conversation.to_string(),
        message: Some(turn.message.clone()),
        transcript: recent(page.messages, &turn.message),
        request_id: turn.message.id.clone(),
    };
    let msg_id = format!("aireq:{}", turn.message.id);
    ctx.bus
        .publish_durable(subjects::ai_request(tenant, ai_agent), &msg_id, &request)
        .await?;
    ctx.counters.ai_requests.inc();
    typing(ctx, tenant, conversation, &ai_author(agent), true).await
}

/// The thread up to and including `current`, oldest first, at most
/// [`TRANSCRIPT_TAIL`] messages. Later messages (present on a redelivery) are
/// left out so the request reads as it did when the customer sent `current`.
fn recent(messages: Vec<ChatMessage>, current: &ChatMessage) -> Vec<ChatMessage> {
    let mut thread: Vec<ChatMessage> = messages
        .into_iter()
        .filter(|m| m.seq < current.seq && m.id != current.id)
        .collect();
    thread.sort_by_key(|m| m.seq);
    thread.push(current.clone());
    let skip = thread.len().saturating_sub(TRANSCRIPT_TAIL as usize);
    thread.split_off(skip)
}

#[cfg(test)]
#[path = "events_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64) -> ChatMessage {
        ChatMessage {
            id: format!("m{seq}"),
            seq,
            ..Default::default()
        }
    }

    #[test]
    fn the_request_transcript_ends_with_the_message_and_holds_at_most_the_tail() {
        let stored: Vec<ChatMessage> = (1..=30).rev().map(message).collect();
        let thread = recent(stored, &message(25));
        let seqs: Vec<u64> = thread.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (6..=25).collect::<Vec<_>>());
        assert_eq!(recent(Vec::new(), &message(1)), vec![message(1)]);
    }
}
