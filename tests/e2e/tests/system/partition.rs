//! A network partition (SPEC §9): three nats-servers, each in a network
//! namespace of its own (a host of its own, as far as the network goes),
//! every stream and bucket at three replicas, two instances of every
//! service on one PostgreSQL database. While customers chat with agents,
//! the node leading JetStream's meta group is cut off from the other nodes
//! and from every service: its connections stall, nothing resets them.
//! Traffic goes on through the cut: every customer says something, two more
//! customers ask for a person and the agents accept them. Then the node is
//! let back in, and every conversation gets messages both ways.
//!
//! Afterwards every acknowledged message is stored once with a gap-free
//! `seq`, no client id is stored twice, every conversation was assigned to
//! exactly one agent, no agent went over the limit, and the API answers on
//! every gateway. Prints the time from the cut to the first customer round
//! trip and the first API answer on each gateway
//! (`cargo nextest run -p switchboard-e2e -E 'test(partition)' --no-capture`).

use std::time::{Duration, Instant};

use serde_json::json;
use switchboard_e2e::admin::{customer_token, team_tenant};
use switchboard_e2e::system::{Nats, System};
use switchboard_testkit::{NatsCluster, postgres_database};

use crate::resilient::STEP;
use crate::resilient::checks::{
    assert_assigned_once, assert_transcript, assert_within_limit, set_limit,
};
use crate::resilient::clients::{Chatter, millis};
use crate::resilient::console::{Console, accept_until, exchange, holders};

const INSTANCES: usize = 2;
/// Customers live with an agent before the cut.
const CUSTOMERS: usize = 4;
/// Customers who ask for a person during the cut.
const LATE: usize = 2;
/// Two agents hold every customer between them.
const LIMIT: usize = 3;
/// Long enough that Alice and Bob always answer first: an offer timeout
/// would take an agent out of the rotation.
const OFFER_TIMEOUT: Duration = Duration::from_secs(60);

fn env() -> Vec<(String, String)> {
    [
        ("SWITCHBOARD_REPLICAS", "3".to_owned()),
        ("SWITCHBOARD_OFFER_TIMEOUT", millis(OFFER_TIMEOUT)),
        ("SWITCHBOARD_TIMER_LEASE_TTL", "1s".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn partition_cutting_off_the_meta_leader_node_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let Some(database) = postgres_database().await else {
        eprintln!(
            "partition-test: skipped: two instances of every service need PostgreSQL \
             (run under scripts/with-postgres.sh)"
        );
        return;
    };
    let Some(cluster) = NatsCluster::start_partitionable(3).await else {
        return;
    };
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

    // Alice on one gateway, Bob on the other; customers on both.
    let mut agents = Vec::new();
    for (n, (_, token, _)) in team.agents.iter().enumerate() {
        agents.push(Console::available(gateways[n % INSTANCES].clone(), token).await);
    }
    let mut customers: Vec<Chatter> = (0..CUSTOMERS + LATE)
        .map(|n| {
            let token = customer_token(&team.ai, &format!("partition-{n}"), "Casey");
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
        if n < CUSTOMERS {
            customer.request_human(false).await;
        }
    }
    accept_until(&mut agents, CUSTOMERS, STEP).await;
    let holder = holders(&agents);

    // The cut: the meta leader, which also leads some streams.
    let Nats::Cluster(cluster) = &mut system.nats else {
        unreachable!("started on a cluster")
    };
    let leader = cluster.wait_for_meta_leader().await;
    let mut led = Vec::new();
    for (stream, _) in cluster.stream_replicas().await {
        if cluster.stream_leader(&stream).await == Some(leader) {
            led.push(stream);
        }
    }
    println!(
        "partition-test: cutting off {}, the meta leader, leading {led:?}, holding the connections of {:?}",
        cluster.name(leader),
        cluster.client_names(leader).await
    );
    // In flight as the cut comes: a message of every live customer and of
    // its agent, the late customers' requests for a person. Each is sent
    // again below with the same id until it is acknowledged.
    for (n, customer) in customers.iter_mut().enumerate() {
        let frame = if n < CUSTOMERS {
            json!({"type": "message", "client_id": format!("c{n}-cut"), "text": "still there?"})
        } else {
            json!({"type": "request_human"})
        };
        if let Some(socket) = customer.socket.as_mut() {
            let _ = socket.try_send(frame).await;
        }
        let Some(agent) = customer.conversation.as_ref().and_then(|id| holder.get(id)) else {
            continue;
        };
        let frame = json!({
            "type": "message", "conversation": customer.conversation,
            "client_id": format!("a{n}-cut"), "text": "checking",
        });
        if let Some(socket) = agents[*agent].socket.as_mut() {
            let _ = socket.try_send(frame).await;
        }
    }
    cluster.isolate(leader);
    let cut = Instant::now();
    println!(
        "partition-test: cut {} ms after the start",
        (cut - started).as_millis()
    );

    // Recovery: the first customer round trip and the first API answer
    // through each gateway, all measured at once from the cut.
    let probes = gateways.iter().enumerate().map(|(g, gateway)| {
        let widget = team.ai.widget.clone();
        async move {
            let mut probe = Chatter::new(vec![gateway.clone()], 0, &widget, None);
            let took = probe
                .first_round_trip(&format!("probe{g}"), cut, STEP)
                .await;
            (took, probe)
        }
    });
    let watched = customers[0].conversation.clone().unwrap();
    let answers = system
        .gateway_addrs
        .iter()
        .map(|addr| first_api_answer(addr, &team.ai.id, &team.ai.admin_token, &watched, cut));
    let (probes, answers) = tokio::join!(
        futures::future::join_all(probes),
        futures::future::join_all(answers)
    );
    for (g, ((round_trip, _), api)) in probes.iter().zip(&answers).enumerate() {
        println!(
            "partition-test: gateway {g}: first round trip {} ms, first API answer {} ms after the cut",
            round_trip.as_millis(),
            api.as_millis()
        );
    }
    let recovery = probes.iter().map(|(took, _)| *took).max().unwrap();
    println!(
        "partition-test: recovery (the slowest gateway's first round trip): {} ms",
        recovery.as_millis()
    );

    // Through the cut: what was in flight gets through, the late customers
    // are accepted.
    for (n, customer) in customers.iter_mut().enumerate() {
        if n >= CUSTOMERS {
            customer.request_human(true).await;
            continue;
        }
        customer.say(&format!("c{n}-cut"), "still there?").await;
        let id = customer.conversation.clone().unwrap();
        agents[holder[&id]]
            .say(&id, &format!("a{n}-cut"), "checking")
            .await;
    }
    accept_until(&mut agents, CUSTOMERS + LATE, STEP).await;
    let holder = holders(&agents);
    println!(
        "partition-test: everything in flight acknowledged and every customer served {} ms after the cut",
        cut.elapsed().as_millis()
    );

    let Nats::Cluster(cluster) = &mut system.nats else {
        unreachable!()
    };
    cluster.heal(leader);
    let healed = Instant::now();
    cluster.wait_for_meta_leader().await;
    println!(
        "partition-test: the cluster settled with all three nodes {} ms after healing (cut for {} ms)",
        healed.elapsed().as_millis(),
        (healed - cut).as_millis()
    );

    // Messages both ways, on every conversation, after healing.
    for round in 1..=2 {
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
    assert_assigned_once(&system, &team, &agents, &customers, &holder, LIMIT).await;
    for (_, probe) in &probes {
        assert_transcript(&system, &team.ai, probe).await;
    }
    for (g, addr) in system.gateway_addrs.iter().enumerate() {
        let now = Instant::now();
        let took = first_api_answer(addr, &team.ai.id, &team.ai.admin_token, &watched, now).await;
        println!(
            "partition-test: gateway {g} answers the API in {} ms at the end",
            took.as_millis()
        );
    }
    println!(
        "partition-test: done in {} ms",
        started.elapsed().as_millis()
    );
}

/// The time from `since` until the gateway at `addr` answers a read of a
/// conversation with 200 (each try may take 2 s; a stalled one is dropped).
async fn first_api_answer(
    addr: &str,
    tenant: &str,
    token: &str,
    conversation: &str,
    since: Instant,
) -> Duration {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    let url = format!("http://{addr}/api/v1/tenants/{tenant}/conversations/{conversation}");
    loop {
        assert!(
            since.elapsed() < STEP,
            "{url} did not answer within {STEP:?}"
        );
        let response = http.get(&url).bearer_auth(token).send().await;
        if response.is_ok_and(|r| r.status().is_success()) {
            return since.elapsed();
        }
        // Retry pace while the gateway's backend recovers.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
