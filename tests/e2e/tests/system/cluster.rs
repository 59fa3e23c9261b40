//! The whole system on a three-node NATS cluster with
//! `SWITCHBOARD_REPLICAS=3`: every stream and bucket any service creates
//! has three replicas, a chat works through it, and services restarted
//! without the setting shrink nothing.

use serde_json::json;
use switchboard_e2e::admin::{PASSWORD_ANSWER, ai_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::{Nats, System};
use switchboard_testkit::NatsCluster;

async fn replicas(system: &System) -> Vec<(String, usize)> {
    let Nats::Cluster(cluster) = &system.nats else {
        unreachable!("started on a cluster")
    };
    cluster.stream_replicas().await
}

#[tokio::test]
async fn on_a_three_node_cluster_every_stream_and_bucket_has_three_replicas() {
    let cluster = NatsCluster::start(3).await;
    let env = vec![("SWITCHBOARD_REPLICAS".to_owned(), "3".to_owned())];
    let mut system = System::start_on(Nats::Cluster(cluster), None, env, Vec::new()).await;

    let tenant = ai_tenant(&system, "standard").await;
    let mut customer =
        Customer::hello(&system.ws_url(), &tenant.widget, json!({"type": "hello"})).await;
    customer.say("c-1", "how do i reset my password").await;
    customer.expect("conversation").await;
    assert_eq!(
        customer.expect_message_from("ai").await["text"],
        PASSWORD_ANSWER
    );
    customer.close().await;

    let streams = replicas(&system).await;
    for bucket in [
        "SB_CONFIG",
        "SB_ROUTER_STATE",
        "SB_TIMERS",
        "SB_TIMER_LEASES",
    ] {
        let stream = format!("KV_{bucket}");
        assert!(
            streams.iter().any(|(name, _)| *name == stream),
            "{stream}: {streams:?}"
        );
    }
    assert!(
        streams.iter().any(|(name, _)| *name == "SB_ROUTER_LOG"),
        "the router's log: {streams:?}"
    );
    assert!(streams.iter().all(|(_, r)| *r == 3), "{streams:?}");

    // Restarted the way an operator who forgot the setting would.
    system.set_env("SWITCHBOARD_REPLICAS", "1");
    for service in ["router", "timer", "gateway"] {
        system.restart(service).await;
    }
    assert_eq!(replicas(&system).await, streams);
}
