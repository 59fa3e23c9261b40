//! What the fault test checks through the public API, and the latency it
//! measures.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, TeamTenant};
use switchboard_e2e::system::System;
use switchboard_testkit::eventually;

use super::clients::Chatter;
use super::{LATENCY_SAMPLES, LIMIT};

pub(super) async fn set_limit(system: &System, team: &TeamTenant, limit: usize) {
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

/// The agents' loads in the live view never exceed the limit.
pub(super) async fn assert_within_limit(system: &System, team: &TeamTenant) {
    let view = admin::live_view(system, team).await;
    for agent in view["agents"].as_array().into_iter().flatten() {
        let load = agent["load"].as_u64().unwrap_or(0);
        assert!(load <= LIMIT as u64, "over the limit: {view}");
    }
}

pub(super) async fn conversation(system: &System, tenant: &admin::AiTenant, id: &str) -> Value {
    let (status, body) = admin::call(
        reqwest::Client::new()
            .get(format!(
                "{}/api/v1/tenants/{}/conversations/{id}",
                system.gateway_url(),
                tenant.id
            ))
            .bearer_auth(&tenant.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits for `id` to end and returns its end reason.
pub(super) async fn ended(system: &System, tenant: &admin::AiTenant, id: &str) -> String {
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

/// The stored thread: gap-free, and every acknowledged client id in it once.
pub(super) async fn assert_transcript(
    system: &System,
    tenant: &admin::AiTenant,
    chatter: &Chatter,
) {
    let id = chatter.conversation.as_deref().expect("a conversation");
    let stored = admin::transcript(system, tenant, id).await;
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
    for client_id in &chatter.acked {
        assert_eq!(
            by_client.get(client_id.as_str()),
            Some(&1),
            "{id}: {client_id} stored exactly once: {stored:?}"
        );
    }
}

/// p50 and p99 of `samples` customer message round trips (send → echo).
pub(super) async fn round_trips(ws: &str, widget: &str, tag: &str) -> (Duration, Duration) {
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
