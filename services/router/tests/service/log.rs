//! The tenant's log in `SB_ROUTER_LOG` as the store reads and writes it:
//! read back whole however long it is, refused by name when it cannot be
//! read, and started from a state of the KV era (one value in
//! `SB_ROUTER_STATE`), which is rewritten in a version those routers refuse
//! so they stop deciding for the tenant.

use std::path::PathBuf;

use bytes::Bytes;
use switchboard_contracts::streams;
use switchboard_contracts::subjects;
use switchboard_router::handlers::step::{Logged, Parsed};
use switchboard_router::log::{self, Entry};
use switchboard_router::snapshot::Snapshot;
use switchboard_router::store;

use super::support::Harness;

#[tokio::test]
async fn a_log_longer_than_one_read_is_read_back_whole() {
    // No snapshot in between: every entry must come back, over several reads.
    let h = Harness::with(1, false, |c| c.snapshot_every = 10_000).await;
    let store = &h.routers[0].store;
    let mut held = store.take(h.tenant).await.expect("a fresh tenant");
    let entries = 600;
    for n in 0..entries {
        let mut entry = Entry::new(held.position, Vec::new(), false);
        let logged = Logged {
            id: format!("input-{n}"),
            now: 1_700_000_000_000 + n,
            input: Parsed::ConfigChanged,
        };
        entry.decide(&mut held.snapshot, &Default::default(), logged);
        store
            .append(h.tenant, &mut held, &entry)
            .await
            .expect("appended");
    }
    store.clear_cache();
    let (read, position) = h.snapshot().await;
    assert_eq!(position, held.position, "up to the last entry");
    assert!(read.applied(&format!("input-{}", entries - 1)).is_some());
    assert_eq!(
        read.encode().expect("encodes"),
        held.snapshot.encode().expect("encodes"),
        "the state replayed from the log is the one decided"
    );
    h.stop().await;
}

/// The KV bucket of the states from before the log.
async fn state_bucket(h: &Harness) -> async_nats::jetstream::kv::Store {
    h.bus
        .js
        .get_key_value(streams::ROUTER_STATE_BUCKET)
        .await
        .expect("bucket")
}

fn fixture(version: u64) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("snapshot-v{version}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn a_state_from_the_kv_era_moves_to_the_log_and_fences_older_routers() {
    let h = Harness::start().await;
    let kv = state_bucket(&h).await;
    let old = fixture(2);
    kv.put(store::key(h.tenant), Bytes::from(old.clone()))
        .await
        .expect("the old router's write");

    let expected = Snapshot::decode(&old).expect("the fixture reads");
    let (peeked, at) = h.snapshot().await;
    assert_eq!(
        (peeked.state.clone(), at),
        (expected.state.clone(), 0),
        "a read sees the old state and moves nothing"
    );
    // Deciding for the tenant moves it.
    let store = &h.routers[0].store;
    let held = store.take(h.tenant).await.expect("taken to decide");
    store.keep(h.tenant, held);
    let (moved, position) = h.snapshot().await;
    assert_eq!(moved.state, expected.state);
    assert_eq!(moved.meta, expected.meta);
    assert!(position > 0, "the state is the log's first message");

    let log = h.bus.js.get_stream(streams::ROUTER_LOG).await.expect("log");
    let first = log
        .direct_get_next_for_subject(subjects::router_log(h.tenant), Some(1))
        .await
        .expect("the log has a message");
    assert_eq!(first.sequence, position);
    assert_eq!(
        first.headers.get(log::KIND_HEADER).map(|v| v.as_str()),
        Some(log::KIND_SNAPSHOT)
    );

    let fenced = kv
        .get(store::key(h.tenant))
        .await
        .expect("read")
        .expect("the KV value stays");
    let version: serde_json::Value = serde_json::from_slice(&fenced).expect("json");
    assert_eq!(
        version["version"], 3,
        "rewritten in a version older routers refuse"
    );
    assert_eq!(
        Snapshot::decode(&fenced).expect("reads").state,
        expected.state,
        "and still holding the state"
    );
    h.stop().await;
}

#[tokio::test]
async fn reading_the_state_of_a_tenant_never_routed_writes_nothing() {
    let h = Harness::start().await;
    let (snapshot, position) = h.snapshot().await;
    assert_eq!(position, 0);
    assert_eq!(snapshot.state.agents().count(), 0);
    let kv = state_bucket(&h).await;
    assert!(kv.get(store::key(h.tenant)).await.expect("read").is_none());
    let log = h.bus.js.get_stream(streams::ROUTER_LOG).await.expect("log");
    assert!(
        log.direct_get_next_for_subject(subjects::router_log(h.tenant), Some(1))
            .await
            .is_err(),
        "the tenant's log stays empty"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_log_this_router_cannot_read_is_a_named_error_that_fails_readiness() {
    let h = Harness::start().await;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(log::KIND_HEADER, log::KIND_SNAPSHOT);
    h.bus
        .js
        .publish_with_headers(
            subjects::router_log(h.tenant),
            headers,
            Bytes::from_static(br#"{"version": 99}"#),
        )
        .await
        .expect("publish")
        .await
        .expect("stored");
    let store = &h.routers[0].store;
    let error = store.read(h.tenant).await.expect_err("unreadable");
    assert!(
        matches!(error, store::ReadError::Unreadable { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("version 99"), "{error}");
    let reason = store.unreadable().expect_err("readiness fails");
    assert!(reason.contains(&h.tenant.to_string()), "{reason}");
    h.stop().await;
}
