//! What each effect turns into, one function per effect: which durable
//! operations, notifications and counters, and the check against the
//! committed state that keeps a re-performance from showing a stale offer,
//! status or position (see the parent module).

use std::collections::{HashMap, HashSet};

use futures::future::BoxFuture;
use switchboard_bus::BusError;
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{AcceptRefused, Assigned, Offer};
use switchboard_runtime::clock;
use switchboard_runtime::metrics::Counter;

use super::super::messages::{self, ms};
use super::{Performer, Scope};
use crate::domain::{
    Effect, FallbackReason, OfferId, SkipReason, Stage, Status, StatusReason, WithdrawReason,
};
use crate::snapshot::Mode;

type Operation<'a> = BoxFuture<'a, Result<(), BusError>>;

/// A step's effects as operations: durable ones, sent together; then
/// notifications, in order; and the counters to bump once all succeeded.
pub(super) struct Plan<'a> {
    pub durable: Vec<Operation<'a>>,
    pub notices: Vec<Operation<'a>>,
    pub counts: Vec<Counter>,
    /// Per space, the conversations whose queue position the step's inputs
    /// moved, and the last of those inputs' scope. Each input lists the
    /// positions behind its own change, but all are told the state the
    /// step committed: so each conversation is told once per step, not
    /// once per input that moved it (a burst of handoffs and accepts would
    /// otherwise tell every waiting customer the same position many times).
    pub positions: HashMap<SpaceId, (&'a Scope<'a>, HashSet<ConversationId>)>,
}

impl<'a> Performer {
    /// Adds the operations of `effects[index]` to `plan`.
    pub(super) fn plan(
        &'a self,
        scope: &'a Scope<'a>,
        effects: &'a [Effect],
        index: usize,
        plan: &mut Plan<'a>,
    ) {
        match effects[index] {
            Effect::Queued {
                conversation,
                accept_until,
                ..
            } => self.plan_queued(scope, conversation, accept_until, plan),
            Effect::Offer {
                offer,
                conversation,
                agent,
                space,
                expires_at,
            } => self.plan_offer(scope, offer, (conversation, agent, space), expires_at, plan),
            Effect::Withdraw {
                offer,
                agent,
                reason,
            } => {
                let event = messages::withdrawn(offer, reason);
                plan.notices
                    .push(Box::pin(self.notify(scope.tenant, agent, event)));
                plan.durable.push(self.cancel(messages::offer_timer(offer)));
                let outcome = match reason {
                    WithdrawReason::OfferTimeout => "timed_out",
                    WithdrawReason::Disconnected => "disconnected",
                    WithdrawReason::AcceptTimeout
                    | WithdrawReason::ConversationEnded
                    | WithdrawReason::AgentLeftSpace => "withdrawn",
                };
                plan.counts.push(self.counters.offers.with([outcome]));
            }
            Effect::Assigned {
                offer,
                conversation,
                agent,
                ..
            } => self.plan_assigned(scope, offer, conversation, agent, plan),
            Effect::AcceptRefused { offer, agent, .. } => {
                let event = Event::Refused(AcceptRefused {
                    offer_id: offer.to_string(),
                    code: ErrorCode::Conflict.as_str().to_owned(),
                    message: messages::NO_LONGER_AVAILABLE.to_owned(),
                });
                plan.notices
                    .push(Box::pin(self.notify(scope.tenant, agent, event)));
            }
            Effect::StatusChanged {
                agent,
                space,
                status,
                reason,
            } => self.plan_status(scope, agent, space, (status, reason), plan),
            Effect::Fallback {
                conversation,
                reason,
                ..
            } => self.plan_fallback(scope, conversation, reason, plan),
            Effect::QueuePositions {
                space,
                ref positions,
            } => {
                // Told once per step, after its other notices (see
                // `Plan::positions`).
                let (latest, listed) = plan
                    .positions
                    .entry(space)
                    .or_insert_with(|| (scope, HashSet::new()));
                *latest = scope;
                listed.extend(positions.iter().map(|(conversation, _)| *conversation));
            }
            Effect::Decision {
                conversation,
                space,
                chosen,
                ref skipped,
                skipped_total,
            } => {
                tracing::debug!(%conversation, ?chosen, ?skipped, skipped_total, "routing decision");
                // The offer that carries the decision out, when one follows it.
                let offer = match effects.get(index + 1) {
                    Some(Effect::Offer {
                        offer,
                        conversation: c,
                        ..
                    }) if *c == conversation => Some(*offer),
                    _ => None,
                };
                let decided = (conversation, space, chosen, offer);
                self.plan_decision(scope, index, decided, skipped, plan);
            }
        }
    }

    /// Arms the accept window of a conversation still queued.
    fn plan_queued(
        &'a self,
        scope: &'a Scope<'a>,
        conversation: ConversationId,
        accept_until: u64,
        plan: &mut Plan<'a>,
    ) {
        let queued = scope
            .snapshot
            .state
            .conversation(conversation)
            .is_some_and(|c| matches!(c.stage(), Stage::Queued { .. }));
        if queued {
            let t = scope.tenant;
            let fire = messages::accept_window_expired(t, conversation, accept_until);
            let id = messages::accept_timer(conversation);
            plan.durable
                .push(Box::pin(self.schedule(id, accept_until, t, fire)));
        }
    }

    /// Arms an outstanding offer's timer and shows the offer to its agent.
    fn plan_offer(
        &'a self,
        scope: &'a Scope<'a>,
        offer: OfferId,
        (conversation, agent, space): (ConversationId, AgentId, SpaceId),
        expires_at: u64,
        plan: &mut Plan<'a>,
    ) {
        let outstanding = scope
            .snapshot
            .state
            .conversation(conversation)
            .and_then(|c| c.offer())
            .is_some_and(|o| o.id == offer);
        if !outstanding {
            return;
        }
        let t = scope.tenant;
        let fire = messages::offer_expired(t, offer, expires_at);
        let id = messages::offer_timer(offer);
        plan.durable
            .push(Box::pin(self.schedule(id, expires_at, t, fire)));
        let meta = scope.snapshot.meta.get(&conversation);
        let event = Event::Offer(Offer {
            offer_id: offer.to_string(),
            conversation: conversation.to_string(),
            space: space.to_string(),
            customer: meta.map(|m| m.customer.to_proto()),
            summary: meta.map(|m| m.summary.clone()).unwrap_or_default(),
            expires_at_ms: ms(expires_at),
            experience: meta.map(|m| m.experience.clone()).unwrap_or_default(),
        });
        plan.notices.push(Box::pin(self.notify(t, agent, event)));
        plan.counts.push(self.counters.offers_made.clone());
    }

    /// Tells the transcript who took the conversation, tells the agent while
    /// it is still theirs, and disarms the accept window and the offer.
    fn plan_assigned(
        &'a self,
        scope: &'a Scope<'a>,
        offer: OfferId,
        conversation: ConversationId,
        agent: AgentId,
        plan: &mut Plan<'a>,
    ) {
        let t = scope.tenant;
        let name = self
            .catalog
            .tenant(t)
            .agents
            .get(&agent)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        let now = clock::now_ms_unsigned();
        let command = messages::assign(t, conversation, offer, agent, &name, now);
        plan.durable.push(self.command(t, conversation, command));
        let live = scope
            .snapshot
            .state
            .conversation(conversation)
            .is_some_and(|c| c.stage() == Stage::Live { agent });
        if live {
            let event = Event::Assigned(Assigned {
                conversation: conversation.to_string(),
                offer_id: offer.to_string(),
            });
            plan.notices.push(Box::pin(self.notify(t, agent, event)));
        }
        plan.durable
            .push(self.cancel(messages::accept_timer(conversation)));
        plan.durable.push(self.cancel(messages::offer_timer(offer)));
        plan.counts.push(self.counters.assignments.clone());
        plan.counts.push(self.counters.offers.with(["accepted"]));
    }

    /// Shows an agent a status that still holds.
    fn plan_status(
        &'a self,
        scope: &'a Scope<'a>,
        agent: AgentId,
        space: SpaceId,
        (status, reason): (Status, StatusReason),
        plan: &mut Plan<'a>,
    ) {
        let state = &scope.snapshot.state;
        let current = state.agent(agent).and_then(|a| a.status_in(space));
        if current == Some(status) {
            let event = messages::status(space, status, reason);
            plan.notices
                .push(Box::pin(self.notify(scope.tenant, agent, event)));
        }
    }

    /// Sends the experience's fallback (or the default) and disarms the
    /// accept window.
    fn plan_fallback(
        &'a self,
        scope: &'a Scope<'a>,
        conversation: ConversationId,
        reason: FallbackReason,
        plan: &mut Plan<'a>,
    ) {
        let t = scope.tenant;
        let meta = scope
            .snapshot
            .meta
            .get(&conversation)
            .cloned()
            .unwrap_or_default();
        let text = self
            .catalog
            .experience(&meta.experience)
            .map(|e| e.fallback_message)
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| messages::DEFAULT_FALLBACK.to_owned());
        let back_to_ai = meta.mode == Mode::AiAndTeam;
        let now = clock::now_ms_unsigned();
        let command = messages::fallback(
            t,
            conversation,
            reason,
            back_to_ai,
            &text,
            scope.input_id,
            now,
        );
        plan.durable.push(self.command(t, conversation, command));
        plan.durable
            .push(self.cancel(messages::accept_timer(conversation)));
        plan.counts.push(self.counters.fallbacks.clone());
    }

    /// Records the routing decision for people to read.
    fn plan_decision(
        &'a self,
        scope: &'a Scope<'a>,
        index: usize,
        (conversation, space, chosen, offer): (
            ConversationId,
            SpaceId,
            Option<AgentId>,
            Option<OfferId>,
        ),
        skipped: &[(AgentId, SkipReason)],
        plan: &mut Plan<'a>,
    ) {
        let t = scope.tenant;
        let now = clock::now_ms_unsigned();
        let record = messages::decision(
            t,
            conversation,
            space,
            chosen,
            offer,
            skipped,
            scope.input_id,
            now,
        );
        let id = format!("decision:{}:{index}", scope.input_id);
        plan.durable.push(Box::pin(async move {
            self.bus
                .publish_durable(subjects::decision(t, conversation), &id, &record)
                .await
                .map(|_| ())
        }));
    }
}
