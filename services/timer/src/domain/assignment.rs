//! Which partitions an instance should hold, and which leases it may take.
//!
//! Every instance sees the same lease bucket: the partition leases and the
//! instances' heartbeats, each with how long it has gone *unchanged* as this
//! instance observed it. Ages are measured locally (time since a revision
//! was first seen) rather than from timestamps, so clocks that disagree
//! between machines cannot make a live lease look expired.
//!
//! The live instances, sorted by id, deal the partitions round-robin:
//! partition `p` belongs to `live[p % live.len()]`. Everyone computes the same
//! deal from the same view, so an instance hands over what is no longer its
//! share and takes what is. A lease may be taken when it is absent, when it
//! names this instance (a restart under the same id, or a renewal whose ack
//! was lost), or when it has gone unchanged for its TTL — the owner stops
//! firing before that. Taking is a compare-and-set on the observed revision,
//! so two instances never both win.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A partition lease as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseState {
    pub owner: String,
    pub ttl: Duration,
    pub revision: u64,
    pub unchanged_for: Duration,
}

/// An instance heartbeat as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceState {
    pub id: String,
    pub ttl: Duration,
    pub unchanged_for: Duration,
}

/// How to take a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// It does not exist: create it.
    Create,
    /// Replace the observed revision.
    Update { revision: u64 },
}

/// What an instance should do with the leases this round.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Its share: the partitions it should hold.
    pub desired: BTreeSet<u16>,
    /// Held but no longer its share: hand over.
    pub release: Vec<u16>,
    /// Its share, not held, and takeable now.
    pub take: Vec<(u16, Take)>,
}

/// The live instances (heartbeat renewed within its TTL) plus `me`, sorted.
pub fn live_instances(me: &str, instances: &[InstanceState]) -> Vec<String> {
    let mut live: Vec<String> = instances
        .iter()
        .filter(|i| i.unchanged_for < i.ttl)
        .map(|i| i.id.clone())
        .chain(std::iter::once(me.to_owned()))
        .collect();
    live.sort();
    live.dedup();
    live
}

/// The partitions the round-robin deal gives `me`.
pub fn share(me: &str, live: &[String], partitions: u16) -> BTreeSet<u16> {
    (0..partitions)
        .filter(|&p| {
            live.get(usize::from(p) % live.len().max(1))
                .map(String::as_str)
                == Some(me)
        })
        .collect()
}

/// Whether, and how, `me` may take a lease in this state (`None`: absent).
pub fn take(me: &str, lease: Option<&LeaseState>) -> Option<Take> {
    match lease {
        None => Some(Take::Create),
        Some(lease) if lease.owner == me || lease.unchanged_for >= lease.ttl => {
            Some(Take::Update {
                revision: lease.revision,
            })
        }
        Some(_) => None,
    }
}

/// This round's plan for `me`, holding `held`.
pub fn plan(
    me: &str,
    partitions: u16,
    instances: &[InstanceState],
    leases: &BTreeMap<u16, LeaseState>,
    held: &BTreeSet<u16>,
) -> Plan {
    let live = live_instances(me, instances);
    let desired = share(me, &live, partitions);
    let release = held.difference(&desired).copied().collect();
    let take = desired
        .difference(held)
        .filter_map(|&p| Some((p, take(me, leases.get(&p))?)))
        .collect();
    Plan {
        desired,
        release,
        take,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(3);

    fn instance(id: &str, age_ms: u64) -> InstanceState {
        InstanceState {
            id: id.into(),
            ttl: TTL,
            unchanged_for: Duration::from_millis(age_ms),
        }
    }

    fn lease(owner: &str, revision: u64, age_ms: u64) -> LeaseState {
        LeaseState {
            owner: owner.into(),
            ttl: TTL,
            revision,
            unchanged_for: Duration::from_millis(age_ms),
        }
    }

    #[test]
    fn a_lone_instance_takes_every_partition() {
        let plan = plan("a", 4, &[], &BTreeMap::new(), &BTreeSet::new());
        assert_eq!(plan.desired, (0..4).collect());
        assert_eq!(
            plan.take,
            (0..4).map(|p| (p, Take::Create)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn two_live_instances_split_the_partitions_and_the_holder_hands_over() {
        let held: BTreeSet<u16> = (0..4).collect();
        let leases = (0..4)
            .map(|p| (p, lease("a", 10 + u64::from(p), 100)))
            .collect();
        let a = plan("a", 4, &[instance("b", 200)], &leases, &held);
        assert_eq!(a.desired, [0, 2].into());
        assert_eq!(a.release, vec![1, 3]);
        let b = plan("b", 4, &[instance("a", 200)], &leases, &BTreeSet::new());
        assert!(b.take.is_empty(), "a's leases are live until released");
        let mut released = leases;
        released.remove(&1);
        released.remove(&3);
        let b = plan("b", 4, &[instance("a", 200)], &released, &BTreeSet::new());
        assert_eq!(b.take, vec![(1, Take::Create), (3, Take::Create)]);
    }

    #[test]
    fn a_dead_instances_leases_are_taken_once_they_have_gone_stale() {
        let leases: BTreeMap<u16, LeaseState> =
            (0..2).map(|p| (p, lease("dead", 7, 2_999))).collect();
        let early = plan(
            "a",
            2,
            &[instance("dead", 2_999)],
            &leases,
            &BTreeSet::new(),
        );
        assert_eq!(
            early.desired,
            [0].into(),
            "still counted while its heartbeat is fresh"
        );
        assert!(early.take.is_empty());
        let stale: BTreeMap<u16, LeaseState> =
            (0..2).map(|p| (p, lease("dead", 7, 3_000))).collect();
        let late = plan("a", 2, &[instance("dead", 3_000)], &stale, &BTreeSet::new());
        assert_eq!(
            late.take,
            vec![
                (0, Take::Update { revision: 7 }),
                (1, Take::Update { revision: 7 })
            ]
        );
    }

    #[test]
    fn an_instance_takes_back_a_lease_in_its_own_name_at_once() {
        assert_eq!(
            take("a", Some(&lease("a", 9, 0))),
            Some(Take::Update { revision: 9 })
        );
        assert_eq!(take("a", Some(&lease("b", 9, 0))), None);
    }

    #[test]
    fn the_deal_is_the_same_from_every_instance() {
        let ids = ["c", "a", "b"];
        let shares: Vec<BTreeSet<u16>> = ids
            .iter()
            .map(|me| {
                let others: Vec<InstanceState> = ids
                    .iter()
                    .filter(|i| *i != me)
                    .map(|i| instance(i, 0))
                    .collect();
                share(me, &live_instances(me, &others), 16)
            })
            .collect();
        let all: BTreeSet<u16> = shares.iter().flatten().copied().collect();
        assert_eq!(all.len(), 16);
        assert_eq!(
            shares.iter().map(BTreeSet::len).sum::<usize>(),
            16,
            "disjoint"
        );
        assert!(shares.iter().all(|s| s.len() == 5 || s.len() == 6));
    }
}
