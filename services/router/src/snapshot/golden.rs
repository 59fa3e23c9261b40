//! The tenant state every golden snapshot fixture holds, built the way the
//! service builds it (inputs decided into one log entry, [`Entry::decide`],
//! and the entry replayed) with fixed ids and times, so each released
//! format's fixture describes the same state.

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};
use switchboard_contracts::v1::{Customer, Edition, SupportMode};

use crate::catalog::{AgentRecord, TenantConfig};
use crate::domain::{Config, Effect, Input, Status};
use crate::handlers::step::{Logged, Parsed};
use crate::log::Entry;
use crate::snapshot::{Meta, Snapshot};

pub fn space() -> SpaceId {
    id("5a5a5a5a-0000-4000-8000-000000000001")
}

pub fn agents() -> [AgentId; 3] {
    [
        id("a9e00000-0000-4000-8000-000000000001"),
        id("a9e00000-0000-4000-8000-000000000002"),
        id("a9e00000-0000-4000-8000-000000000003"),
    ]
}

/// Queued with an offer, live, queued without an offer (limit reached), ended.
pub fn conversations() -> [ConversationId; 4] {
    [
        id("c0000000-0000-4000-8000-000000000001"),
        id("c0000000-0000-4000-8000-000000000002"),
        id("c0000000-0000-4000-8000-000000000003"),
        id("c0000000-0000-4000-8000-000000000004"),
    ]
}

fn id<T: std::str::FromStr>(text: &str) -> T {
    text.parse().unwrap_or_else(|_| panic!("{text} is an id"))
}

fn config() -> TenantConfig {
    let mut config = TenantConfig {
        revision: 7,
        edition: Some(Edition::Premium),
        maximum_conversations: 1,
        ..Default::default()
    };
    config.spaces.insert(space(), true);
    for (agent, name) in agents().into_iter().zip(["Ada", "Grace", "Edsger"]) {
        let record = AgentRecord {
            name: name.into(),
            spaces: [space()].into(),
        };
        config.agents.insert(agent, record);
    }
    config
}

fn handoff(conversation: ConversationId, name: &str) -> Parsed {
    let customer = Customer {
        key: format!("user:{name}"),
        name: name.into(),
        email: format!("{name}@example.com"),
        signed_in: true,
    };
    Parsed::Handoff {
        conversation,
        space: space(),
        meta: Meta::new("cx-shop", Some(&customer), "help", SupportMode::AiAndTeam),
    }
}

/// The golden state: two agents available (limit 1), one unavailable; one
/// conversation live (after a decline), one offered, one waiting, one ended.
pub fn snapshot() -> Snapshot {
    let mut snapshot = Snapshot::new(Config::default());
    entry().replay(&mut snapshot);
    snapshot
}

/// The golden state's steps, decided from an empty state and logged as one
/// entry of the router's log (following message 1, its first snapshot).
pub fn entry() -> Entry {
    let config = config();
    let [a1, a2, _] = agents();
    let [c1, c2, c3, c4] = conversations();
    let mut snapshot = Snapshot::new(Config::default());
    let mut entry = Entry::new(1, Vec::new(), config.allows_live_chat());
    let mut now = 1_700_000_000_000;
    let mut step = |snapshot: &mut Snapshot, id: &str, input: Parsed| {
        now += 1_000;
        let logged = Logged {
            id: id.to_owned(),
            now,
            input,
        };
        entry.decide(snapshot, &config, logged)
    };
    for agent in [a1, a2] {
        let available = Input::SetStatus {
            agent,
            space: None,
            status: Status::Available,
        };
        step(
            &mut snapshot,
            &format!("status:{agent}"),
            Parsed::Core(available),
        );
    }
    let offer_of = |effects: &[Effect]| {
        effects.iter().find_map(|e| match e {
            Effect::Offer { offer, agent, .. } => Some((*offer, *agent)),
            _ => None,
        })
    };
    let effects = step(&mut snapshot, "handoff:1", handoff(c1, "alice"));
    let (first, agent) = offer_of(&effects).expect("c1 offered");
    let decline = Input::Decline {
        offer: first,
        agent,
    };
    let effects = step(&mut snapshot, "decline:1", Parsed::Core(decline));
    let (second, agent) = offer_of(&effects).expect("c1 offered again");
    step(&mut snapshot, "handoff:2", handoff(c2, "bob"));
    let accept = Input::Accept {
        offer: second,
        agent,
    };
    step(&mut snapshot, "accept:1", Parsed::Core(accept));
    step(&mut snapshot, "handoff:3", handoff(c3, "carol"));
    step(&mut snapshot, "handoff:4", handoff(c4, "dave"));
    step(&mut snapshot, "closed:4", Parsed::Closed(c4));
    entry
}

/// The fixture at `path` is exactly `written`; a missing one is written
/// (and the test fails, so that it gets committed). `changed` says what
/// to do when they differ.
pub fn assert_fixture(path: &std::path::Path, written: &[u8], changed: &str) {
    if !path.exists() {
        std::fs::write(path, written).expect("fixture written");
        panic!("{} was missing: written now, commit it", path.display());
    }
    let stored = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        String::from_utf8_lossy(&stored),
        String::from_utf8_lossy(written),
        "{changed}"
    );
}
