//! The bus handlers and what they share. Each handler decodes a delivery,
//! loads what it needs (configuration, the conversation), decides, performs
//! (publishes) and returns the ack decision; none of them stores anything.
//!
//! | module | consumes |
//! |---|---|
//! | [`events`] | `SB_EVENTS`: customer messages in state `ai` |
//! | [`replies`] | `SB_AI` `switchboard.ai.reply.*`: an external platform's answers |
//! | [`handoffs`] | `SB_AI` `switchboard.ai.handoff.*`: an external platform's handoff requests |
//! | [`inbound`] | the checks on what platforms publish: tenant, conversation, text |
//! | [`perform`] | the publishes: AI posts, handoff requests, typing, transcript reads |

pub mod events;
pub mod handoffs;
pub mod inbound;
pub mod perform;
pub mod replies;

use std::time::Duration;

use switchboard_bus::Bus;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::{AiAgent, ConversationInfo, Experience, SupportMode};
use switchboard_runtime::metrics::{Counter, Metrics};

use crate::error::{HandlerError, Poison};
use crate::index_cache::IndexCache;

/// What every handler shares; one per service, behind an `Arc`.
#[derive(Debug)]
pub struct Context {
    pub bus: Bus,
    pub config: ConfigCache,
    pub indexes: IndexCache,
    /// How long to wait for the transcript service.
    pub rpc_timeout: Duration,
    pub counters: Counters,
}

/// The service's counters, registered once.
#[derive(Debug)]
pub struct Counters {
    pub answered: Counter,
    pub not_confident: Counter,
    pub next_steps: Counter,
    pub handoffs: Counter,
    pub ai_requests: Counter,
    pub ai_replies: Counter,
    pub index_builds: Counter,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            answered: metrics.counter(
                "ai_bridge_answers_total",
                "Knowledge-base answers posted by the built-in AI agent.",
            ),
            not_confident: metrics.counter(
                "ai_bridge_no_answer_total",
                "Customer messages the built-in AI agent had no confident answer for.",
            ),
            next_steps: metrics.counter(
                "ai_bridge_next_steps_total",
                "Requests for a person answered with the next-steps message.",
            ),
            handoffs: metrics.counter(
                "ai_bridge_handoffs_total",
                "Handoffs to the support team requested from the transcript service.",
            ),
            ai_requests: metrics.counter(
                "ai_bridge_ai_requests_total",
                "AiRequests published to external AI platforms.",
            ),
            ai_replies: metrics.counter(
                "ai_bridge_ai_replies_total",
                "External AI replies posted into conversations.",
            ),
            index_builds: metrics.counter(
                "ai_bridge_index_builds_total",
                "Knowledge-base indexes built (a rebuild follows a knowledge edit).",
            ),
        }
    }
}

/// The AI agent answering a conversation and the mode it answers in.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub mode: SupportMode,
    pub agent: AiAgent,
}

/// Finds who answers `info`'s conversation. The conversation's own record
/// (kept by the transcript service from its start) comes first, so every
/// handler sees the same agent for a thread; the experience fills in what it
/// lacks. `None` when no published AI agent answers it: the message is skipped.
pub async fn assignment(
    ctx: &Context,
    tenant: TenantId,
    info: &ConversationInfo,
) -> Result<Option<Assignment>, HandlerError> {
    let mut mode = info.support_mode();
    let mut agent_id = info.ai_agent.clone();
    let incomplete = mode == SupportMode::Unspecified || agent_id.is_empty();
    let experience = if incomplete && !info.experience.is_empty() {
        let key = keys::experience(&info.experience);
        ctx.config.get_or_fetch::<Experience>(&key).await?
    } else {
        None
    };
    if let Some(experience) = experience {
        if mode == SupportMode::Unspecified {
            mode = experience.support_mode();
        }
        if agent_id.is_empty() {
            agent_id = experience.ai_agent;
        }
    }
    if agent_id.is_empty() {
        tracing::warn!(conversation = %info.id, "no AI agent answers this conversation; skipped");
        return Ok(None);
    }
    let Some(agent) = ctx
        .config
        .get_or_fetch::<AiAgent>(&keys::ai_agent(&agent_id))
        .await?
    else {
        tracing::warn!(ai_agent = %agent_id, "AI agent not found; message skipped");
        return Ok(None);
    };
    if agent.tenant != tenant.to_string() {
        return Err(HandlerError::poison(Poison::ForeignAgent {
            agent: agent_id,
            tenant,
        }));
    }
    if !agent.published {
        // SPEC §1: customers use an AI agent only once it is published.
        tracing::warn!(ai_agent = %agent_id, "AI agent is not published; message skipped");
        return Ok(None);
    }
    Ok(Some(Assignment { mode, agent }))
}
