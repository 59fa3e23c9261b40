//! Scale-out under faults (SPEC §9): three clustered nats-servers with every
//! stream and bucket at three replicas, two instances of every service on
//! one PostgreSQL database, customers spread over both gateways. Mid-flow
//! the node leading `SB_COMMANDS` and one instance of every service are
//! SIGKILLed, then restarted. Afterwards every acknowledged message is
//! stored once with a gap-free `seq`, every conversation ends, no agent
//! went over the limit nor was any conversation assigned twice, and the
//! inactivity and accept-window timers fired once and never early.
//!
//! Prints the recovery time after the leader's loss and the round-trip
//! latency of a customer message on the cluster beside a single node
//! (`cargo nextest run -p switchboard-e2e -E 'test(fault)' --no-capture`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, customer_token, team_tenant};
use switchboard_e2e::system::{Nats, System};
use switchboard_testkit::{NatsCluster, postgres_database};

const INSTANCES: usize = 2;
const CUSTOMERS: usize = 4;
const LIMIT: usize = 2;
const INACTIVITY_WARN: Duration = Duration::from_secs(20);
const INACTIVITY_END: Duration = Duration::from_secs(5);
const ACCEPT_WINDOW: Duration = Duration::from_secs(3);
/// Long enough that Alice and Bob always answer first: an offer timeout
/// would take an agent out of the rotation.
const OFFER_TIMEOUT: Duration = Duration::from_secs(60);
/// The latency loop sends each message as soon as the last one is echoed,
/// faster than the default frame rate limit (10/s, bursts of 20): a dropped
/// frame would be timed as a silent socket, not as the round trip.
const LATENCY_FRAMES_PER_SECOND: &str = "1000";

use crate::resilient::STEP;
use crate::resilient::checks::{
    assert_assigned_once, assert_transcript, assert_within_limit, ended, round_trips, set_limit,
};
use crate::resilient::clients::{Chatter, at, millis, now};
use crate::resilient::console::{Console, accept_until, exchange, holders};

fn env() -> Vec<(String, String)> {
    [
        ("SWITCHBOARD_REPLICAS", "3".to_owned()),
        ("SWITCHBOARD_INACTIVITY_WARN", millis(INACTIVITY_WARN)),
        ("SWITCHBOARD_INACTIVITY_END", millis(INACTIVITY_END)),
        ("SWITCHBOARD_ACCEPT_WINDOW", millis(ACCEPT_WINDOW)),
        ("SWITCHBOARD_OFFER_TIMEOUT", millis(OFFER_TIMEOUT)),
        ("SWITCHBOARD_TIMER_LEASE_TTL", "1s".to_owned()),
        (
            "SWITCHBOARD_WS_FRAMES_PER_SECOND",
            LATENCY_FRAMES_PER_SECOND.to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_scale_out_survives_losing_the_leader_node_and_an_instance_of_every_service() {
    let Some(database) = postgres_database().await else {
        eprintln!(
            "fault-test: skipped: two instances of every service need PostgreSQL \
             (run under scripts/with-postgres.sh)"
        );
        return;
    };
    let cluster = NatsCluster::start(3).await;
    let mut system = System::start_scaled(
        Nats::Cluster(cluster),
        Some(database),
        env(),
        Vec::new(),
        INSTANCES,
    )
    .await;
    let gateways: Vec<String> = (0..INSTANCES).map(|i| system.ws_url_of(i)).collect();

    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    set_limit(&system, &team, LIMIT).await;
    // A second team whose only agent never answers: its customer meets the
    // accept window.
    let idle = team_tenant(&system, "ai_and_team", &["Carol"]).await;
    // Agents on gateway 0, which stays up; customers on both.
    let mut agents = vec![
        Console::available(gateways[0].clone(), &team.agents[0].1).await,
        Console::available(gateways[0].clone(), &team.agents[1].1).await,
    ];
    let mut carol = Console::available(gateways[0].clone(), &idle.agents[0].1).await;

    let mut customers: Vec<Chatter> = (0..CUSTOMERS)
        .map(|n| {
            let token = customer_token(&team.ai, &format!("fault-{n}"), "Casey");
            Chatter::new(
                gateways.clone(),
                n % INSTANCES,
                &team.ai.widget,
                Some(token),
            )
        })
        .collect();
    for (n, customer) in customers.iter_mut().enumerate() {
        customer
            .say(&format!("c{n}-ai"), "how do i reset my password")
            .await;
        customer.send(json!({"type": "request_human"})).await;
    }

    eprintln!("fault-test: step: // Alice and Bob accept");
    // Alice and Bob accept whatever is offered, until every customer is live.
    accept_until(&mut agents, CUSTOMERS, STEP).await;
    assert_within_limit(&system, &team, LIMIT).await;
    let holder = holders(&agents);
    for customer in &mut customers {
        let id = customer.conversation.clone().unwrap();
        assert!(holder.contains_key(&id), "{id} has an agent");
        customer
            .await_event("live", STEP, |e| {
                e["type"] == "conversation" && e["state"] == "live"
            })
            .await;
    }

    eprintln!("fault-test: step: // The accept window's customer");
    // The accept window's customer waits while the faults happen.
    let token = customer_token(&idle.ai, "fault-idle", "Ivy");
    let mut waiting = Chatter::new(gateways.clone(), 0, &idle.ai.widget, Some(token));
    waiting.say("idle-ai", "how do i reset my password").await;
    let requested = now();
    waiting.send(json!({"type": "request_human"})).await;
    carol
        .until("an offer", STEP, |f| f["type"] == "offer")
        .await;

    eprintln!("fault-test: step: // Mid-flow:");
    // Mid-flow: a message of every customer and agent is on its way.
    for (n, customer) in customers.iter_mut().enumerate() {
        let frame =
            json!({"type": "message", "client_id": format!("c{n}-0"), "text": "still there?"});
        if let Some(socket) = customer.socket.as_mut() {
            let _ = socket.try_send(frame).await;
        }
    }
    let Nats::Cluster(cluster) = &system.nats else {
        unreachable!("started on a cluster")
    };
    let leader = cluster
        .stream_leader("SB_COMMANDS")
        .await
        .expect("SB_COMMANDS has a leader");
    let killed_at = Instant::now();
    let Nats::Cluster(cluster) = &mut system.nats else {
        unreachable!()
    };
    cluster.kill(leader).await;
    // Recovery: the first customer message acknowledged after the loss.
    let mut probe = Chatter::new(vec![gateways[0].clone()], 0, &team.ai.widget, None);
    let recovery = probe.first_round_trip("probe", killed_at, STEP).await;
    println!(
        "fault-test: recovery after NATS leader loss: {} ms",
        recovery.as_millis()
    );

    eprintln!("fault-test: step: for service in switchboard_e2e::system::");
    for service in switchboard_e2e::system::SERVICES {
        system.kill_instance(service, 1).await;
    }
    for (n, customer) in customers.iter_mut().enumerate() {
        customer.say(&format!("c{n}-0"), "still there?").await;
    }
    let Nats::Cluster(cluster) = &mut system.nats else {
        unreachable!()
    };
    cluster.restart(leader).await;
    for service in switchboard_e2e::system::SERVICES {
        system.restart_instance(service, 1).await;
    }

    eprintln!("fault-test: step: // Messages both ways");
    // Messages both ways, on every conversation, after the faults.
    for round in 1..=3 {
        for (n, customer) in customers.iter_mut().enumerate() {
            let id = customer.conversation.clone().unwrap();
            let Some(&held_by) = holder.get(&id) else {
                panic!(
                    "{id} is not a conversation an agent took: {:?}",
                    customer.events
                )
            };
            let (said, answer) = (format!("c{n}-{round}"), format!("a{n}-{round}"));
            exchange(customer, &mut agents[held_by], &said, &answer).await;
        }
    }
    assert_within_limit(&system, &team, LIMIT).await;

    eprintln!("fault-test: step: // Silence:");
    // Silence: each live conversation is warned once, then ended once.
    // All are read at once, so a frame's arrival time is when it came.
    let silences = customers.iter_mut().map(|customer| async move {
        let from = customer.events.len();
        customer
            .await_event("the end", Duration::from_secs(30), |e| e["type"] == "ended")
            .await;
        let last_at = at(&customer.thread.values().last().unwrap()["at"]);
        let tail = &customer.events[from..];
        let warnings: Vec<_> = tail
            .iter()
            .filter(|(_, e)| e["type"] == "inactive")
            .collect();
        let ends: Vec<_> = tail.iter().filter(|(_, e)| e["type"] == "ended").collect();
        assert_eq!((warnings.len(), ends.len()), (1, 1), "{tail:?}");
        let (warned, warning) = warnings[0];
        // The warning says when the end is due: a warning sent at the
        // configured silence names an end the configured time later.
        let ends_at = at(&warning["ends_at"]);
        assert!(
            ends_at - last_at >= INACTIVITY_WARN + INACTIVITY_END,
            "warned {} after the last message: early",
            ends_at - INACTIVITY_END - last_at
        );
        assert!(
            *warned - last_at >= INACTIVITY_WARN,
            "the warning arrived early"
        );
        let (end_seen, end) = ends[0];
        assert_eq!(end["reason"], "inactivity");
        assert!(*end_seen >= ends_at, "ended before its ends_at");
    });
    futures::future::join_all(silences).await;

    eprintln!("fault-test: step: // The accept window fired");
    // The accept window fired once, not early.
    assert_eq!(
        ended(&system, &idle.ai, waiting.conversation.as_ref().unwrap()).await,
        "accept_timeout"
    );
    let id = waiting.conversation.clone().unwrap();
    let thread = admin::transcript(&system, &idle.ai, &id).await;
    let fallbacks: Vec<&Value> = thread
        .iter()
        .filter(|m| m["notice"] == "fallback")
        .collect();
    assert_eq!(fallbacks.len(), 1, "one fallback: {thread:?}");
    assert!(
        at(&fallbacks[0]["at"]) - requested >= ACCEPT_WINDOW,
        "the accept window closed early"
    );
    assert_transcript(&system, &idle.ai, &waiting).await;

    eprintln!("fault-test: step: // Every conversation ended");
    // Every conversation ended; each was assigned once, to the agent whose
    // offer was recorded; nobody held more than the limit.
    for customer in &customers {
        let id = customer.conversation.as_deref().unwrap();
        assert_eq!(ended(&system, &team.ai, id).await, "inactivity");
    }
    assert_assigned_once(&system, &team, &agents, &customers, &holder, LIMIT).await;
    assert!(probe.conversation.is_some());

    eprintln!("fault-test: step: // Latency:");
    // Latency: the cluster (two of everything, PostgreSQL) beside a single
    // node (one of everything, SQLite), in the same run.
    let (p50, p99) = round_trips(&gateways[0], &team.ai.widget, "lat3").await;
    println!(
        "fault-test: customer message round trip, 3-node cluster: p50 {} ms, p99 {} ms",
        p50.as_millis(),
        p99.as_millis()
    );
    drop(system);
    let single = System::start_with(
        None,
        vec![(
            "SWITCHBOARD_WS_FRAMES_PER_SECOND".to_owned(),
            LATENCY_FRAMES_PER_SECOND.to_owned(),
        )],
    )
    .await;
    let tenant = admin::ai_tenant(&single, "standard").await;
    let (p50, p99) = round_trips(&single.ws_url(), &tenant.widget, "lat1").await;
    println!(
        "fault-test: customer message round trip, single node: p50 {} ms, p99 {} ms",
        p50.as_millis(),
        p99.as_millis()
    );
}
