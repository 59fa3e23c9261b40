//! The race: two router instances on one NATS, many handoffs at once, and
//! agents who accept every offer they get — twice, from the wrong agent too,
//! and again for offers long gone — all from concurrent tasks. The limit must
//! hold in every committed state and every conversation must be assigned
//! exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use prost::Message;
use switchboard_bus::Bus;
use switchboard_contracts::ids::{AgentId, ConversationId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{ConversationState, RouteAccept, SupportMode};
use switchboard_router::domain::invariants::check_state;
use switchboard_router::log::{self, Entry};
use switchboard_router::snapshot::Snapshot;
use tokio::task::JoinSet;

use super::support::{
    Events, Harness, end_conversation, publish_change, publish_input, queued_info, uuid_like,
};

const CONVERSATIONS: usize = 40;
pub(super) const LIMIT: u32 = 3;
/// Entries between two snapshots of the tenant's log, short so that
/// roll-ups happen in the middle of the race.
pub(super) const SNAPSHOT_EVERY: usize = 5;
const PUBLISHERS: usize = 4;

/// What the test saw: assign commands per conversation, and per agent the
/// conversations assigned and not yet ended by the test.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) assigns: BTreeMap<ConversationId, BTreeSet<String>>,
    holding: BTreeMap<String, BTreeSet<ConversationId>>,
    pub(super) over_limit: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_routers_under_racing_handoffs_and_accepts_never_exceed_the_limit_or_assign_twice() {
    // Snapshots every few entries: the routers also race to roll the log up.
    let mut h = Harness::with(2, false, |c| c.snapshot_every = SNAPSHOT_EVERY).await;
    let names = ["a1", "a2", "a3", "a4", "a5"];
    let (cx, agents) = h.team(LIMIT, &names, SupportMode::SupportTeam).await;
    let mut all_events = Vec::new();
    for agent in &agents {
        let mut events = h.agent_events(*agent).await;
        h.available(*agent, &mut events).await;
        all_events.push(events);
    }
    let mut tasks = JoinSet::new();
    let revisions = watch_revisions(&h, &mut tasks).await;

    // Agents: accept every offer, twice, plus one from the wrong agent and a
    // stale one for the agent's previous offer.
    for (i, events) in all_events.into_iter().enumerate() {
        let other = agents[(i + 1) % agents.len()];
        tasks.spawn(agent_loop(
            h.bus.clone(),
            h.tenant,
            agents[i],
            other,
            events,
        ));
    }
    // The transcript: record each assign, end the conversation soon after.
    let seen = Arc::new(Mutex::new(Seen::default()));
    tasks.spawn(transcript_loop(h.bus.clone(), h.tenant, seen.clone()));

    let conversations: Vec<ConversationId> =
        (0..CONVERSATIONS).map(|_| ConversationId::new()).collect();
    let mut publishers = JoinSet::new();
    for chunk in conversations.chunks(CONVERSATIONS / PUBLISHERS) {
        let (bus, tenant, chunk) = (h.bus.clone(), h.tenant, chunk.to_vec());
        publishers.spawn(async move {
            for c in chunk {
                let info = queued_info(tenant, &cx, c);
                publish_change(
                    &bus,
                    tenant,
                    c,
                    info,
                    ConversationState::Ai,
                    ConversationState::Queued,
                )
                .await;
            }
        });
    }
    while publishers.join_next().await.is_some() {}

    // Until every conversation was assigned and ended, or a rule broke.
    switchboard_testkit::eventually(
        "every conversation assigned and ended",
        Duration::from_secs(90),
        || async {
            let broken = {
                let (seen, revisions) = (seen.lock().unwrap(), revisions.lock().unwrap());
                !seen.over_limit.is_empty()
                    || seen.assigns.values().any(|ids| ids.len() > 1)
                    || !revisions.violations.is_empty()
            };
            let done = seen.lock().unwrap().assigns.len() == CONVERSATIONS;
            let (snapshot, _) = h.snapshot().await;
            let idle = snapshot.state.agents().all(|(_, a)| a.load() == 0);
            (broken || (done && idle)).then_some(())
        },
    )
    .await;
    tasks.abort_all();
    let (last, last_position) = h.snapshot().await;
    check_state(&last.state).expect("the final state keeps every rule");

    {
        let seen = seen.lock().unwrap();
        assert!(
            seen.over_limit.is_empty(),
            "over the limit: {:?}",
            seen.over_limit
        );
        for (conversation, ids) in &seen.assigns {
            assert_eq!(ids.len(), 1, "{conversation:?} assigned by {ids:?}");
        }
        assert_eq!(seen.assigns.len(), CONVERSATIONS);
    }
    let checked = {
        let revisions = revisions.lock().unwrap();
        assert!(
            revisions.violations.is_empty(),
            "{:?}",
            revisions.violations
        );
        revisions.checked
    };
    // Inputs waiting together are committed in one entry, so there are
    // fewer states than inputs; the watch must still have checked some.
    assert!(checked > 0, "the watch saw no committed state");
    let conflicts: u64 = h
        .routers
        .iter()
        .map(|r| r.counters.cas_conflicts.get())
        .sum();
    let handled: Vec<u64> = h.routers.iter().map(|r| r.counters.inputs.get()).collect();
    eprintln!(
        "race: {checked} committed states checked (log at {last_position}), inputs per router {handled:?}, {conflicts} refused appends"
    );
    assert!(
        handled.iter().all(|n| *n > 0),
        "both routers decided inputs: {handled:?}"
    );
    h.stop().await;
}

#[derive(Default)]
pub(super) struct Revisions {
    pub(super) checked: usize,
    pub(super) violations: Vec<String>,
}

/// Checks every committed state of the tenant: each snapshot on its log
/// and the state after each entry, replayed in order as any instance
/// catching up would. An entry that does not follow the message before it
/// (a fork of the log) is a violation too.
pub(super) async fn watch_revisions(h: &Harness, tasks: &mut JoinSet<()>) -> Arc<Mutex<Revisions>> {
    let stream = h.bus.js.get_stream(streams::ROUTER_LOG).await.expect("log");
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: subjects::router_log(h.tenant),
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut messages = consumer.messages().await.expect("messages");
    let revisions = Arc::new(Mutex::new(Revisions::default()));
    let shared = revisions.clone();
    tasks.spawn(async move {
        let mut state: Option<(Snapshot, u64)> = None;
        while let Some(Ok(message)) = messages.next().await {
            let Ok(info) = message.info() else { continue };
            let sequence = info.stream_sequence;
            let kind = message
                .headers
                .as_ref()
                .and_then(|h| h.get(log::KIND_HEADER))
                .map(|v| v.as_str().to_owned());
            let mut r = shared.lock().unwrap();
            match (kind.as_deref(), state.as_mut()) {
                (Some(log::KIND_SNAPSHOT), _) => match Snapshot::decode(&message.payload) {
                    Ok(snapshot) => state = Some((snapshot, sequence)),
                    Err(e) => r.violations.push(format!("{sequence}: {e}")),
                },
                (Some(log::KIND_ENTRY), Some((snapshot, position))) => {
                    match Entry::decode(&message.payload) {
                        Ok(entry) if entry.prev == *position => {
                            entry.replay(snapshot);
                            *position = sequence;
                        }
                        Ok(entry) => r.violations.push(format!(
                            "{sequence}: follows {}, the log was at {position}",
                            entry.prev
                        )),
                        Err(e) => r.violations.push(format!("{sequence}: {e}")),
                    }
                }
                (other, _) => r
                    .violations
                    .push(format!("{sequence}: unexpected {other:?} message")),
            }
            let Some((snapshot, _)) = state.as_ref() else {
                continue;
            };
            r.checked += 1;
            if let Err(violation) = check_state(&snapshot.state) {
                r.violations
                    .push(format!("message {sequence}: {violation}"));
            }
            for (agent, record) in snapshot.state.agents() {
                if record.load() > LIMIT {
                    r.violations.push(format!(
                        "message {sequence}: {agent:?} holds {}",
                        record.load()
                    ));
                }
            }
        }
    });
    revisions
}

pub(super) async fn agent_loop(
    bus: Bus,
    tenant: TenantId,
    me: AgentId,
    other: AgentId,
    mut events: Events,
) {
    let mut previous: Option<String> = None;
    while let Some(event) = events.recv().await {
        let Event::Offer(offer) = event else {
            continue;
        };
        let accept = |agent: AgentId, offer_id: &str| {
            Input::Accept(RouteAccept {
                offer_id: offer_id.to_owned(),
                agent: agent.to_string(),
            })
        };
        let id = uuid_like();
        let mut sends = vec![
            (id.clone(), id.clone(), accept(me, &offer.offer_id)),
            // The same input redelivered, and a second accept of the same offer.
            (
                id.clone(),
                format!("{id}-again"),
                accept(me, &offer.offer_id),
            ),
            (uuid_like(), uuid_like(), accept(me, &offer.offer_id)),
            (uuid_like(), uuid_like(), accept(other, &offer.offer_id)),
        ];
        if let Some(stale) = previous.replace(offer.offer_id.clone()) {
            sends.push((uuid_like(), uuid_like(), accept(me, &stale)));
        }
        for (input_id, msg_id, input) in sends {
            let bus = bus.clone();
            tokio::spawn(
                async move { publish_input(&bus, tenant, &input_id, &msg_id, input).await },
            );
        }
    }
}

pub(super) async fn transcript_loop(bus: Bus, tenant: TenantId, seen: Arc<Mutex<Seen>>) {
    let stream = bus.js.get_stream(streams::COMMANDS).await.expect("stream");
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: filter::tenant_commands(tenant),
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut messages = consumer.messages().await.expect("messages");
    let mut n: u64 = 0;
    while let Some(Ok(message)) = messages.next().await {
        let Ok(command) =
            switchboard_contracts::v1::ConversationCommand::decode(message.payload.clone())
        else {
            continue;
        };
        let (Some(Command::Assign(assign)), Ok(conversation)) = (
            command.command,
            command.conversation.parse::<ConversationId>(),
        ) else {
            continue;
        };
        {
            let mut seen = seen.lock().unwrap();
            seen.assigns
                .entry(conversation)
                .or_default()
                .insert(command.command_id);
            let holding = seen.holding.entry(assign.agent.clone()).or_default();
            holding.insert(conversation);
            if holding.len() > LIMIT as usize {
                let report = format!("{} holds {holding:?}", assign.agent);
                seen.over_limit.push(report);
            }
        }
        // End it a little later, as a customer would. The test forgets it
        // before it publishes the end, so its count can only lag the
        // router's: more than the limit here means more in the router.
        n += 1;
        let (bus, seen) = (bus.clone(), seen.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(n % 7 * 3)).await;
            if let Some(holding) = seen.lock().unwrap().holding.get_mut(&assign.agent) {
                holding.remove(&conversation);
            }
            end_conversation(&bus, tenant, conversation, ConversationState::Live).await;
        });
    }
}
