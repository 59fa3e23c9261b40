//! Performing effects, after the snapshot that decided them is committed:
//! durable commands and decisions (with deterministic `Nats-Msg-Id`s), core
//! notifications to agents and customers, and timers scheduled or cancelled
//! by id.
//!
//! The same code re-performs a redelivered input's recorded effects, so each
//! effect is checked against the committed state first: durable publishes
//! always go (the stream drops a duplicate id), but an offer, a status or a
//! queue position that a later input has since changed is not shown again,
//! and a timer for an offer no longer outstanding is not re-armed. On a
//! first performance the checks only skip what the same input undid itself
//! (an offer made by a reconciliation and withdrawn by the input).
//!
//! An input's durable operations (commands, decisions, timer puts and
//! deletes) do not depend on each other, so they are sent together and
//! awaited together: one round trip per input instead of one per operation.
//! They go out in effect order on one connection, so the server applies them
//! in that order. The core notifications follow, in order, only once every
//! durable operation is stored (an agent never sees `assigned` before the
//! transcript has the `assign`, nor an offer whose timer is not armed).

use futures::future::{BoxFuture, try_join_all};
use switchboard_bus::timers::Timers;
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{AcceptRefused, Assigned, Offer};
use switchboard_runtime::clock;

use switchboard_runtime::metrics::Handle;

use super::Counters;
use super::messages::{self, ms};
use crate::catalog::Catalog;
use crate::domain::{Effect, Stage};
use crate::snapshot::Snapshot;

#[derive(Debug, Clone)]
pub struct Performer {
    pub bus: Bus,
    pub timers: Timers,
    pub catalog: Catalog,
    pub counters: Counters,
}

/// The input whose effects are performed, and the state they were committed with.
pub struct Scope<'a> {
    pub tenant: TenantId,
    pub input_id: &'a str,
    pub snapshot: &'a Snapshot,
    /// A redelivery: the effects were counted the first time.
    pub replay: bool,
}

/// One input's effects as operations: durable ones, sent together; then
/// notifications, in order; and the counters to bump once all succeeded.
struct Plan<'a> {
    durable: Vec<BoxFuture<'a, Result<(), BusError>>>,
    notices: Vec<BoxFuture<'a, Result<(), BusError>>>,
    counts: Vec<&'a Handle>,
}

impl Performer {
    /// Performs `effects`; an error leaves the rest to the redelivery.
    pub async fn perform(&self, scope: &Scope<'_>, effects: &[Effect]) -> Result<(), BusError> {
        let mut plan = Plan {
            durable: Vec::new(),
            notices: Vec::new(),
            counts: Vec::new(),
        };
        for (index, effect) in effects.iter().enumerate() {
            self.plan(scope, effects, index, effect, &mut plan);
        }
        try_join_all(plan.durable).await?;
        for notice in plan.notices {
            notice.await?;
        }
        if !scope.replay {
            plan.counts.iter().for_each(|handle| handle.inc());
        }
        Ok(())
    }

    fn cancel(&self, id: String) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(async move { self.timers.cancel(&id).await })
    }

    fn command<'a>(
        &'a self,
        t: TenantId,
        conversation: switchboard_contracts::ids::ConversationId,
        command: switchboard_contracts::v1::ConversationCommand,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            self.bus
                .publish_durable(
                    subjects::command(t, conversation),
                    &command.command_id,
                    &command,
                )
                .await
                .map(|_| ())
        })
    }

    fn plan<'a>(
        &'a self,
        scope: &'a Scope<'a>,
        effects: &'a [Effect],
        index: usize,
        effect: &'a Effect,
        plan: &mut Plan<'a>,
    ) {
        let (t, state, now) = (
            scope.tenant,
            &scope.snapshot.state,
            clock::now_ms_unsigned(),
        );
        match *effect {
            Effect::Queued {
                conversation,
                accept_until,
                ..
            } => {
                let queued = state
                    .conversation(conversation)
                    .is_some_and(|c| matches!(c.stage(), Stage::Queued { .. }));
                if queued {
                    let fire = messages::accept_window_expired(t, conversation, accept_until);
                    let id = messages::accept_timer(conversation);
                    plan.durable
                        .push(Box::pin(self.schedule(id, accept_until, t, fire)));
                }
            }
            Effect::Offer {
                offer,
                conversation,
                agent,
                space,
                expires_at,
            } => {
                let outstanding = state
                    .conversation(conversation)
                    .and_then(|c| c.offer())
                    .is_some_and(|o| o.id == offer);
                if outstanding {
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
                    plan.counts.push(&self.counters.offers);
                }
            }
            Effect::Withdraw {
                offer,
                agent,
                reason,
            } => {
                plan.notices.push(Box::pin(self.notify(
                    t,
                    agent,
                    messages::withdrawn(offer, reason),
                )));
                plan.durable.push(self.cancel(messages::offer_timer(offer)));
            }
            Effect::Assigned {
                offer,
                conversation,
                agent,
                ..
            } => {
                let name = self
                    .catalog
                    .tenant(t)
                    .agents
                    .get(&agent)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                let command = messages::assign(t, conversation, offer, agent, &name, now);
                plan.durable.push(self.command(t, conversation, command));
                let live = state
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
                plan.counts.push(&self.counters.assignments);
            }
            Effect::AcceptRefused { offer, agent, .. } => {
                let event = Event::Refused(AcceptRefused {
                    offer_id: offer.to_string(),
                    code: ErrorCode::Conflict.as_str().to_owned(),
                    message: messages::NO_LONGER_AVAILABLE.to_owned(),
                });
                plan.notices.push(Box::pin(self.notify(t, agent, event)));
            }
            Effect::StatusChanged {
                agent,
                space,
                status,
                reason,
            } => {
                let current = state.agent(agent).and_then(|a| a.status_in(space));
                if current == Some(status) {
                    let event = messages::status(space, status, reason);
                    plan.notices.push(Box::pin(self.notify(t, agent, event)));
                }
            }
            Effect::Fallback {
                conversation,
                reason,
                ..
            } => {
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
                let back_to_ai = meta.mode == crate::snapshot::Mode::AiAndTeam;
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
                plan.counts.push(&self.counters.fallbacks);
            }
            Effect::QueuePositions {
                space,
                ref positions,
            } => plan
                .notices
                .push(Box::pin(self.positions(t, state, space, positions))),
            Effect::Decision {
                conversation,
                space,
                chosen,
                ref skipped,
                skipped_total,
            } => {
                let offer = match effects.get(index + 1) {
                    Some(Effect::Offer {
                        offer,
                        conversation: c,
                        ..
                    }) if *c == conversation => Some(*offer),
                    _ => None,
                };
                tracing::debug!(%conversation, ?chosen, ?skipped, skipped_total, "routing decision");
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
                        .publish_durable(subjects::decision(t), &id, &record)
                        .await
                        .map(|_| ())
                }));
            }
        }
    }
}
