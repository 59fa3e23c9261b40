//! Fuzzing of what external AI platforms publish: replies and handoff
//! requests valid for a conversation, changed on the wire, or random
//! bytes, read and checked in the order the handlers do (decode, the
//! subject's tenant, the conversation, the text, the request id). Whatever
//! arrives: nothing panics and every refusal parks the message (never
//! retried), with a reason.

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{AiReply, HandoffRequest};
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{conversation_id, message_text, platform_tenant, reply_client_id};
use crate::error::{HandlerError, Poison};
use crate::handlers::perform::MAX_TEXT_CHARS;

fn undecodable(what: &'static str, source: prost::DecodeError) -> HandlerError {
    HandlerError::poison(Poison::Undecodable { what, source })
}

fn reply(subject: &str, payload: &[u8]) -> Result<(), HandlerError> {
    let reply = AiReply::decode(payload).map_err(|e| undecodable("AiReply", e))?;
    platform_tenant(subject, &reply.tenant)?;
    conversation_id(&reply.conversation)?;
    message_text("text", &reply.text)?;
    reply_client_id(&reply.request_id, 7)?;
    Ok(())
}

fn handoff(subject: &str, payload: &[u8]) -> Result<(), HandlerError> {
    let request = HandoffRequest::decode(payload).map_err(|e| undecodable("HandoffRequest", e))?;
    platform_tenant(subject, &request.tenant)?;
    conversation_id(&request.conversation)?;
    let chars = request.summary.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(HandlerError::poison(Poison::TooLong {
            field: "summary",
            chars,
            limit: MAX_TEXT_CHARS,
        }));
    }
    Ok(())
}

fn parked_if_refused(read: Result<(), HandlerError>) -> Result<(), TestCaseError> {
    if let Err(error) = read {
        prop_assert_eq!(error.disposition(), Disposition::Park, "{}", error);
        prop_assert!(!error.to_string().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_platform_message_is_read_or_parked(
        reply_text in text(),
        request_id in prop_oneof![Just(String::new()), "[ -~]{0,300}", text()],
        summary in text(),
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (tenant, conversation) = (TenantId::new(), ConversationId::new());
        let valid_reply = AiReply {
            tenant: tenant.to_string(),
            conversation: conversation.to_string(),
            text: reply_text,
            request_id,
        };
        let valid_handoff = HandoffRequest {
            tenant: tenant.to_string(),
            conversation: conversation.to_string(),
            reason: "customer_request".into(),
            summary,
        };
        let (replies, handoffs) = (subjects::ai_reply(tenant), subjects::ai_handoff(tenant));
        for subject in [replies.as_str(), "switchboard.ai.reply.nope"] {
            parked_if_refused(reply(subject, &valid_reply.encode_to_vec()))?;
        }
        if let Ok(changed) = through_the_wire(&valid_reply, &edits) {
            parked_if_refused(reply(&replies, &changed.encode_to_vec()))?;
        }
        parked_if_refused(reply(&replies, &bytes))?;
        parked_if_refused(handoff(&handoffs, &valid_handoff.encode_to_vec()))?;
        if let Ok(changed) = through_the_wire(&valid_handoff, &edits) {
            parked_if_refused(handoff(&handoffs, &changed.encode_to_vec()))?;
        }
        parked_if_refused(handoff(&handoffs, &bytes))?;
    }
}
