//! One routing input applied to a tenant's snapshot, as plain code: parse the
//! `RoutingInput`, reconcile the configuration if it moved, let the core
//! decide, and keep the conversations' [`Meta`] in step. No I/O: the handler
//! loads, applies, appends the step to the tenant's log, then performs.
//!
//! A step is applied through [`apply_logged`] both when it is decided and
//! when the log is read back ([`crate::log::Entry::replay`]): one function
//! for both, given only what the log records (the input, its time, the
//! reconciliation's changes and whether the tenant has live chat), so a
//! replayed state is the decided one.

use serde::{Deserialize, Serialize};
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};
use switchboard_contracts::v1::routing_input::Input as Wire;
use switchboard_contracts::v1::{Availability, RoutingInput};

use crate::catalog::TenantConfig;
use crate::catalog::reconcile::reconcile;
use crate::domain::{Effect, FallbackReason, Input, OfferId, Status, decide};
use crate::snapshot::{Meta, Snapshot};

/// A routing input, parsed (and as the router's log records it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parsed {
    Handoff {
        conversation: ConversationId,
        space: SpaceId,
        meta: Meta,
    },
    Closed(ConversationId),
    /// Nothing but the configuration to apply.
    ConfigChanged,
    /// A console of the agent said hello: arm its presence timer.
    Connected(AgentId),
    /// The agent's presence timer fired: is it still around?
    PresenceCheck(AgentId),
    /// Any other input, for the core as is.
    Core(Input),
}

/// The input cannot be understood; retrying will not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad routing input: {0}")]
pub struct BadInput(pub String);

pub fn parse(input: &RoutingInput) -> Result<Parsed, BadInput> {
    let bad = |what: &str| BadInput(what.to_owned());
    let conversation = |text: &str| -> Result<ConversationId, BadInput> {
        text.parse().map_err(|_| bad("conversation is not an id"))
    };
    let agent = |text: &str| -> Result<AgentId, BadInput> {
        text.parse().map_err(|_| bad("agent is not an id"))
    };
    let offer = |text: &str| -> Result<OfferId, BadInput> {
        text.parse().map_err(|_| bad("offer_id is not an offer id"))
    };
    Ok(match input.input.as_ref().ok_or_else(|| bad("no input"))? {
        Wire::Handoff(h) => Parsed::Handoff {
            conversation: conversation(&h.conversation)?,
            // A handoff with no routed space can reach nobody: it gets the
            // fallback (the nil space has no agents) rather than a stuck queue.
            space: h.space.parse().unwrap_or_else(|_| nil_space()),
            meta: Meta::new(
                &h.experience,
                h.customer.as_ref(),
                &h.summary,
                h.support_mode(),
            ),
        },
        Wire::SetStatus(s) => Parsed::Core(Input::SetStatus {
            agent: agent(&s.agent)?,
            space: match s.space.as_str() {
                "" => None,
                space => Some(space.parse().map_err(|_| bad("space is not an id"))?),
            },
            status: match s.status() {
                Availability::Available => Status::Available,
                Availability::Unavailable => Status::Unavailable,
                Availability::Unspecified => return Err(bad("status must be set")),
            },
        }),
        Wire::Accept(a) => Parsed::Core(Input::Accept {
            offer: offer(&a.offer_id)?,
            agent: agent(&a.agent)?,
        }),
        Wire::Decline(d) => Parsed::Core(Input::Decline {
            offer: offer(&d.offer_id)?,
            agent: agent(&d.agent)?,
        }),
        Wire::OfferExpired(e) => Parsed::Core(Input::OfferExpired {
            offer: match e.conversation.as_str() {
                // A timer armed before the explicit fields: its id says.
                "" => offer(&e.offer_id)?,
                text => OfferId {
                    conversation: conversation(text)?,
                    number: e.offer_number,
                },
            },
        }),
        Wire::AcceptWindowExpired(e) => Parsed::Core(Input::AcceptWindowExpired {
            conversation: conversation(&e.conversation)?,
        }),
        Wire::ConversationClosed(c) => Parsed::Closed(conversation(&c.conversation)?),
        Wire::ConfigChanged(_) => Parsed::ConfigChanged,
        Wire::AgentConnected(c) => Parsed::Connected(agent(&c.agent)?),
        Wire::PresenceCheck(p) => Parsed::PresenceCheck(agent(&p.agent)?),
    })
}

fn nil_space() -> SpaceId {
    "00000000-0000-0000-0000-000000000000"
        .parse()
        .unwrap_or_default()
}

/// Applies `input` to the snapshot at `now` and returns every effect, the
/// reconciliation's first.
pub fn apply(
    snapshot: &mut Snapshot,
    config: &TenantConfig,
    input: Parsed,
    now: u64,
) -> Vec<Effect> {
    let mut effects = reconcile_with(snapshot, config)
        .map(|r| replay_reconciled(snapshot, &r, now))
        .unwrap_or_default();
    effects.extend(apply_input(snapshot, config.allows_live_chat(), input, now));
    effects
}

/// A configuration change to bring into the state, as the log records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reconciled {
    /// The configuration revision the state reflects afterwards.
    pub revision: u64,
    /// What changed, as core inputs.
    pub changes: Vec<Input>,
}

/// The changes that bring the state to `config`, when it is newer than the
/// one the state reflects.
pub fn reconcile_with(snapshot: &Snapshot, config: &TenantConfig) -> Option<Reconciled> {
    (config.revision > snapshot.config_revision).then(|| Reconciled {
        revision: config.revision,
        changes: reconcile(&snapshot.state, config),
    })
}

/// Applies a reconciliation's changes.
fn replay_reconciled(snapshot: &mut Snapshot, reconciled: &Reconciled, now: u64) -> Vec<Effect> {
    let mut effects = Vec::new();
    for change in &reconciled.changes {
        effects.extend(decide(&mut snapshot.state, change.clone(), now));
    }
    snapshot.config_revision = reconciled.revision;
    effects
}

/// One input of a step, as the log records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logged {
    pub id: String,
    /// When it was decided (ms since the epoch): offers' deadlines count from it.
    pub now: u64,
    pub input: Parsed,
}

/// Applies one logged input (after the step's reconciliation, for its first
/// input) and records it as applied with its effects; returns them.
pub fn apply_logged(
    snapshot: &mut Snapshot,
    reconciled: Option<&Reconciled>,
    live_chat: bool,
    logged: &Logged,
) -> Vec<Effect> {
    let mut effects = reconciled
        .map(|r| replay_reconciled(snapshot, r, logged.now))
        .unwrap_or_default();
    effects.extend(apply_input(
        snapshot,
        live_chat,
        logged.input.clone(),
        logged.now,
    ));
    snapshot.record(&logged.id, effects.clone());
    effects
}

/// Applies `input` alone (no reconciliation) at `now`; `live_chat` is
/// whether the tenant's edition has live chat with people.
fn apply_input(snapshot: &mut Snapshot, live_chat: bool, input: Parsed, now: u64) -> Vec<Effect> {
    let mut effects = Vec::new();
    match input {
        Parsed::Handoff {
            conversation,
            space,
            meta,
        } => {
            let held = snapshot.state.conversation(conversation).is_some();
            if held || snapshot.is_closed(conversation) {
                // A redelivery, or a late handoff of a conversation that ended.
                return effects;
            }
            snapshot.hold(conversation, meta);
            if live_chat {
                effects.extend(decide(
                    &mut snapshot.state,
                    Input::Handoff {
                        conversation,
                        space,
                    },
                    now,
                ));
            } else {
                // SPEC §2: a downgraded tenant's request for a person gets the fallback.
                effects.push(Effect::Fallback {
                    conversation,
                    space,
                    reason: FallbackReason::NoAgentsAvailable,
                });
            }
            release_if_gone(snapshot, conversation);
        }
        Parsed::Closed(conversation) => {
            effects.extend(decide(
                &mut snapshot.state,
                Input::ConversationEnded { conversation },
                now,
            ));
            snapshot.close(conversation);
            snapshot.release(conversation);
        }
        // The handler answers presence inputs itself (a timer, a read): by
        // the time one is applied to the state it is `AgentDisconnected`.
        Parsed::ConfigChanged | Parsed::Connected(_) | Parsed::PresenceCheck(_) => {}
        Parsed::Core(input) => {
            let expired = match input {
                Input::AcceptWindowExpired { conversation } => Some(conversation),
                _ => None,
            };
            effects.extend(decide(&mut snapshot.state, input, now));
            if let Some(conversation) = expired {
                release_if_gone(snapshot, conversation);
            }
        }
    }
    effects
}

/// A conversation the core no longer holds keeps only its released meta.
fn release_if_gone(snapshot: &mut Snapshot, conversation: ConversationId) {
    let held = snapshot.state.conversation(conversation).is_some();
    let known = snapshot.meta.contains_key(&conversation);
    if !held && known {
        snapshot.release(conversation);
    }
}
