//! Replies from external AI platforms (`switchboard.ai.reply.{tenant}` on
//! `SB_AI`), posted into the conversation as the AI agent while the
//! conversation is still in state `ai`.

use std::sync::Arc;

use prost::Message;
use switchboard_bus::consume::Delivery;
use switchboard_contracts::v1::AiReply;
use switchboard_runtime::telemetry;

use super::Context;
use super::inbound::{
    conversation_id, external_ai_turn, message_text, platform_tenant, reply_client_id,
};
use super::perform::{ai_author, post_as_ai, typing};
use crate::error::{HandlerError, Poison};

/// The consumer pipeline's entry point; the error says retry or park.
pub async fn handle(ctx: Arc<Context>, delivery: Delivery) -> Result<(), HandlerError> {
    process(&ctx, &delivery).await
}

async fn process(ctx: &Context, delivery: &Delivery) -> Result<(), HandlerError> {
    let reply = AiReply::decode(delivery.payload.clone()).map_err(|source| {
        HandlerError::poison(Poison::Undecodable {
            what: "AiReply",
            source,
        })
    })?;
    let tenant = platform_tenant(&delivery.subject, &reply.tenant)?;
    let conversation = conversation_id(&reply.conversation)?;
    telemetry::record_conversation(&conversation);
    message_text("text", &reply.text)?;
    let client_id = reply_client_id(&reply.request_id, delivery.stream_sequence)?;
    let Some(assignment) = external_ai_turn(ctx, tenant, conversation).await? else {
        return Ok(());
    };
    let author = ai_author(&assignment.agent);
    post_as_ai(
        ctx,
        tenant,
        conversation,
        author.clone(),
        &reply.text,
        client_id,
    )
    .await?;
    ctx.counters.ai_replies.inc();
    typing(ctx, tenant, conversation, &author, false).await
}
