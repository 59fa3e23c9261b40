//! Configuration writes are compare-and-set on the key's revision: two
//! caches (two gateways) editing one record on a real nats-server never
//! silently lose an edit — each either lands or is reported.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard_bus::config::{ConfigCache, EditError};
use switchboard_bus::{Bus, ErrorKind};
use switchboard_contracts::v1::Agent;
use switchboard_testkit::NatsServer;
use tokio_util::sync::CancellationToken;

const KEY: &str = "agent.0190a0b0-0000-7000-8000-000000000001";

/// One gateway's view: its own connection and its own watched cache.
async fn cache(nats: &NatsServer, name: &str) -> ConfigCache {
    let bus = Bus::connect(&nats.url(), name).await.expect("connects");
    bus.ensure_topology().await.expect("the topology");
    let cache = ConfigCache::start(&bus, CancellationToken::new())
        .await
        .expect("the cache starts");
    cache.ready().await;
    cache
}

fn agent(name: &str) -> Agent {
    Agent {
        id: "0190a0b0-0000-7000-8000-000000000001".into(),
        name: name.into(),
        ..Agent::default()
    }
}

/// Runs `write` on another task and waits for it, from inside a
/// synchronous edit: another gateway's write landing between this
/// gateway's read and its write.
fn meanwhile<F: Future<Output = ()> + Send + 'static>(write: F) {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(write));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_from_two_caches_all_land_or_are_reported() {
    let nats = NatsServer::start().await;
    let (a, b) = (
        cache(&nats, "gateway-a").await,
        cache(&nats, "gateway-b").await,
    );
    a.create(KEY, &agent("Grace")).await.expect("created");

    let mut edits = Vec::new();
    for i in 0..24 {
        let cache = if i % 2 == 0 { a.clone() } else { b.clone() };
        edits.push(tokio::spawn(async move {
            let result = cache
                .update(KEY, |mut agent: Agent| {
                    agent.spaces.push(format!("space-{i}"));
                    Ok::<_, Infallible>(agent)
                })
                .await;
            (i, result)
        }));
    }
    let mut landed = BTreeSet::new();
    for edit in edits {
        match edit.await.unwrap() {
            (i, Ok(_)) => {
                landed.insert(format!("space-{i}"));
            }
            (_, Err(EditError::Contended(_))) => {}
            (i, Err(other)) => panic!("edit {i}: {other}"),
        }
    }
    let (stored, _) = a.latest::<Agent>(KEY).await.unwrap().expect("the record");
    let stored: BTreeSet<String> = stored.spaces.into_iter().collect();
    assert_eq!(stored, landed, "every edit reported as written is there");
    assert!(!landed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_that_lost_the_race_is_applied_again_to_the_newer_record() {
    let nats = NatsServer::start().await;
    let (a, b) = (
        cache(&nats, "gateway-a").await,
        cache(&nats, "gateway-b").await,
    );
    a.create(KEY, &agent("Grace")).await.unwrap();

    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let written = a
        .update(KEY, |mut record: Agent| {
            if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                let b = b.clone();
                meanwhile(async move {
                    b.update(KEY, |mut other: Agent| {
                        other.email = "grace@example.com".into();
                        Ok::<_, Infallible>(other)
                    })
                    .await
                    .expect("the other gateway's edit");
                });
            }
            record.name = "Grace Hopper".into();
            Ok::<_, Infallible>(record)
        })
        .await
        .expect("written on the second attempt");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let (stored, _) = b.latest::<Agent>(KEY).await.unwrap().unwrap();
    assert_eq!(stored, written);
    assert_eq!(
        (stored.name.as_str(), stored.email.as_str()),
        ("Grace Hopper", "grace@example.com"),
        "both edits kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_that_no_longer_applies_or_whose_record_went_is_reported() {
    let nats = NatsServer::start().await;
    let (a, b) = (
        cache(&nats, "gateway-a").await,
        cache(&nats, "gateway-b").await,
    );
    a.create(KEY, &agent("Grace")).await.unwrap();

    // Renames only what is still called Grace; the other gateway renames
    // it first.
    let other = b.clone();
    let outcome = a
        .update(KEY, |mut record: Agent| {
            if record.name != "Grace" {
                return Err("renamed meanwhile");
            }
            let b = other.clone();
            meanwhile(async move {
                b.update(KEY, |mut r: Agent| {
                    r.name = "Ada".into();
                    Ok::<_, Infallible>(r)
                })
                .await
                .unwrap();
            });
            record.name = "Grace Hopper".into();
            Ok(record)
        })
        .await;
    assert!(
        matches!(outcome, Err(EditError::Outdated("renamed meanwhile"))),
        "{outcome:?}"
    );

    let refused = a
        .update(KEY, |_: Agent| Err::<Agent, _>("refused outright"))
        .await;
    assert!(matches!(refused, Err(EditError::Refused(_))), "{refused:?}");

    let other = b.clone();
    let gone = a
        .update(KEY, |record: Agent| {
            let b = other.clone();
            meanwhile(async move { b.delete(KEY).await.unwrap() });
            Ok::<_, Infallible>(record)
        })
        .await;
    assert!(matches!(gone, Err(EditError::Missing(_))), "{gone:?}");
    assert!(
        b.latest::<Agent>(KEY).await.unwrap().is_none(),
        "the delete stands"
    );
}

#[tokio::test]
async fn a_create_or_a_stale_write_never_overwrites() {
    let nats = NatsServer::start().await;
    let (a, b) = (
        cache(&nats, "gateway-a").await,
        cache(&nats, "gateway-b").await,
    );
    let first = a.create(KEY, &agent("Grace")).await.unwrap();
    let error = b.create(KEY, &agent("Ada")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);

    a.update(KEY, |mut r: Agent| {
        r.name = "Grace Hopper".into();
        Ok::<_, Infallible>(r)
    })
    .await
    .unwrap();
    let error = b.replace(KEY, &agent("Ada"), first).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    let (stored, revision) = b.latest::<Agent>(KEY).await.unwrap().unwrap();
    assert_eq!(stored.name, "Grace Hopper");

    // Conditional delete: only while the record is what the caller says.
    assert!(!b.delete_if(KEY, |r: &Agent| r.name == "Ada").await.unwrap());
    assert!(
        b.delete_if(KEY, |r: &Agent| r.name == "Grace Hopper")
            .await
            .unwrap()
    );
    // Created again on top of the delete marker.
    assert!(a.create(KEY, &agent("Ada")).await.unwrap() > revision);
}
