//! Takeover: a router process is killed (SIGKILL, no drain) in the middle
//! of a burst of handoffs, and another instance carries on from the stored
//! state. The inputs the dead process held come back to the survivor once
//! their ack wait runs out. Every conversation must still be assigned
//! exactly once, and no committed state may break a rule.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_contracts::ids::{AgentId, ConversationId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{AgentQuery, AgentView, ConversationState, SupportMode};
use switchboard_router::domain::invariants::check_state;
use tokio::process::{Child, Command};
use tokio::task::JoinSet;

use super::race::{LIMIT, SNAPSHOT_EVERY, Seen, agent_loop, transcript_loop, watch_revisions};
use super::support::{Harness, publish_change, queued_info};

const CONVERSATIONS: usize = 60;
/// Assignments the first process makes before it is killed.
const KILL_AFTER: usize = 12;

/// The router binary as a process of its own, on the harness's nats-server.
async fn spawn_router(h: &Harness) -> Child {
    let health = format!("127.0.0.1:{}", switchboard_testkit::free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard-router"))
        .env("NATS_URL", h.nats.url())
        .env("SWITCHBOARD_HEALTH_ADDR", &health)
        .env("RUST_LOG", "warn")
        .env(
            "SWITCHBOARD_ROUTER_SNAPSHOT_EVERY",
            SNAPSHOT_EVERY.to_string(),
        )
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the router binary starts");
    // Its health port answers once it started; the agents' status echoes
    // below then show it consuming.
    switchboard_testkit::eventually(
        "the router process to listen",
        Duration::from_secs(30),
        || async { tokio::net::TcpStream::connect(&health).await.ok() },
    )
    .await;
    child
}

/// Waits until the router process has read the team from the configuration:
/// a status change for an agent it has not seen yet changes nothing, so the
/// agents must not go available before. It is the only responder, and it
/// answers `not_found` for an agent missing from its configuration.
async fn process_knows(h: &Harness, agents: &[AgentId]) {
    for agent in agents {
        let query = AgentQuery {
            tenant: h.tenant.to_string(),
            agent: agent.to_string(),
        };
        switchboard_testkit::eventually(
            "the router process to see the team",
            Duration::from_secs(30),
            || async {
                let view: AgentView = h
                    .bus
                    .request(
                        subjects::router_rpc(h.tenant),
                        &query,
                        Duration::from_secs(5),
                    )
                    .await
                    .ok()?;
                view.error.is_empty().then_some(())
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_router_killed_mid_burst_is_taken_over_and_every_conversation_is_assigned_once() {
    let mut h = Harness::with(0, false, |_| {}).await;
    let mut first = spawn_router(&h).await;
    let names = ["a1", "a2", "a3", "a4"];
    let (cx, agents) = h.team(LIMIT, &names, SupportMode::SupportTeam).await;
    process_knows(&h, &agents).await;
    let mut all_events = Vec::new();
    for agent in &agents {
        let mut events = h.agent_events(*agent).await;
        h.available(*agent, &mut events).await;
        all_events.push(events);
    }
    let mut tasks = JoinSet::new();
    let revisions = watch_revisions(&h, &mut tasks).await;
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
    let seen = Arc::new(Mutex::new(Seen::default()));
    tasks.spawn(transcript_loop(h.bus.clone(), h.tenant, seen.clone()));

    let conversations: Vec<ConversationId> =
        (0..CONVERSATIONS).map(|_| ConversationId::new()).collect();
    for c in &conversations {
        let info = queued_info(h.tenant, &cx, *c);
        publish_change(
            &h.bus,
            h.tenant,
            *c,
            info,
            ConversationState::Ai,
            ConversationState::Queued,
        )
        .await;
    }
    switchboard_testkit::eventually(
        "the first router to assign some",
        Duration::from_secs(30),
        || async { (seen.lock().unwrap().assigns.len() >= KILL_AFTER).then_some(()) },
    )
    .await;
    first.start_kill().expect("SIGKILL");
    first.wait().await.expect("the process is reaped");
    let at_kill = seen.lock().unwrap().assigns.len();
    assert!(
        at_kill < CONVERSATIONS,
        "killed mid-burst: {at_kill} assigned already"
    );
    h.add_router_with(|c| c.snapshot_every = SNAPSHOT_EVERY)
        .await;

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
    let (last, _) = h.snapshot().await;
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
        assert_eq!(
            seen.assigns.len(),
            CONVERSATIONS,
            "every conversation assigned"
        );
        let revisions = revisions.lock().unwrap();
        assert!(
            revisions.violations.is_empty(),
            "{:?}",
            revisions.violations
        );
        eprintln!(
            "takeover: {at_kill} assigned before the kill, {} states checked, survivor handled {} inputs",
            revisions.checked,
            h.routers[0].counters.inputs.get()
        );
        assert!(
            h.routers[0].counters.inputs.get() > 0,
            "the survivor decided inputs"
        );
    }
    h.stop().await;
}
