//! What the router needs from the configuration bucket, indexed per tenant:
//! each tenant's edition and limit, its active agents (name and spaces), its spaces
//! (live chat on or off), and the experiences' fallback messages.
//!
//! The index is fed by one watch of the bucket ([`watch`]), so reconciling a
//! tenant reads only that tenant's records. Each tenant carries the highest
//! bucket revision among its routing records (tenant, agents, spaces): a
//! snapshot remembers the revision it was reconciled with, so an instance
//! whose watch lags behind never rolls a tenant back to older settings.
//!
//! | module | what |
//! |---|---|
//! | [`reconcile`](mod@reconcile) | configuration vs state → the core's roster inputs |
//! | [`watch`] | the bucket watch, and `config_changed` inputs on every change |

pub mod reconcile;
pub mod watch;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use switchboard_contracts::config_keys::{ConfigKey, ConfigKind};
use switchboard_contracts::ids::{AgentId, ExperienceId, SpaceId, TenantId};
use switchboard_contracts::v1::{self, Edition, SupportMode};
use tokio::sync::watch as signal;

/// One tenant's routing configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantConfig {
    /// The highest bucket revision among the tenant's routing records.
    pub revision: u64,
    pub edition: Option<Edition>,
    /// `maximum_conversations` as stored (0: unset).
    pub maximum_conversations: u32,
    pub agents: BTreeMap<AgentId, AgentRecord>,
    /// Live chat on or off, per space.
    pub spaces: BTreeMap<SpaceId, bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentRecord {
    pub name: String,
    pub spaces: BTreeSet<SpaceId>,
}

/// What a fallback needs from an experience.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperienceRecord {
    pub fallback_message: String,
    pub support_mode: SupportMode,
}

impl TenantConfig {
    /// Live chat with people is a premium and enterprise feature (SPEC §2);
    /// a tenant the router has no record of gets the fallback too.
    pub fn allows_live_chat(&self) -> bool {
        self.edition.is_some_and(Edition::allows_live_chat)
    }
}

#[derive(Debug, Default)]
struct Index {
    tenants: HashMap<TenantId, Arc<TenantConfig>>,
    experiences: HashMap<ExperienceId, ExperienceRecord>,
    /// The tenant and revision of every record seen, for deletes (which carry no value).
    keys: HashMap<String, (TenantId, u64)>,
}

/// The shared, watched index. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalog {
    index: Arc<RwLock<Index>>,
    /// The highest bucket revision applied.
    seen: signal::Sender<u64>,
    ready: signal::Sender<bool>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self {
            index: Arc::default(),
            seen: signal::Sender::new(0),
            ready: signal::Sender::new(false),
        }
    }
}

/// A record of the bucket as the index takes it.
#[derive(Debug, Clone)]
pub enum Record {
    Tenant(v1::Tenant),
    Agent(v1::Agent),
    Space(v1::Space),
    Experience(v1::Experience),
}

impl Catalog {
    /// The tenant's configuration (empty when it has none).
    pub fn tenant(&self, tenant: TenantId) -> Arc<TenantConfig> {
        self.read()
            .tenants
            .get(&tenant)
            .cloned()
            .unwrap_or_default()
    }

    pub fn experience(&self, experience: &str) -> Option<ExperienceRecord> {
        let id: ExperienceId = experience.parse().ok()?;
        self.read().experiences.get(&id).cloned()
    }

    /// Every tenant with its routing revision.
    pub fn tenants(&self) -> Vec<(TenantId, u64)> {
        self.read()
            .tenants
            .iter()
            .map(|(id, config)| (*id, config.revision))
            .collect()
    }

    /// The highest bucket revision the index has applied.
    pub fn seen(&self) -> u64 {
        *self.seen.borrow()
    }

    /// Waits until the index has applied `revision`; false after `within`.
    pub async fn wait_seen(&self, revision: u64, within: Duration) -> bool {
        let mut seen = self.seen.subscribe();
        tokio::time::timeout(within, seen.wait_for(|r| *r >= revision))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Waits until the bucket's contents at start are loaded.
    pub async fn ready(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    pub fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    fn mark_ready(&self) {
        self.ready.send_replace(true);
    }

    /// Applies one record (`None`: deleted) at `revision`. Returns the tenant
    /// whose routing configuration changed, if any.
    pub fn apply(&self, key: &str, revision: u64, record: Option<Record>) -> Option<TenantId> {
        let changed = self.write().apply(key, revision, record);
        self.advance(revision);
        changed
    }

    /// Notes a revision of a record the index does not follow.
    pub fn advance(&self, revision: u64) {
        self.seen.send_if_modified(|seen| {
            let moved = revision > *seen;
            *seen = (*seen).max(revision);
            moved
        });
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl Index {
    fn apply(&mut self, key: &str, revision: u64, record: Option<Record>) -> Option<TenantId> {
        if self.keys.get(key).is_some_and(|(_, r)| *r >= revision) {
            return None;
        }
        let tenant = match &record {
            Some(record) => record.tenant()?,
            None => self.keys.get(key)?.0,
        };
        self.keys.insert(key.to_owned(), (tenant, revision));
        let key = ConfigKey::parse(key)?;
        let id = key.id.as_str();
        if let Some(Record::Experience(experience)) = &record {
            let id = experience.id.parse().ok()?;
            let value = ExperienceRecord {
                fallback_message: experience.fallback_message.clone(),
                support_mode: experience.support_mode(),
            };
            self.experiences.insert(id, value);
            return None;
        }
        if key.kind == ConfigKind::Experience {
            self.experiences.remove(&id.parse().ok()?);
            return None;
        }
        let config = Arc::make_mut(self.tenants.entry(tenant).or_default());
        config.revision = config.revision.max(revision);
        match record {
            Some(Record::Tenant(t)) => {
                config.edition = Some(t.edition());
                config.maximum_conversations = t.maximum_conversations;
            }
            // A deactivated agent is out of the roster, as if deleted: no
            // offers, an outstanding one moves on, and the live
            // conversations keep their load until the transcript service
            // ends them. Reactivated, they come back unavailable everywhere.
            Some(Record::Agent(agent)) if agent.deactivated => {
                config.agents.remove(&agent.id.parse().ok()?);
            }
            Some(Record::Agent(agent)) => {
                let record = AgentRecord {
                    name: agent.name,
                    spaces: agent.spaces.iter().filter_map(|s| s.parse().ok()).collect(),
                };
                config.agents.insert(agent.id.parse().ok()?, record);
            }
            Some(Record::Space(space)) => {
                config
                    .spaces
                    .insert(space.id.parse().ok()?, space.live_chat);
            }
            Some(Record::Experience(_)) => {}
            None if key.kind == ConfigKind::Tenant => {
                config.edition = None;
                config.maximum_conversations = 0;
            }
            None if key.kind == ConfigKind::Agent => {
                config.agents.remove(&id.parse().ok()?);
            }
            None => {
                config.spaces.remove(&id.parse().ok()?);
            }
        }
        Some(tenant)
    }
}

impl Record {
    /// Decodes a record of a key the router cares about; `None` for other
    /// keys and for records that do not decode (logged by the caller).
    pub fn decode(key: &str, value: &[u8]) -> Option<Result<Record, prost::DecodeError>> {
        use prost::Message;
        Some(match ConfigKey::parse(key)?.kind {
            ConfigKind::Tenant => v1::Tenant::decode(value).map(Record::Tenant),
            ConfigKind::Agent => v1::Agent::decode(value).map(Record::Agent),
            ConfigKind::Space => v1::Space::decode(value).map(Record::Space),
            ConfigKind::Experience => v1::Experience::decode(value).map(Record::Experience),
            ConfigKind::AiAgent | ConfigKind::Widget | ConfigKind::Token => return None,
        })
    }

    fn tenant(&self) -> Option<TenantId> {
        match self {
            Record::Tenant(t) => t.id.parse().ok(),
            Record::Agent(a) => a.tenant.parse().ok(),
            Record::Space(s) => s.tenant.parse().ok(),
            Record::Experience(e) => e.tenant.parse().ok(),
        }
    }
}

/// Whether a bucket key is one the index follows.
pub fn is_followed(key: &str) -> bool {
    ConfigKey::parse(key).is_some_and(|key| {
        matches!(
            key.kind,
            ConfigKind::Tenant | ConfigKind::Agent | ConfigKind::Space | ConfigKind::Experience
        )
    })
}
