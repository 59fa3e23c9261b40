//! Tests of [`super::space_view::view`]: a space's live view in snapshots
//! built by applying routing inputs, as the service does.

use std::collections::BTreeMap;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};
use switchboard_contracts::v1::{Availability, Customer, Edition, SpaceView, SupportMode};

use super::space_view::view;
use super::step::{Parsed, apply};
use crate::catalog::{AgentRecord, TenantConfig};
use crate::domain::{Config, Effect, Input, OfferId, Status};
use crate::snapshot::{Meta, Snapshot};

/// A premium tenant with a limit of 2 and the given spaces (live chat on).
fn tenant(spaces: &[SpaceId]) -> TenantConfig {
    TenantConfig {
        revision: 1,
        edition: Some(Edition::Premium),
        maximum_conversations: 2,
        spaces: spaces.iter().map(|s| (*s, true)).collect(),
        ..Default::default()
    }
}

fn join(config: &mut TenantConfig, agent: AgentId, name: &str, spaces: &[SpaceId]) {
    config.revision += 1;
    let record = AgentRecord {
        name: name.into(),
        spaces: spaces.iter().copied().collect(),
    };
    config.agents.insert(agent, record);
}

fn handoff(conversation: ConversationId, space: SpaceId, customer: &str) -> Parsed {
    let customer = Customer {
        key: format!("user:{customer}"),
        name: customer.into(),
        email: format!("{}@example.com", customer.to_lowercase()),
        signed_in: true,
    };
    Parsed::Handoff {
        conversation,
        space,
        meta: Meta::new("cx-shop", Some(&customer), "help", SupportMode::AiAndTeam),
    }
}

fn offered(effects: &[Effect]) -> Option<OfferId> {
    effects.iter().find_map(|effect| match effect {
        Effect::Offer { offer, .. } => Some(*offer),
        _ => None,
    })
}

/// Each agent row as (status, load), by agent.
fn agents(view: &SpaceView) -> BTreeMap<String, (Availability, u32)> {
    view.agents
        .iter()
        .map(|a| (a.agent.clone(), (a.status(), a.load)))
        .collect()
}

#[test]
fn the_queue_is_shown_oldest_first_with_the_outstanding_offer_and_each_agents_load_across_spaces() {
    let (billing, returns) = (SpaceId::new(), SpaceId::new());
    let (ada, bob) = (AgentId::new(), AgentId::new());
    let mut config = tenant(&[billing, returns]);
    join(&mut config, ada, "Ada", &[billing, returns]);
    join(&mut config, bob, "Bob", &[billing]);
    let mut snapshot = Snapshot::new(Config::default());
    let available = Parsed::Core(Input::SetStatus {
        agent: ada,
        space: None,
        status: Status::Available,
    });
    apply(&mut snapshot, &config, available, 1);
    // Ada takes a conversation in Returns: it counts toward her load in Billing too.
    let elsewhere = ConversationId::new();
    let effects = apply(
        &mut snapshot,
        &config,
        handoff(elsewhere, returns, "Dee"),
        5,
    );
    let offer = offered(&effects).expect("offered to Ada");
    apply(
        &mut snapshot,
        &config,
        Parsed::Core(Input::Accept { offer, agent: ada }),
        6,
    );
    let (first, second) = (ConversationId::new(), ConversationId::new());
    apply(&mut snapshot, &config, handoff(first, billing, "Casey"), 10);
    apply(&mut snapshot, &config, handoff(second, billing, "Eve"), 20);

    let shown = view(&snapshot, &config, billing);
    assert_eq!(shown.error, "");
    assert!(shown.live_chat);
    assert_eq!(shown.limit, 2);
    let order: Vec<(&str, u32)> = shown
        .waiting
        .iter()
        .map(|w| (w.conversation.as_str(), w.position))
        .collect();
    assert_eq!(
        order,
        [
            (first.to_string().as_str(), 1),
            (second.to_string().as_str(), 2)
        ]
    );
    let (head, next) = (&shown.waiting[0], &shown.waiting[1]);
    assert_eq!(
        head.offered_to,
        ada.to_string(),
        "Ada had room for one more"
    );
    assert_eq!(head.offer_expires_at_ms, 10 + 120_000);
    assert_eq!(head.queued_at_ms, 10);
    assert_eq!(head.experience, "cx-shop");
    let customer = head.customer.clone().unwrap_or_default();
    assert_eq!(
        (customer.name.as_str(), customer.email.as_str()),
        ("Casey", "casey@example.com")
    );
    assert_eq!(
        (next.offered_to.as_str(), next.offer_expires_at_ms),
        ("", 0),
        "Ada is at her limit and Bob unavailable: it waits without an offer"
    );
    assert_eq!(next.queued_at_ms, 20);
    assert_eq!(
        agents(&shown),
        BTreeMap::from([
            (ada.to_string(), (Availability::Available, 2)),
            (bob.to_string(), (Availability::Unavailable, 0)),
        ])
    );

    let other = view(&snapshot, &config, returns);
    assert!(
        other.waiting.is_empty(),
        "the live conversation no longer waits"
    );
    assert_eq!(
        agents(&other),
        BTreeMap::from([(ada.to_string(), (Availability::Available, 2))])
    );
}

#[test]
fn what_the_router_has_not_seen_yet_is_shown_as_configured_and_an_unknown_space_is_not_found() {
    let billing = SpaceId::new();
    let ada = AgentId::new();
    let mut config = tenant(&[billing]);
    join(&mut config, ada, "Ada", &[billing]);
    let mut snapshot = Snapshot::new(Config::default());
    apply(&mut snapshot, &config, Parsed::ConfigChanged, 1);
    // Configured since the snapshot was written: a new space and a new agent.
    let (fresh_space, fresh_agent) = (SpaceId::new(), AgentId::new());
    config.spaces.insert(fresh_space, false);
    join(&mut config, fresh_agent, "Finn", &[billing, fresh_space]);

    let shown = view(&snapshot, &config, billing);
    assert_eq!(
        agents(&shown),
        BTreeMap::from([
            (ada.to_string(), (Availability::Unavailable, 0)),
            (fresh_agent.to_string(), (Availability::Unavailable, 0)),
        ])
    );
    let fresh = view(&snapshot, &config, fresh_space);
    assert_eq!(fresh.error, "");
    assert!(!fresh.live_chat, "as configured");
    assert!(fresh.waiting.is_empty());
    assert_eq!(
        agents(&fresh),
        BTreeMap::from([(fresh_agent.to_string(), (Availability::Unavailable, 0))])
    );
    assert_eq!(view(&snapshot, &config, SpaceId::new()).error, "not_found");
}

#[test]
fn a_space_whose_live_chat_was_turned_off_shows_it_off_with_nobody_waiting() {
    let billing = SpaceId::new();
    let ada = AgentId::new();
    let mut config = tenant(&[billing]);
    join(&mut config, ada, "Ada", &[billing]);
    let mut snapshot = Snapshot::new(Config::default());
    let available = Parsed::Core(Input::SetStatus {
        agent: ada,
        space: None,
        status: Status::Available,
    });
    apply(&mut snapshot, &config, available, 1);
    apply(
        &mut snapshot,
        &config,
        handoff(ConversationId::new(), billing, "Casey"),
        2,
    );
    assert_eq!(view(&snapshot, &config, billing).waiting.len(), 1);
    config.revision += 1;
    config.spaces.insert(billing, false);
    apply(&mut snapshot, &config, Parsed::ConfigChanged, 3);
    let shown = view(&snapshot, &config, billing);
    assert!(!shown.live_chat);
    assert!(
        shown.waiting.is_empty(),
        "waiting customers got the fallback"
    );
    assert_eq!(
        agents(&shown),
        BTreeMap::from([(ada.to_string(), (Availability::Available, 0))]),
        "the offer was taken back"
    );
}
