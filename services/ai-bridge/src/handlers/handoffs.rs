//! Handoff requests from external AI platforms (`switchboard.ai.handoff.{t}`
//! on `SB_AI`). In `ai_agent` mode nobody is routed (SPEC §3): the customer
//! gets the AI agent's next-steps message. In the team modes the request is
//! where live-chat routing will start; until the router exists it is logged.

use std::sync::Arc;

use prost::Message;
use switchboard_bus::consume::{Delivery, Outcome};
use switchboard_contracts::v1::{HandoffRequest, SupportMode};

use super::Context;
use super::inbound::{conversation_id, external_ai_turn, platform_tenant};
use super::perform::{MAX_TEXT_CHARS, ai_author, post_as_ai, typing};
use crate::decision::next_steps_text;
use crate::error::HandlerError;

/// The consumer pipeline's entry point.
pub async fn handle(ctx: Arc<Context>, delivery: Delivery) -> Outcome {
    match process(&ctx, &delivery).await {
        Ok(()) => Outcome::Ack,
        Err(error) => error.outcome(delivery.attempt),
    }
}

async fn process(ctx: &Context, delivery: &Delivery) -> Result<(), HandlerError> {
    let request = HandoffRequest::decode(delivery.payload.clone())
        .map_err(|e| HandlerError::poison(format!("undecodable HandoffRequest: {e}")))?;
    let tenant = platform_tenant(&delivery.subject, &request.tenant)?;
    let conversation = conversation_id(&request.conversation)?;
    // The summary becomes the work item's summary once handoff is performed.
    let summary_chars = request.summary.chars().count();
    if summary_chars > MAX_TEXT_CHARS {
        return Err(HandlerError::poison(format!(
            "summary is {summary_chars} characters; the limit is {MAX_TEXT_CHARS}"
        )));
    }
    let Some(assignment) = external_ai_turn(ctx, tenant, conversation).await? else {
        return Ok(());
    };
    match assignment.mode {
        SupportMode::AiAndTeam | SupportMode::SupportTeam => {
            // Seam for the live-chat work: route the conversation here.
            ctx.counters.handoffs_deferred.inc();
            tracing::info!(
                %conversation,
                reason = %request.reason.chars().take(200).collect::<String>(),
                summary_chars,
                "platform handoff requested; routing is not available yet"
            );
            Ok(())
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
