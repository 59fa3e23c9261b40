//! The namespaced cluster behaves like separate hosts: cutting off the
//! JetStream meta leader makes the other two elect a new one while the cut
//! node is unreachable, and healing brings it back as a follower.

use std::time::{Duration, Instant};

use switchboard_testkit::NatsCluster;

#[tokio::test]
async fn an_isolated_meta_leader_is_replaced_and_rejoins_after_healing() {
    let Some(mut cluster) = NatsCluster::start_partitionable(3).await else {
        return;
    };
    let leader = cluster.wait_for_meta_leader().await;
    let url = cluster.url(leader);
    assert!(
        !url.contains("127.0.0.1"),
        "a node has its own address: {url}"
    );

    cluster.isolate(leader);
    let cut = Instant::now();
    let successor = cluster.wait_for_meta_leader().await;
    assert_ne!(successor, leader, "the cut-off node cannot stay the leader");
    eprintln!("new meta leader after {} ms", cut.elapsed().as_millis());
    let connect = tokio::time::timeout(Duration::from_secs(2), async_nats::connect(&url)).await;
    assert!(
        !matches!(connect, Ok(Ok(_))),
        "the isolated node still took a connection"
    );

    cluster.heal(leader);
    let settled = cluster.wait_for_meta_leader().await;
    assert!(cluster.is_reachable(leader));
    let client = async_nats::connect(&url)
        .await
        .expect("the healed node answers");
    async_nats::jetstream::new(client)
        .query_account()
        .await
        .expect("JetStream answers on the healed node");
    eprintln!("settled on {settled} after healing");
}
