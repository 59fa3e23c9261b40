//! Commands as the handlers apply them: the domain's rule inside
//! `Store::apply`, with the time given by the test.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{
    AssignAgent, Customer, IdentifyCustomer, RequestHandoff, ReturnToAi, Role,
};

use super::{new_message, post, target};
use crate::domain::{handoff, team};
use crate::error::StoreError;
use crate::store::{Applied, Store};

/// A new conversation in state `ai`, its first message "hello from c1"
/// stored at the returned time.
pub(super) async fn open(store: &Store, signed_in: bool) -> (TenantId, ConversationId, i64) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let mut opening = post(tenant, conversation, "c1");
    if !signed_in {
        opening.start.as_mut().unwrap().customer = Some(Customer {
            key: "anon:visitor".into(),
            name: "Visitor".into(),
            ..Default::default()
        });
    }
    let at = opening.at_ms;
    new_message(store, &opening).await;
    (tenant, conversation, at)
}

pub(super) async fn request_handoff(
    store: &Store,
    (tenant, conversation): (TenantId, ConversationId),
    command_id: &str,
    summary: &str,
) -> Result<Applied, StoreError> {
    let request = RequestHandoff {
        reason: "customer_asked".into(),
        summary: summary.into(),
        requested_by: Role::Customer as i32,
    };
    let at = 1_700_000_100_000;
    store
        .apply(
            target(tenant, conversation, command_id, at),
            true,
            |record, facts| {
                handoff::handoff(record, &request, facts.first_customer_text.as_deref(), at)
            },
        )
        .await
}

pub(super) async fn identify_as(
    store: &Store,
    (tenant, conversation): (TenantId, ConversationId),
    command_id: &str,
    key: &str,
) -> Result<Applied, StoreError> {
    let identify = IdentifyCustomer {
        customer: Some(Customer {
            key: key.into(),
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            signed_in: true,
        }),
    };
    let at = 1_700_000_200_000;
    store
        .apply(
            target(tenant, conversation, command_id, at),
            true,
            |record, facts| {
                handoff::identify(record, &identify, facts.first_customer_text.as_deref(), at)
            },
        )
        .await
}

pub(super) async fn accept(
    store: &Store,
    (tenant, conversation): (TenantId, ConversationId),
    command_id: &str,
    agent: &str,
) -> Result<Applied, StoreError> {
    let assign = AssignAgent {
        agent: agent.into(),
        agent_name: format!("Agent {agent}"),
        offer_id: format!("offer-{agent}"),
    };
    let at = 1_700_000_300_000;
    store
        .apply(
            target(tenant, conversation, command_id, at),
            false,
            |record, _| team::assign(record, &assign, at),
        )
        .await
}

pub(super) async fn give_back(
    store: &Store,
    (tenant, conversation): (TenantId, ConversationId),
    command_id: &str,
    fallback_text: &str,
) -> Result<Applied, StoreError> {
    let back = ReturnToAi {
        reason: "no_agents_available".into(),
        fallback_text: fallback_text.into(),
    };
    let at = 1_700_000_400_000;
    store
        .apply(
            target(tenant, conversation, command_id, at),
            false,
            |record, _| team::return_to_ai(record, &back, at),
        )
        .await
}
