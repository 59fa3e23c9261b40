//! Checks shared by the handlers of what external AI platforms publish
//! (`switchboard.ai.reply.{t}`, `switchboard.ai.handoff.{t}`): the tenant of
//! the subject is the only one a platform may act for, and it may act only on
//! a conversation its own AI agent is answering right now.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{AiKind, ConversationState};

use super::perform::{MAX_TEXT_CHARS, read_conversation};
use super::{Assignment, Context, assignment};
use crate::error::{HandlerError, Poison};

/// Longest `request_id` accepted; it becomes part of a message id header.
const MAX_REQUEST_ID_CHARS: usize = 200;

/// The tenant a platform message acts for. NATS permissions confine a platform
/// to its tenant's subjects, so the subject is what it is allowed to touch; a
/// body naming another tenant is an attempt to write across tenants.
pub fn platform_tenant(subject: &str, claimed: &str) -> Result<TenantId, HandlerError> {
    let Some(tenant) = subjects::tenant_of(subject) else {
        return Err(HandlerError::poison(Poison::NoTenant {
            subject: subject.to_owned(),
        }));
    };
    if claimed != tenant.to_string() {
        return Err(HandlerError::poison(Poison::OtherTenant {
            claimed: claimed.chars().take(64).collect(),
            tenant,
        }));
    }
    Ok(tenant)
}

pub fn conversation_id(raw: &str) -> Result<ConversationId, HandlerError> {
    raw.parse().map_err(|source| {
        HandlerError::poison(Poison::BadId {
            what: "conversation",
            source,
        })
    })
}

/// A message text as the transcript accepts it: 1–4,000 characters, not blank.
pub fn message_text(field: &'static str, text: &str) -> Result<(), HandlerError> {
    if text.trim().is_empty() {
        return Err(HandlerError::poison(Poison::Empty { field }));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(HandlerError::poison(Poison::TooLong {
            field,
            chars,
            limit: MAX_TEXT_CHARS,
        }));
    }
    Ok(())
}

/// The idempotency key of a reply. With a `request_id` (the customer message
/// id echoed from the `AiRequest`) it is `ai:{request_id}`, the key the
/// built-in agent uses too: one AI answer per customer message, however often
/// the platform retries. Without one, the reply's own stream sequence: the same
/// on every redelivery, so a crash before the ack does not post twice. (A hash
/// of conversation and text was the alternative, but it would silently drop a
/// platform's second, identical reply such as "Anything else?".)
pub fn reply_client_id(request_id: &str, stream_sequence: u64) -> Result<String, HandlerError> {
    if request_id.is_empty() {
        return Ok(format!("aireply:{stream_sequence}"));
    }
    let valid = request_id.chars().count() <= MAX_REQUEST_ID_CHARS
        && request_id.chars().all(|c| c.is_ascii_graphic());
    if !valid {
        return Err(HandlerError::poison(Poison::BadRequestId {
            limit: MAX_REQUEST_ID_CHARS,
        }));
    }
    Ok(format!("ai:{request_id}"))
}

/// The conversation's answering agent, when the conversation is in state `ai`
/// with an external, published AI agent. `None` when it has moved on (queued,
/// live, ended): the platform's message is late and is dropped.
pub async fn external_ai_turn(
    ctx: &Context,
    tenant: TenantId,
    conversation: ConversationId,
) -> Result<Option<Assignment>, HandlerError> {
    let Some(page) = read_conversation(ctx, tenant, conversation, 1).await? else {
        return Err(HandlerError::poison(Poison::UnknownConversation {
            conversation,
            tenant,
        }));
    };
    let info = page.info.unwrap_or_default();
    if info.state() != ConversationState::Ai {
        tracing::info!(%conversation, state = ?info.state(), "conversation is not with the AI agent; dropped");
        return Ok(None);
    }
    let Some(assignment) = assignment(ctx, tenant, &info).await? else {
        return Ok(None);
    };
    if assignment.agent.kind() != AiKind::External {
        return Err(HandlerError::poison(Poison::BuiltInAgent { conversation }));
    }
    Ok(Some(assignment))
}

#[cfg(test)]
#[path = "inbound_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_naming_another_tenant_is_refused() {
        let mine = TenantId::new();
        let other = TenantId::new();
        let subject = subjects::ai_reply(mine);
        assert_eq!(platform_tenant(&subject, &mine.to_string()).unwrap(), mine);
        assert!(platform_tenant(&subject, &other.to_string()).is_err());
        assert!(platform_tenant("switchboard.ai.reply.nope", "nope").is_err());
    }

    #[test]
    fn reply_texts_follow_the_message_limits() {
        assert!(message_text("text", "Hello").is_ok());
        assert!(message_text("text", "  ").is_err());
        assert!(message_text("text", &"x".repeat(MAX_TEXT_CHARS)).is_ok());
        let error = message_text("text", &"x".repeat(MAX_TEXT_CHARS + 1)).unwrap_err();
        assert!(error.to_string().contains("4001 characters"));
    }

    #[test]
    fn a_reply_without_a_request_id_is_keyed_by_its_stream_sequence() {
        assert_eq!(reply_client_id("m1", 9).unwrap(), "ai:m1");
        assert_eq!(reply_client_id("", 9).unwrap(), "aireply:9");
        assert!(reply_client_id("two words", 9).is_err());
    }
}
