//! What the fault and partition tests check through the public API, and
//! the latency they measure. Reads are asked again while the gateway
//! answers 503 `unavailable` ("retry shortly"), as a client would: right
//! after a fault the bus may still be electing leaders.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, TeamTenant};
use switchboard_e2e::system::System;
use switchboard_testkit::eventually;

use super::STEP;
use super::clients::Chatter;
use super::console::Console;

/// Round trips [`round_trips`] times.
const LATENCY_SAMPLES: usize = 100;

pub(crate) async fn set_limit(system: &System, team: &TeamTenant, limit: usize) {
    let (status, body) = admin::call(
        reqwest::Client::new()
            .patch(format!(
                "{}/api/v1/tenants/{}/chat-settings",
                system.gateway_url(),
                team.ai.id
            ))
            .bearer_auth(&team.ai.admin_token),
        Some(json!({"maximum_conversations": limit})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// GET `/api/v1/{path}` on gateway 0 as `token`; asked again while the
/// answer is 503, for up to [`STEP`].
async fn read(system: &System, token: &str, path: &str) -> Value {
    let url = format!("{}/api/v1/{path}", system.gateway_url());
    let deadline = Instant::now() + STEP;
    loop {
        let (status, body) =
            admin::call(reqwest::Client::new().get(&url).bearer_auth(token), None).await;
        match status {
            200 => return body,
            503 if Instant::now() < deadline => {
                // Retry pace while the bus recovers.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => panic!("GET {url}: {status} {body}"),
        }
    }
}

/// The agents' loads in the live view never exceed `limit`.
pub(crate) async fn assert_within_limit(system: &System, team: &TeamTenant, limit: usize) {
    let path = format!("tenants/{}/spaces/{}/live", team.ai.id, team.space);
    let view = read(system, &team.ai.admin_token, &path).await;
    for agent in view["agents"].as_array().into_iter().flatten() {
        let load = agent["load"].as_u64().unwrap_or(0);
        assert!(load <= limit as u64, "over the limit: {view}");
    }
}

pub(crate) async fn conversation(system: &System, tenant: &admin::AiTenant, id: &str) -> Value {
    let path = format!("tenants/{}/conversations/{id}", tenant.id);
    read(system, &tenant.admin_token, &path).await
}

/// Waits for `id` to end and returns its end reason.
pub(crate) async fn ended(system: &System, tenant: &admin::AiTenant, id: &str) -> String {
    eventually(
        &format!("conversation {id} to end"),
        Duration::from_secs(30),
        || async {
            let body = conversation(system, tenant, id).await;
            (body["state"] == "ended").then(|| body["end_reason"].as_str().unwrap().to_owned())
        },
    )
    .await
}

/// The stored thread: gap-free, no client id in it twice, and every
/// acknowledged client id in it.
pub(crate) async fn assert_transcript(
    system: &System,
    tenant: &admin::AiTenant,
    chatter: &Chatter,
) {
    let id = chatter.conversation.as_deref().expect("a conversation");
    let path = format!("tenants/{}/conversations/{id}/transcript", tenant.id);
    let stored = read(system, &tenant.admin_token, &path).await["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let seqs: Vec<u64> = stored.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "{id}: seq is gap-free"
    );
    let mut by_client: BTreeMap<&str, usize> = BTreeMap::new();
    for message in &stored {
        if let Some(client_id) = message["client_id"].as_str() {
            *by_client.entry(client_id).or_default() += 1;
        }
    }
    let twice: Vec<_> = by_client.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{id}: stored twice: {twice:?}");
    for client_id in &chatter.acked {
        assert_eq!(
            by_client.get(client_id.as_str()),
            Some(&1),
            "{id}: {client_id} stored exactly once: {stored:?}"
        );
    }
}

/// p50 and p99 of `samples` customer message round trips (send → echo).
pub(crate) async fn round_trips(ws: &str, widget: &str, tag: &str) -> (Duration, Duration) {
    let mut chatter = Chatter::new(vec![ws.to_owned()], 0, widget, None);
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for n in 0..LATENCY_SAMPLES {
        let started = Instant::now();
        chatter
            .say(&format!("{tag}-{n}"), "how long does shipping take?")
            .await;
        samples.push(started.elapsed());
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    (pick(0.50), pick(0.99))
}

/// Each customer's conversation went to exactly one agent, the one
/// `holder` names, whose offer the decisions record; no agent got more than
/// `limit`; every acknowledged message is stored once.
pub(crate) async fn assert_assigned_once(
    system: &System,
    team: &TeamTenant,
    agents: &[Console],
    customers: &[Chatter],
    holder: &BTreeMap<String, usize>,
    limit: usize,
) {
    let mut assigned: BTreeMap<String, usize> = BTreeMap::new();
    for agent in agents {
        let held: BTreeSet<String> = agent.assigned().into_iter().collect();
        assert!(held.len() <= limit, "an agent over the limit: {held:?}");
        for id in held {
            *assigned.entry(id).or_default() += 1;
        }
    }
    for customer in customers {
        assert_transcript(system, &team.ai, customer).await;
        let id = customer.conversation.as_deref().expect("a conversation");
        assert_eq!(assigned.get(id), Some(&1), "{id} assigned once");
        let info = conversation(system, &team.ai, id).await;
        let agent_id = &team.agents[holder[id]].0;
        assert_eq!(info["assignee"], agent_id.as_str(), "{info}");
        // The record is durable, but right after a heal a read can meet a
        // stream whose new leader is still catching up: read it again
        // until it shows the offer (a lost record still fails, after STEP).
        let path = format!("tenants/{}/conversations/{id}/decisions", team.ai.id);
        let deadline = Instant::now() + STEP;
        loop {
            let decisions = read(system, &team.ai.admin_token, &path).await["decisions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let offered = decisions
                .iter()
                .any(|d| d["kind"] == "offered" && d["agent"] == agent_id.as_str());
            if offered {
                break;
            }
            assert!(Instant::now() < deadline, "{id}: {decisions:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
