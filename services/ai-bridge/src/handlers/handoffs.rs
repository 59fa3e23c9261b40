//! Handoff requests from external AI platforms (`switchboard.ai.handoff.{t}`
//! on `SB_AI`). In `ai_agent` mode nobody is routed (SPEC §3): the customer
//! gets the AI agent's next-steps message. In the team modes the request
//! becomes `ConversationCommand{handoff}` for the transcript service, which
//! applies the sign-in rule; the platform's summary is what the team sees
//! (the customer's first message when it gives none).

use std::sync::Arc;

use prost::Message;
use switchboard_bus::consume::Delivery;
use switchboard_contracts::v1::{HandoffRequest, SupportMode};
use switchboard_runtime::telemetry;

use super::Context;
use super::inbound::{conversation_id, external_ai_turn, platform_tenant};
use super::perform::{MAX_TEXT_CHARS, ai_author, post_as_ai, request_handoff, typing};
use crate::decision::next_steps_text;
use crate::error::{HandlerError, Poison};

/// The consumer pipeline's entry point; the error says retry or park.
pub async fn handle(ctx: Arc<Context>, delivery: Delivery) -> Result<(), HandlerError> {
    process(&ctx, &delivery).await
}

async fn process(ctx: &Context, delivery: &Delivery) -> Result<(), HandlerError> {
    let request = HandoffRequest::decode(delivery.payload.clone()).map_err(|source| {
        HandlerError::poison(Poison::Undecodable {
            what: "HandoffRequest",
            source,
        })
    })?;
    let tenant = platform_tenant(&delivery.subject, &request.tenant)?;
    let conversation = conversation_id(&request.conversation)?;
    telemetry::record_conversation(&conversation);
    // The summary becomes the work item's summary.
    let summary_chars = request.summary.chars().count();
    if summary_chars > MAX_TEXT_CHARS {
        return Err(HandlerError::poison(Poison::TooLong {
            field: "summary",
            chars: summary_chars,
            limit: MAX_TEXT_CHARS,
        }));
    }
    let Some(assignment) = external_ai_turn(ctx, tenant, conversation).await? else {
        return Ok(());
    };
    match assignment.mode {
        SupportMode::AiAndTeam | SupportMode::SupportTeam => {
            // Keyed by the request's stream sequence: a redelivery asks once.
            let command_id = format!("handoff:aihandoff:{}", delivery.stream_sequence);
            request_handoff(
                ctx,
                tenant,
                conversation,
                &request.reason,
                &request.summary,
                command_id,
            )
            .await?;
            typing(
                ctx,
                tenant,
                conversation,
                &ai_author(&assignment.agent),
                false,
            )
            .await
        }
        SupportMode::AiAgent | SupportMode::Unspecified => {
            let author = ai_author(&assignment.agent);
            let text = next_steps_text(&assignment.agent.next_steps);
            // Keyed by the request's stream sequence: a redelivery posts once.
            let client_id = format!("aihandoff:{}", delivery.stream_sequence);
            post_as_ai(ctx, tenant, conversation, author.clone(), &text, client_id).await?;
            ctx.counters.next_steps.inc();
            typing(ctx, tenant, conversation, &author, false).await
        }
    }
}
