//! The cluster harness itself: three nodes form a JetStream cluster, a
//! replicated stream has a leader on one of them, and killing that node
//! moves the leadership while restarting it brings the node back.

use std::time::Duration;

use async_nats::jetstream::stream;
use switchboard_testkit::{NatsCluster, eventually};

#[tokio::test]
async fn a_three_node_cluster_survives_losing_a_streams_leader_and_takes_it_back() {
    let mut cluster = NatsCluster::start(3).await;
    assert_eq!(cluster.urls().split(',').count(), 3);
    let js = async_nats::jetstream::new(cluster.client().await);
    js.create_stream(stream::Config {
        name: "HARNESS".into(),
        subjects: vec!["harness.>".into()],
        num_replicas: 3,
        ..Default::default()
    })
    .await
    .expect("a replicated stream");
    let leader = cluster.stream_leader("HARNESS").await.expect("a leader");

    cluster.kill(leader).await;
    assert!(!cluster.is_running(leader));
    cluster.wait_for_meta_leader().await;
    let new_leader = eventually("a new stream leader", Duration::from_secs(20), || {
        let cluster = &cluster;
        async move {
            cluster
                .stream_leader("HARNESS")
                .await
                .filter(|&l| l != leader)
        }
    })
    .await;
    assert_ne!(new_leader, leader);
    let js = async_nats::jetstream::new(cluster.client().await);
    js.publish("harness.one", "kept".into())
        .await
        .unwrap()
        .await
        .expect("two of three nodes still store");

    cluster.restart(leader).await;
    assert!(cluster.is_running(leader));
    let client = cluster
        .options()
        .await
        .connect(cluster.url(leader))
        .await
        .unwrap();
    assert_eq!(client.server_info().server_name, cluster.name(leader));
}
