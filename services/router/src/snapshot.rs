//! One tenant's routing snapshot, as stored in KV `SB_ROUTER_STATE` under
//! `tenant.{id}` (in a versioned format of its own, [`format`]) and written
//! with compare-and-set.
//!
//! Besides the core's [`State`] it holds what the shell needs to perform
//! effects ([`Meta`] per conversation: the customer, the summary, the
//! experience and support mode), the configuration revision the state
//! reflects, and the recently applied inputs with the effects each produced,
//! so a redelivered input re-performs its effects instead of being decided
//! again.
//!
//! # Size
//! A KV value is one NATS message: at most the server's `max_payload` (1 MB
//! by default). The applied log is bounded by count and by bytes
//! ([`APPLIED_MAX`], [`APPLIED_BYTES_MAX`]) and released conversations keep
//! only their experience and mode, so what grows with a tenant is the
//! state itself (its agents and held conversations). An input's effects are
//! kept only until the instance that performed them writes the tenant's
//! next snapshot ([`Snapshot::forget_effects`]); afterwards the entry is its
//! id alone (what a redelivery after a lost ack needs), so in a burst the log
//! is ~60 bytes per input instead of ~260 (measured: a 300-conversation,
//! 100-agent tenant's snapshot went from 420 KB, 265 KB of it the log, to
//! about half). A tenant with thousands
//! of agents and conversations at once would need a bigger `max_payload` or
//! the state split by space; fine for now.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::{Customer, SupportMode};

use crate::domain::{self, Effect, State};

pub mod format;

pub use format::FormatError;

/// How many applied inputs the snapshot remembers (with their effects).
pub const APPLIED_MAX: usize = 1024;
/// The most bytes (as JSON) the remembered effects may take.
pub const APPLIED_BYTES_MAX: usize = 256 * 1024;
/// How many released conversations keep their [`Meta`]. Each input releases
/// at most one conversation, so this covers every released conversation an
/// entry of the applied log can name (its fallback is re-performed from it),
/// and it is the memory of ended conversations that makes a late handoff of
/// one of them a no-op.
pub const RELEASED_MAX: usize = APPLIED_MAX;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub state: State,
    /// Held conversations, plus the last [`RELEASED_MAX`] released ones.
    pub meta: BTreeMap<ConversationId, Meta>,
    /// Released conversations, oldest first, with the input that released them.
    released: VecDeque<(u64, ConversationId)>,
    applied: VecDeque<Applied>,
    applied_bytes: usize,
    /// Inputs applied so far; numbers releases.
    inputs: u64,
    /// The configuration revision (KV `SB_CONFIG`) the state was reconciled with.
    pub config_revision: u64,
}

/// What effects need to know about a conversation, from its handoff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub experience: String,
    pub customer: CustomerMeta,
    pub summary: String,
    pub mode: Mode,
    /// The conversation ended: ended is final, so a late handoff is ignored.
    pub closed: bool,
    /// Set while the conversation is not held (fallen back or ended).
    released: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMeta {
    pub key: String,
    pub name: String,
    pub email: String,
    pub signed_in: bool,
}

/// The support mode, as far as routing cares: where a fallback sends the conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Back to the AI agent.
    #[default]
    AiAndTeam,
    /// Ended: there is no AI to go back to.
    SupportTeam,
}

/// One applied input and everything it did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Applied {
    pub input_id: String,
    /// Emptied once the effects are known performed ([`Snapshot::forget_effects`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Effect>,
    bytes: usize,
}

impl Snapshot {
    pub fn new(config: domain::Config) -> Self {
        Self {
            state: State::new(config),
            meta: BTreeMap::new(),
            released: VecDeque::new(),
            applied: VecDeque::new(),
            applied_bytes: 0,
            inputs: 0,
            config_revision: 0,
        }
    }

    /// A stored snapshot of any version this router reads
    /// ([`format`]), under the default timing: the caller sets its own.
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        format::decode(bytes, domain::Config::default())
    }

    /// The snapshot as stored, in the current [`format::VERSION`].
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        format::encode(self)
    }

    /// The effects of an input already applied, if it is remembered.
    pub fn applied(&self, input_id: &str) -> Option<&Applied> {
        self.applied.iter().rev().find(|a| a.input_id == input_id)
    }

    /// Remembers an applied input, forgetting the oldest beyond the bounds.
    pub fn record(&mut self, input_id: &str, effects: Vec<Effect>) {
        self.inputs += 1;
        let bytes = input_id.len() + serde_json::to_vec(&effects).map_or(0, |v| v.len());
        self.applied_bytes += bytes;
        self.applied.push_back(Applied {
            input_id: input_id.to_owned(),
            effects,
            bytes,
        });
        while self.applied.len() > 1
            && (self.applied.len() > APPLIED_MAX || self.applied_bytes > APPLIED_BYTES_MAX)
        {
            if let Some(old) = self.applied.pop_front() {
                self.applied_bytes = self.applied_bytes.saturating_sub(old.bytes);
            }
        }
    }

    /// Forgets the effects of inputs whose effects were all performed (and
    /// acknowledged, or about to be): a redelivery of one of them (a lost
    /// ack) only needs to know it was applied, not what to do again. Only
    /// inputs whose performance failed or was cut short (a crash) keep their
    /// effects, so the log stays small under load.
    pub fn forget_effects(&mut self, input_ids: &[String]) {
        for applied in self.applied.iter_mut().rev() {
            if !applied.effects.is_empty() && input_ids.contains(&applied.input_id) {
                applied.effects = Vec::new();
                self.applied_bytes = self.applied_bytes.saturating_sub(applied.bytes);
                applied.bytes = applied.input_id.len();
                self.applied_bytes += applied.bytes;
            }
        }
    }

    /// Forgets all but the newest applied input: the last resort when the
    /// snapshot would not fit in one KV value.
    pub fn shrink_applied(&mut self) {
        while self.applied.len() > 1 {
            if let Some(old) = self.applied.pop_front() {
                self.applied_bytes = self.applied_bytes.saturating_sub(old.bytes);
            }
        }
    }

    /// The conversation is held again (handed off): its meta is current.
    pub fn hold(&mut self, conversation: ConversationId, meta: Meta) {
        self.meta.insert(conversation, meta);
    }

    /// The conversation is no longer held: keep only what a replayed
    /// fallback needs, for the next [`RELEASED_MAX`] releases. Releasing a
    /// released conversation changes nothing.
    pub fn release(&mut self, conversation: ConversationId) {
        let number = self.inputs + 1;
        let meta = self.meta.entry(conversation).or_default();
        if meta.released.is_some() {
            return;
        }
        meta.customer = CustomerMeta::default();
        meta.summary = String::new();
        meta.released = Some(number);
        self.released.push_back((number, conversation));
        while self.released.len() > RELEASED_MAX {
            let Some((number, old)) = self.released.pop_front() else {
                break;
            };
            // A conversation handed off again since has a newer release, or none.
            if self
                .meta
                .get(&old)
                .is_some_and(|m| m.released == Some(number))
            {
                self.meta.remove(&old);
            }
        }
    }

    /// Whether the conversation ended (and is still remembered as such).
    pub fn is_closed(&self, conversation: ConversationId) -> bool {
        self.meta.get(&conversation).is_some_and(|m| m.closed)
    }

    /// Marks the conversation ended.
    pub fn close(&mut self, conversation: ConversationId) {
        self.meta.entry(conversation).or_default().closed = true;
    }
}

impl Meta {
    pub fn new(
        experience: &str,
        customer: Option<&Customer>,
        summary: &str,
        mode: SupportMode,
    ) -> Self {
        let customer = customer.map_or_else(CustomerMeta::default, |c| CustomerMeta {
            key: c.key.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
            signed_in: c.signed_in,
        });
        Self {
            experience: experience.to_owned(),
            customer,
            summary: summary.to_owned(),
            mode: match mode {
                SupportMode::SupportTeam => Mode::SupportTeam,
                _ => Mode::AiAndTeam,
            },
            closed: false,
            released: None,
        }
    }
}

impl CustomerMeta {
    pub fn to_proto(&self) -> Customer {
        Customer {
            key: self.key.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            signed_in: self.signed_in,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot::new(domain::Config::default())
    }

    #[test]
    fn the_applied_log_keeps_the_newest_inputs_within_its_bounds() {
        let mut s = snapshot();
        for n in 0..APPLIED_MAX + 10 {
            s.record(&format!("input-{n}"), Vec::new());
        }
        assert_eq!(s.applied.len(), APPLIED_MAX);
        assert!(s.applied("input-9").is_none());
        assert!(s.applied(&format!("input-{}", APPLIED_MAX + 9)).is_some());
        s.shrink_applied();
        assert_eq!(s.applied.len(), 1);
    }

    #[test]
    fn a_released_conversation_keeps_its_mode_but_not_its_customer() {
        let mut s = snapshot();
        let c = ConversationId::new();
        let customer = Customer {
            name: "Ada".into(),
            ..Default::default()
        };
        s.hold(
            c,
            Meta::new("cx", Some(&customer), "help", SupportMode::SupportTeam),
        );
        s.release(c);
        let meta = &s.meta[&c];
        assert_eq!(
            (meta.mode, meta.experience.as_str()),
            (Mode::SupportTeam, "cx")
        );
        assert!(meta.customer.name.is_empty() && meta.summary.is_empty());
    }

    #[test]
    fn released_conversations_are_forgotten_oldest_first_unless_held_again() {
        let mut s = snapshot();
        let first = ConversationId::new();
        s.close(first);
        s.release(first);
        let again = ConversationId::new();
        s.release(again);
        s.hold(again, Meta::default());
        for _ in 0..RELEASED_MAX {
            s.record("x", Vec::new());
            s.release(ConversationId::new());
        }
        assert!(!s.is_closed(first));
        assert!(s.meta.contains_key(&again), "held again, so kept");
    }

    #[test]
    fn an_input_whose_effects_were_performed_stays_known_without_them() {
        let mut s = snapshot();
        let effect = Effect::Fallback {
            conversation: ConversationId::new(),
            space: Default::default(),
            reason: domain::FallbackReason::NoAgentsAvailable,
        };
        s.record("done", vec![effect.clone()]);
        s.record("failed", vec![effect]);
        let before = s.applied_bytes;
        s.forget_effects(&["done".to_owned()]);
        assert!(s.applied_bytes < before);
        let back = Snapshot::decode(&s.encode().unwrap()).unwrap();
        assert!(back.applied("done").is_some_and(|a| a.effects.is_empty()));
        assert!(back.applied("failed").is_some_and(|a| a.effects.len() == 1));
    }

    #[test]
    fn a_snapshot_round_trips_through_json() {
        let mut s = snapshot();
        s.record("a", Vec::new());
        s.close(ConversationId::new());
        let back = Snapshot::decode(&s.encode().unwrap()).unwrap();
        assert!(back.applied("a").is_some());
        assert_eq!(back.meta, s.meta);
    }
}

#[cfg(test)]
pub(crate) mod golden;
#[cfg(test)]
mod golden_tests;
