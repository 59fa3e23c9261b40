//! The namespaced cluster behaves like separate hosts: cutting off the
//! JetStream meta leader makes the other two elect a new one while the cut
//! node is unreachable, and healing brings it back as a follower; the other
//! nodes stop routing to the subscriptions the cut node held within seconds.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
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
    let connect = tokio::time::timeout(
        Duration::from_secs(2),
        cluster.options().await.connect(&url),
    )
    .await;
    assert!(
        !matches!(connect, Ok(Ok(_))),
        "the isolated node still took a connection"
    );

    cluster.heal(leader);
    let settled = cluster.wait_for_meta_leader().await;
    assert!(cluster.is_reachable(leader));
    let client = cluster
        .options()
        .await
        .connect(&url)
        .await
        .expect("the healed node answers");
    async_nats::jetstream::new(client)
        .query_account()
        .await
        .expect("JetStream answers on the healed node");
    eprintln!("settled on {settled} after healing");
}

/// The other nodes stop routing to the subscriptions a cut-off node held
/// once its routes time out (the route ping the node configuration sets):
/// requests to a queue group with a member there fail for seconds, not for
/// minutes.
#[tokio::test]
async fn requests_stop_going_to_a_queue_member_on_a_cut_off_node() {
    let Some(mut cluster) = NatsCluster::start_partitionable(3).await else {
        return;
    };
    // One member of the group on node 0 (to be cut off), one on node 1.
    for node in [0, 1] {
        let client = cluster
            .options()
            .await
            .connect(cluster.url(node))
            .await
            .unwrap();
        let mut requests = client.queue_subscribe("svc", "g".into()).await.unwrap();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                if let Some(reply) = request.reply {
                    let _ = client.publish(reply, node.to_string().into()).await;
                }
            }
        });
    }
    let asker = cluster
        .options()
        .await
        .request_timeout(Some(Duration::from_millis(500)))
        .connect(cluster.url(2))
        .await
        .unwrap();
    // Both members answer through node 2 before the cut.
    let mut members = BTreeSet::new();
    while members.len() < 2 {
        if let Ok(answer) = asker.request("svc", "x".into()).await {
            members.insert(answer.payload);
        }
    }

    cluster.isolate(0);
    let cut = Instant::now();
    let mut last_lost = Duration::ZERO;
    // Done once five seconds pass without a lost request.
    while cut.elapsed() < last_lost + Duration::from_secs(5) {
        assert!(
            cut.elapsed() < Duration::from_secs(30),
            "requests still lost {} ms after the cut",
            last_lost.as_millis()
        );
        if asker.request("svc", "x".into()).await.is_err() {
            last_lost = cut.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "the last request lost to the cut node: {} ms after the cut",
        last_lost.as_millis()
    );
}
