//! The bus messages the router's effects become, built as plain values:
//! agent events, conversation commands, routing decisions and the routing
//! inputs its timers fire, each with its deterministic id.

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    AgentEvent, AgentStatusChanged, AssignAgent, Author, Availability, ConversationCommand,
    EndConversation, EndReason, OfferWithdrawn, ReturnToAi, Role, RouteAcceptWindowExpired,
    RouteOfferExpired, RoutePresenceCheck, RoutingDecision, RoutingInput, SkippedAgent,
};

use crate::domain::{FallbackReason, OfferId, SkipReason, Status, StatusReason, WithdrawReason};

pub use switchboard_contracts::texts::{DEFAULT_FALLBACK, NO_LONGER_AVAILABLE};

/// The accept window's timer: one per conversation.
pub fn accept_timer(conversation: ConversationId) -> String {
    format!("accept.{conversation}")
}

/// An offer's timer. Timer ids are KV keys, where the offer id's `:` may not
/// go, hence `.` here.
pub fn offer_timer(offer: OfferId) -> String {
    format!("offer.{}.{}", offer.conversation, offer.number)
}

/// What the accept-window timer fires, and its id (also its `Nats-Msg-Id`).
pub fn accept_window_expired(
    tenant: TenantId,
    conversation: ConversationId,
    due: u64,
) -> RoutingInput {
    let id = format!("acceptwin:{conversation}:{due}");
    routing_input(
        tenant,
        id,
        due,
        Input::AcceptWindowExpired(RouteAcceptWindowExpired {
            conversation: conversation.to_string(),
        }),
    )
}

/// What an offer's timer fires, and its id (also its `Nats-Msg-Id`).
pub fn offer_expired(tenant: TenantId, offer: OfferId, due: u64) -> RoutingInput {
    routing_input(
        tenant,
        format!("offerexp:{offer}"),
        due,
        Input::OfferExpired(RouteOfferExpired {
            offer_id: offer.to_string(),
            conversation: offer.conversation.to_string(),
            offer_number: offer.number,
        }),
    )
}

/// An agent's presence timer: one per agent, re-armed on every connect.
pub fn presence_timer(agent: AgentId) -> String {
    format!("presence.{agent}")
}

/// What an agent's presence timer fires, and its id (also its `Nats-Msg-Id`).
pub fn presence_check(tenant: TenantId, agent: AgentId, due: u64) -> RoutingInput {
    routing_input(
        tenant,
        format!("presence:{agent}:{due}"),
        due,
        Input::PresenceCheck(RoutePresenceCheck {
            agent: agent.to_string(),
        }),
    )
}

fn routing_input(tenant: TenantId, input_id: String, at: u64, input: Input) -> RoutingInput {
    RoutingInput {
        tenant: tenant.to_string(),
        input_id,
        at_ms: ms(at),
        input: Some(input),
    }
}

pub fn agent_event(tenant: TenantId, agent: AgentId, event: Event) -> AgentEvent {
    AgentEvent {
        tenant: tenant.to_string(),
        agent: agent.to_string(),
        event: Some(event),
    }
}

pub fn withdrawn(offer: OfferId, reason: WithdrawReason) -> Event {
    let reason = match reason {
        WithdrawReason::OfferTimeout => "timeout",
        WithdrawReason::AcceptTimeout => "accept_window",
        WithdrawReason::ConversationEnded => "conversation_closed",
        WithdrawReason::AgentLeftSpace => "agent_left_space",
        WithdrawReason::Disconnected => "disconnected",
    };
    Event::Withdrawn(OfferWithdrawn {
        offer_id: offer.to_string(),
        reason: reason.to_owned(),
    })
}

pub fn status(space: SpaceId, status: Status, reason: StatusReason) -> Event {
    Event::Status(AgentStatusChanged {
        space: space.to_string(),
        status: availability(status) as i32,
        reason: status_reason(reason).to_owned(),
    })
}

/// The wire word of who set a status: empty when the agent asked.
pub fn status_reason(reason: StatusReason) -> &'static str {
    match reason {
        StatusReason::Requested => "",
        StatusReason::OfferTimeout => "offer_timeout",
        StatusReason::Disconnected => "disconnected",
    }
}

pub fn availability(status: Status) -> Availability {
    match status {
        Status::Available => Availability::Available,
        Status::Unavailable => Availability::Unavailable,
    }
}

/// The accept that won, for the transcript: queued → live.
pub fn assign(
    tenant: TenantId,
    conversation: ConversationId,
    offer: OfferId,
    agent: AgentId,
    agent_name: &str,
    at: u64,
) -> ConversationCommand {
    command(
        tenant,
        conversation,
        format!("assign:{offer}"),
        at,
        Command::Assign(AssignAgent {
            agent: agent.to_string(),
            agent_name: agent_name.to_owned(),
            offer_id: offer.to_string(),
        }),
    )
}

/// Where a fallback sends the conversation: back to the AI (ai_and_team at
/// handoff) or to its end. `input_id` makes the command id unique to this
/// fallback (a conversation may fall back, be handed off and fall back again).
pub fn fallback(
    tenant: TenantId,
    conversation: ConversationId,
    reason: FallbackReason,
    back_to_ai: bool,
    text: &str,
    input_id: &str,
    at: u64,
) -> ConversationCommand {
    let id = format!("fallback:{conversation}:{input_id}");
    let what = match reason {
        FallbackReason::NoAgentsAvailable if back_to_ai => Command::ReturnToAi(ReturnToAi {
            reason: "no_agents_available".to_owned(),
            fallback_text: text.to_owned(),
        }),
        FallbackReason::NoAgentsAvailable => end(EndReason::NoAgentsAvailable, text),
        FallbackReason::AcceptTimeout => end(EndReason::AcceptTimeout, text),
    };
    command(tenant, conversation, id, at, what)
}

fn end(reason: EndReason, text: &str) -> Command {
    Command::End(EndConversation {
        reason: reason as i32,
        by: Some(Author {
            role: Role::System as i32,
            ..Default::default()
        }),
        fallback_text: text.to_owned(),
    })
}

fn command(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: String,
    at: u64,
    command: Command,
) -> ConversationCommand {
    ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: ms(at),
        command_id,
        command: Some(command),
    }
}

/// The audit record of one decision.
#[allow(clippy::too_many_arguments)]
pub fn decision(
    tenant: TenantId,
    conversation: ConversationId,
    space: SpaceId,
    chosen: Option<AgentId>,
    offer: Option<OfferId>,
    skipped: &[(AgentId, SkipReason)],
    input_id: &str,
    at: u64,
) -> RoutingDecision {
    RoutingDecision {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        space: space.to_string(),
        chosen: chosen.map(|a| a.to_string()).unwrap_or_default(),
        skipped: skipped
            .iter()
            .map(|(agent, reason)| SkippedAgent {
                agent: agent.to_string(),
                reason: skip_reason(*reason).to_owned(),
            })
            .collect(),
        offer_id: offer.map(|o| o.to_string()).unwrap_or_default(),
        at_ms: ms(at),
        input_id: input_id.to_owned(),
    }
}

fn skip_reason(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::Unavailable => "unavailable",
        SkipReason::AtLimit => "at_limit",
        SkipReason::Declined => "declined",
        SkipReason::TimedOut => "timed_out",
    }
}

pub fn ms(at: u64) -> i64 {
    i64::try_from(at).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::streams::timer_keys;

    use super::*;

    fn offer() -> OfferId {
        OfferId {
            conversation: ConversationId::new(),
            number: 7,
        }
    }

    #[test]
    fn timer_ids_are_valid_bucket_keys() {
        let offer = offer();
        assert!(timer_keys::is_valid_id(&offer_timer(offer)));
        assert!(timer_keys::is_valid_id(&accept_timer(offer.conversation)));
        let agent = AgentId::new();
        assert!(timer_keys::is_valid_id(&presence_timer(agent)));
        assert_eq!(
            presence_check(TenantId::new(), agent, 5).input_id,
            format!("presence:{agent}:5")
        );
        assert_eq!(
            offer_expired(TenantId::new(), offer, 5).input_id,
            format!("offerexp:{offer}")
        );
    }

    #[test]
    fn withdraw_reasons_use_the_contract_words() {
        let reason = |r| match withdrawn(offer(), r) {
            Event::Withdrawn(w) => w.reason,
            _ => String::new(),
        };
        assert_eq!(reason(WithdrawReason::OfferTimeout), "timeout");
        assert_eq!(reason(WithdrawReason::AcceptTimeout), "accept_window");
        assert_eq!(
            reason(WithdrawReason::ConversationEnded),
            "conversation_closed"
        );
        assert_eq!(reason(WithdrawReason::AgentLeftSpace), "agent_left_space");
        assert_eq!(reason(WithdrawReason::Disconnected), "disconnected");
    }

    #[test]
    fn status_reasons_use_the_contract_words() {
        assert_eq!(status_reason(StatusReason::Requested), "");
        assert_eq!(status_reason(StatusReason::OfferTimeout), "offer_timeout");
        assert_eq!(status_reason(StatusReason::Disconnected), "disconnected");
    }

    #[test]
    fn a_fallback_returns_to_the_ai_only_at_handoff_in_ai_and_team() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let kind = |reason, back| fallback(t, c, reason, back, "x", "in", 1).command;
        assert!(matches!(
            kind(FallbackReason::NoAgentsAvailable, true),
            Some(Command::ReturnToAi(_))
        ));
        let Some(Command::End(end)) = kind(FallbackReason::NoAgentsAvailable, false) else {
            panic!("an end");
        };
        assert_eq!(end.reason(), EndReason::NoAgentsAvailable);
        let Some(Command::End(end)) = kind(FallbackReason::AcceptTimeout, true) else {
            panic!("an end");
        };
        assert_eq!(end.reason(), EndReason::AcceptTimeout);
    }
}
