//! Built knowledge-base indexes, kept between messages so a busy AI agent is
//! not re-indexed for every customer message.
//!
//! An entry is keyed by AI agent and checked against a fingerprint of the
//! agent's current knowledge: an admin's edit arrives through the config watch,
//! changes the fingerprint and the next message rebuilds. The configuration
//! cache does not expose KV revisions, and a content hash is better anyway: a
//! rename of the agent does not rebuild, and two instances agree without
//! coordinating. Capacity is bounded; the least recently used agent goes first.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use switchboard_contracts::v1::AiAgent;
use switchboard_runtime::metrics::Counter;

use crate::domain::{Entry, Index};

#[derive(Debug)]
pub struct IndexCache {
    capacity: usize,
    inner: Mutex<Inner>,
    /// Counts builds, so operators (and tests) see whether the cache works.
    builds: Counter,
}

#[derive(Debug, Default)]
struct Inner {
    /// Bumped on every lookup; a slot remembers when it was last used.
    clock: u64,
    slots: HashMap<String, Slot>,
}

#[derive(Debug)]
struct Slot {
    fingerprint: u64,
    index: Arc<Index>,
    used: u64,
}

impl IndexCache {
    pub fn new(capacity: usize, builds: Counter) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::default(),
            builds,
        }
    }

    /// The index of `agent`'s current knowledge, built now if the cached one is
    /// missing or stale.
    pub fn get(&self, agent: &AiAgent) -> Arc<Index> {
        let fingerprint = fingerprint(agent);
        if let Some(index) = self.lookup(&agent.id, fingerprint) {
            return index;
        }
        // Built outside the lock: other agents' messages need not wait. Two
        // lanes racing on the same agent both build; the last one is kept.
        let index = Arc::new(Index::build(agent.knowledge.iter().map(|k| Entry {
            question: k.question.clone(),
            answer: k.answer.clone(),
        })));
        self.store(&agent.id, fingerprint, index.clone());
        index
    }

    /// How many indexes have been built.
    pub fn builds(&self) -> u64 {
        self.builds.get()
    }

    fn lookup(&self, agent: &str, fingerprint: u64) -> Option<Arc<Index>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let slot = inner.slots.get_mut(agent)?;
        if slot.fingerprint != fingerprint {
            return None;
        }
        slot.used = now;
        Some(slot.index.clone())
    }

    fn store(&self, agent: &str, fingerprint: u64, index: Arc<Index>) {
        self.builds.inc();
        let mut inner = self.lock();
        let used = inner.clock;
        inner.slots.insert(
            agent.to_owned(),
            Slot {
                fingerprint,
                index,
                used,
            },
        );
        while inner.slots.len() > self.capacity {
            // A linear scan, only when a build overflows: capacity is small and
            // builds are rare next to lookups.
            let oldest = inner
                .slots
                .iter()
                .min_by_key(|(_, slot)| slot.used)
                .map(|(key, _)| key.clone());
            match oldest {
                Some(key) => inner.slots.remove(&key),
                None => break,
            };
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A hash of exactly what the index is built from.
fn fingerprint(agent: &AiAgent) -> u64 {
    let mut hasher = DefaultHasher::new();
    agent.knowledge.len().hash(&mut hasher);
    for entry in &agent.knowledge {
        entry.question.hash(&mut hasher);
        entry.answer.hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::Knowledge;
    use switchboard_runtime::metrics::Metrics;

    use super::*;

    fn cache(capacity: usize) -> IndexCache {
        IndexCache::new(
            capacity,
            Metrics::new().counter("builds_total", "index builds"),
        )
    }

    fn agent(id: &str, answer: &str) -> AiAgent {
        AiAgent {
            id: id.into(),
            knowledge: vec![Knowledge {
                question: "How do I reset my password?".into(),
                answer: answer.into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_same_knowledge_is_indexed_once() {
        let cache = cache(4);
        let a = agent("a", "Use the link.");
        cache.get(&a);
        cache.get(&a);
        let mut renamed = a;
        renamed.name = "Sparky".into();
        cache.get(&renamed);
        assert_eq!(cache.builds(), 1);
    }

    #[test]
    fn edited_knowledge_is_indexed_again() {
        let cache = cache(4);
        cache.get(&agent("a", "Use the link."));
        let index = cache.get(&agent("a", "Ask your administrator."));
        assert_eq!(cache.builds(), 2);
        assert!(matches!(
            index.best("reset my password"),
            crate::domain::Answer::Confident { answer, .. } if answer == "Ask your administrator."
        ));
    }

    #[test]
    fn the_least_recently_used_agent_is_evicted_first() {
        let cache = cache(2);
        cache.get(&agent("a", "x"));
        cache.get(&agent("b", "x"));
        cache.get(&agent("a", "x"));
        cache.get(&agent("c", "x"));
        assert_eq!(cache.builds(), 3);
        cache.get(&agent("a", "x"));
        assert_eq!(cache.builds(), 3, "a was used recently and stays");
        cache.get(&agent("b", "x"));
        assert_eq!(cache.builds(), 4, "b was evicted");
    }
}
