//! The configuration cache's change feed and tombstones: another instance's
//! puts and deletes arrive in order with the value before and after, and a
//! deleted record is told apart from one never seen, its last value still
//! readable.

use std::time::Duration;

use switchboard_bus::Bus;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::v1::Space;
use switchboard_testkit::NatsServer;
use tokio_util::sync::CancellationToken;

async fn cache(bus: &Bus) -> ConfigCache {
    let cache = ConfigCache::start(bus, CancellationToken::new())
        .await
        .expect("cache");
    cache.ready().await;
    cache
}

#[tokio::test]
async fn another_instances_delete_arrives_as_a_change_and_leaves_a_tombstone() {
    let nats = NatsServer::start().await;
    let bus = Bus::connect(&nats.url(), "config-test").await.unwrap();
    bus.ensure_topology().await.unwrap();
    let (writer, reader) = (cache(&bus).await, cache(&bus).await);
    let mut changes = reader.changes();
    let key = keys::space("s1");
    let space = Space {
        id: "s1".into(),
        name: "Support".into(),
        ..Default::default()
    };

    writer.put(&key, &space).await.unwrap();
    let put = tokio::time::timeout(Duration::from_secs(10), changes.recv())
        .await
        .expect("a change in time")
        .unwrap();
    assert_eq!(
        (put.key.as_str(), put.previous.is_none()),
        (key.as_str(), true)
    );
    assert!(!put.is_delete());
    assert!(!reader.is_deleted(&key));

    writer.delete(&key).await.unwrap();
    let deleted = tokio::time::timeout(Duration::from_secs(10), changes.recv())
        .await
        .expect("a change in time")
        .unwrap();
    assert!(deleted.is_delete() && deleted.revision > put.revision);
    assert_eq!(deleted.previous::<Space>(), Some(space.clone()));
    assert!(reader.is_deleted(&key));
    assert_eq!(reader.get::<Space>(&key), None);
    assert!(reader.list::<Space>(&keys::space("")).is_empty());
    assert_eq!(reader.last_known::<Space>(&key), Some(space));
    assert!(!reader.is_deleted(&keys::space("never-seen")));

    // A cache started after the delete knows it only as a tombstone.
    let late = cache(&bus).await;
    assert!(late.is_deleted(&key));
    assert_eq!(late.last_known::<Space>(&key), None);
}
