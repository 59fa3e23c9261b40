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

use switchboard_bus::timers::{Timers, now_ms};
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{AcceptRefused, Assigned, Offer};

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

impl Performer {
    /// Performs `effects` in order; an error leaves the rest to the redelivery.
    pub async fn perform(&self, scope: &Scope<'_>, effects: &[Effect]) -> Result<(), BusError> {
        for (index, effect) in effects.iter().enumerate() {
            self.one(scope, effects, index, effect).await?;
        }
        Ok(())
    }

    async fn one(
        &self,
        scope: &Scope<'_>,
        effects: &[Effect],
        index: usize,
        effect: &Effect,
    ) -> Result<(), BusError> {
        let (t, state, now) = (scope.tenant, &scope.snapshot.state, now_ms());
        let count = |handle: &switchboard_runtime::metrics::Handle| {
            if !scope.replay {
                handle.inc();
            }
        };
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
                    self.schedule(messages::accept_timer(conversation), accept_until, t, &fire)
                        .await?;
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
                    self.schedule(messages::offer_timer(offer), expires_at, t, &fire)
                        .await?;
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
                    self.notify(t, agent, event).await?;
                    count(&self.counters.offers);
                }
            }
            Effect::Withdraw {
                offer,
                agent,
                reason,
            } => {
                self.notify(t, agent, messages::withdrawn(offer, reason))
                    .await?;
                self.timers.cancel(&messages::offer_timer(offer)).await?;
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
                self.bus
                    .publish_durable(
                        subjects::command(t, conversation),
                        &command.command_id,
                        &command,
                    )
                    .await?;
                let live = state
                    .conversation(conversation)
                    .is_some_and(|c| c.stage() == Stage::Live { agent });
                if live {
                    let event = Event::Assigned(Assigned {
                        conversation: conversation.to_string(),
                        offer_id: offer.to_string(),
                    });
                    self.notify(t, agent, event).await?;
                }
                self.timers
                    .cancel(&messages::accept_timer(conversation))
                    .await?;
                self.timers.cancel(&messages::offer_timer(offer)).await?;
                count(&self.counters.assignments);
            }
            Effect::AcceptRefused { offer, agent, .. } => {
                let event = Event::Refused(AcceptRefused {
                    offer_id: offer.to_string(),
                    code: "conflict".to_owned(),
                    message: messages::NO_LONGER_AVAILABLE.to_owned(),
                });
                self.notify(t, agent, event).await?;
            }
            Effect::StatusChanged {
                agent,
                space,
                status,
                reason,
            } => {
                let current = state.agent(agent).and_then(|a| a.status_in(space));
                if current == Some(status) {
                    self.notify(t, agent, messages::status(space, status, reason))
                        .await?;
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
                self.bus
                    .publish_durable(
                        subjects::command(t, conversation),
                        &command.command_id,
                        &command,
                    )
                    .await?;
                self.timers
                    .cancel(&messages::accept_timer(conversation))
                    .await?;
                count(&self.counters.fallbacks);
            }
            Effect::QueuePositions {
                space,
                ref positions,
            } => self.positions(t, state, space, positions).await?,
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
                self.bus
                    .publish_durable(subjects::decision(t), &id, &record)
                    .await?;
            }
        }
        Ok(())
    }
}
