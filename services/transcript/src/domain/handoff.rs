//! Handing a conversation to the support team (SPEC §4): `ai → queued`, but
//! only for a signed-in customer. An anonymous customer's handoff waits
//! (`handoff_pending`) behind a `sign_in_required` notice; identifying the
//! customer carries it on.

use switchboard_contracts::texts;
use switchboard_contracts::v1::{
    ConversationState, Customer, IdentifyCustomer, RequestHandoff, Role, SupportMode,
};

use super::plan::{Plan, Record};
use super::{MAX_LABEL_CHARS, MAX_TEXT_CHARS, check_length, invalid, notices};
use crate::error::Refusal;

/// What the team is told when a handoff names no reason.
fn default_reason(requested_by: Role) -> &'static str {
    match requested_by {
        Role::Customer => "customer_asked",
        Role::Ai => "ai_handoff",
        Role::Agent => "agent_handoff",
        Role::System | Role::Unspecified => "handoff",
    }
}

/// A handoff request. `first_customer_text` is the customer's first message,
/// the summary when the request has none.
pub fn handoff(
    record: &Record,
    request: &RequestHandoff,
    first_customer_text: Option<&str>,
    at_ms: i64,
) -> Result<Plan, Refusal> {
    check_length("handoff.reason", &request.reason, MAX_LABEL_CHARS)?;
    check_length("handoff.summary", &request.summary, MAX_TEXT_CHARS)?;
    let plan = Plan::new(record, at_ms);
    match record.state() {
        ConversationState::Ended => return Err(Refusal::ConversationEnded),
        // Already with the team (a repeated request, a race): nothing to do.
        ConversationState::Queued | ConversationState::Live => return Ok(plan),
        ConversationState::Ai | ConversationState::Unspecified => {}
    }
    if record.info.support_mode() == SupportMode::AiAgent {
        return Err(invalid(
            "the conversation's support mode is ai_agent: there is no team to hand it to",
        ));
    }
    let reason = match request.reason.trim() {
        "" => default_reason(request.requested_by()).to_owned(),
        reason => reason.to_owned(),
    };
    let summary = request.summary.trim().to_owned();
    if record.signed_in() {
        return Ok(queue(plan, reason, summary, first_customer_text));
    }
    // The customer is told every time they ask, so a second click on "talk
    // to a person" is answered too; the latest request is the one kept.
    Ok(plan
        .notice(notices::SIGN_IN_REQUIRED, texts::SIGN_IN_REQUIRED)
        .edit_last(|after| {
            after.info.handoff_pending = true;
            after.info.handoff_reason = reason;
            after.info.summary = summary;
        }))
}

/// The customer signed in. Only anonymous → signed in: the same person
/// again is a no-op, somebody else is a conflict.
pub fn identify(
    record: &Record,
    identify: &IdentifyCustomer,
    first_customer_text: Option<&str>,
    at_ms: i64,
) -> Result<Plan, Refusal> {
    let customer = identify
        .customer
        .as_ref()
        .filter(|c| !c.key.trim().is_empty())
        .ok_or_else(|| invalid("identify.customer.key must be set"))?;
    check_length("identify.customer.key", &customer.key, MAX_LABEL_CHARS)?;
    check_length("identify.customer.name", &customer.name, MAX_LABEL_CHARS)?;
    check_length("identify.customer.email", &customer.email, MAX_LABEL_CHARS)?;
    let plan = Plan::new(record, at_ms);
    if record.state() == ConversationState::Ended {
        return Err(Refusal::ConversationEnded);
    }
    if let Some(current) = record.info.customer.as_ref().filter(|c| c.signed_in) {
        return if current.key == customer.key {
            Ok(plan)
        } else {
            Err(Refusal::Conflict(
                "the conversation already belongs to another signed-in customer".into(),
            ))
        };
    }
    let signed_in = Customer {
        key: customer.key.clone(),
        name: customer.name.clone(),
        email: customer.email.clone(),
        signed_in: true,
    };
    let plan = plan.identified(|after| after.info.customer = Some(signed_in));
    let pending = plan.current().info.handoff_pending;
    if !pending || plan.current().state() != ConversationState::Ai {
        return Ok(plan);
    }
    let (reason, summary) = {
        let info = &plan.current().info;
        (info.handoff_reason.clone(), info.summary.clone())
    };
    Ok(queue(plan, reason, summary, first_customer_text))
}

/// `ai → queued` with what the team needs to know.
fn queue(plan: Plan, reason: String, summary: String, first_customer_text: Option<&str>) -> Plan {
    let summary = if summary.is_empty() {
        first_customer_text.unwrap_or_default().trim().to_owned()
    } else {
        summary
    };
    plan.change_state(ConversationState::Queued, "handoff", |after| {
        after.info.handoff_pending = false;
        after.info.handoff_reason = reason;
        after.info.summary = summary;
    })
}

#[cfg(test)]
mod tests;
