//! Agent presence as the gateway keeps it: a welcomed console tells the
//! router and writes the agent's record in `SB_PRESENCE`, the record is
//! refreshed while a console is open, and the last console to close marks
//! the agent not connected. Each write is awaited as an event of a watch on
//! the agent's key.

use std::time::Duration;

use async_nats::jetstream::kv::Entry;
use futures::{Stream, StreamExt};
use prost::Message;
use serde_json::json;
use switchboard_contracts::streams;
use switchboard_contracts::v1::AgentPresence;
use switchboard_contracts::v1::routing_input::Input;

use super::app::{Seeded, TestApp, spawn_app, spawn_app_with};
use crate::client::connect;

/// Every write of the seeded agent's record from now on.
async fn records(app: &TestApp, seeded: &Seeded) -> impl Stream<Item = AgentPresence> + Unpin {
    let bucket = app
        .state
        .bus
        .js
        .get_key_value(streams::PRESENCE_BUCKET)
        .await
        .expect("presence bucket");
    let key = streams::presence_key(seeded.tenant, seeded.agent);
    let watch = bucket.watch(key).await.expect("watch");
    Box::pin(watch.map(|entry: Result<Entry, _>| {
        AgentPresence::decode(entry.expect("watch entry").value).expect("an AgentPresence")
    }))
}

async fn next(records: &mut (impl Stream<Item = AgentPresence> + Unpin)) -> AgentPresence {
    tokio::time::timeout(Duration::from_secs(5), records.next())
        .await
        .expect("a presence write within 5 s")
        .expect("watching")
}

#[tokio::test]
async fn a_welcomed_console_tells_the_router_and_marks_its_agent_connected_until_it_closes() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut router = app.router(&seeded).await;
    let mut records = records(&app, &seeded).await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;

    let hello = next(&mut records).await;
    assert!(hello.connected);
    let connected = router.next_connection().await;
    assert_eq!(connected.tenant, seeded.tenant.to_string());
    let Some(Input::AgentConnected(said)) = connected.input else {
        panic!("expected agent_connected, got {connected:?}");
    };
    assert_eq!(said.agent, seeded.agent.to_string());
    let presence = &app.state.presence;
    assert!(
        presence
            .connected(seeded.tenant, seeded.agent)
            .await
            .unwrap()
    );

    drop(console);
    let closed = next(&mut records).await;
    assert!(!closed.connected);
    assert!(closed.last_seen_ms >= hello.last_seen_ms);
    assert!(
        !presence
            .connected(seeded.tenant, seeded.agent)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn the_record_is_refreshed_while_a_console_is_open() {
    let app = spawn_app_with(|c| c.presence_refresh = Duration::from_millis(100)).await;
    let seeded = app.seed().await;
    let _router = app.router(&seeded).await;
    let mut records = records(&app, &seeded).await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let mut seen = next(&mut records).await.last_seen_ms;
    for _ in 0..2 {
        let refreshed = next(&mut records).await;
        assert!(refreshed.connected);
        assert!(refreshed.last_seen_ms >= seen);
        seen = refreshed.last_seen_ms;
    }
}

#[tokio::test]
async fn two_consoles_of_one_agent_keep_it_connected_until_the_last_one_closes() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let (tenant, agent) = (seeded.tenant, seeded.agent);
    let presence = app.state.presence.clone();
    let mut records = records(&app, &seeded).await;
    let first = presence.join(tenant, agent).await;
    let second = presence.join(tenant, agent).await;
    assert!(next(&mut records).await.connected);
    assert!(next(&mut records).await.connected);

    first.release().await;
    presence.refresh().await;
    assert!(
        next(&mut records).await.connected,
        "one console left: nothing but the refresh was written"
    );
    second.release().await;
    assert!(!next(&mut records).await.connected);
    presence.refresh().await;
    let _third = presence.join(tenant, agent).await;
    assert!(
        next(&mut records).await.connected,
        "the refresh wrote nothing for an agent with no console here"
    );
}
