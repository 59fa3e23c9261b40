//! Replication on a real three-node NATS cluster: `SWITCHBOARD_REPLICAS`
//! reaches every stream and bucket a process creates through the bus
//! library, a later start with fewer replicas keeps what exists, and a
//! `NATS_URL` listing several servers connects through whichever answers.

use std::time::Duration;

use async_nats::jetstream::kv;
use switchboard_bus::service::{Kit, KitSettings};
use switchboard_bus::timers::Timers;
use switchboard_bus::{Bus, ConnectSettings};
use switchboard_contracts::streams;
use switchboard_runtime::config::{BusSettings, Vars};
use switchboard_testkit::{NatsCluster, eventually, free_port};

/// A bucket no service has: any bucket created through the bus library is
/// replicated the same way, whatever its definition says.
const OTHER_BUCKET: &str = "SB_TEST_OTHER";

/// What a service started with these variables creates: the topology and
/// the configuration cache (the kit), the timers bucket, and a bucket of
/// its own.
async fn start_a_service(vars: &Vars) -> Kit {
    let bus = BusSettings::load(vars).expect("valid bus settings");
    let settings = KitSettings::new(
        ConnectSettings::for_service(&bus, "replicas-test"),
        "127.0.0.1:0".parse().unwrap(),
        Duration::from_secs(30),
    );
    let kit = Kit::start(settings).await.expect("the kit starts");
    kit.config_cache().await.expect("the configuration loads");
    Timers::open(kit.bus()).await.expect("the timers bucket");
    let own = kv::Config {
        bucket: OTHER_BUCKET.into(),
        history: 1,
        num_replicas: 1,
        ..Default::default()
    };
    kit.bus()
        .ensure_bucket(own)
        .await
        .expect("a bucket of its own");
    kit
}

fn settings(cluster: &NatsCluster, replicas: Option<&str>) -> Vars {
    let mut vars = Vars::from_pairs([
        ("NATS_URL", cluster.urls()),
        // A bucket of the test's own: the admin user, not a service's.
        ("NATS_CREDS", cluster.creds("admin").display().to_string()),
    ]);
    if let Some(replicas) = replicas {
        vars.set("SWITCHBOARD_REPLICAS", replicas);
    }
    vars
}

#[tokio::test]
async fn every_stream_and_bucket_grows_to_the_replicas_setting_and_never_shrinks() {
    let cluster = NatsCluster::start(3).await;
    let mut expected: Vec<String> = [
        streams::AI,
        streams::AUDIT,
        streams::COMMANDS,
        streams::EVENTS,
        streams::PARKED,
        streams::ROUTING,
        streams::WORK_ITEMS,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        [
            streams::CONFIG_BUCKET,
            streams::PRESENCE_BUCKET,
            OTHER_BUCKET,
            streams::TIMERS_BUCKET,
        ]
        .iter()
        .map(|b| format!("KV_{b}")),
    )
    .collect();
    expected.sort();
    let replicas_of = |streams: &[(String, usize)]| {
        let names: Vec<&String> = streams.iter().map(|(name, _)| name).collect();
        assert_eq!(names, expected.iter().collect::<Vec<_>>());
        streams.iter().map(|(_, r)| *r).collect::<Vec<_>>()
    };

    // An earlier start without the setting: one replica each.
    start_a_service(&settings(&cluster, None)).await;
    let before = cluster.stream_replicas().await;
    assert!(replicas_of(&before).iter().all(|&r| r == 1), "{before:?}");

    start_a_service(&settings(&cluster, Some("3"))).await;
    let grown = cluster.stream_replicas().await;
    assert!(replicas_of(&grown).iter().all(|&r| r == 3), "{grown:?}");

    // A process started with fewer replicas (the default) changes nothing.
    start_a_service(&settings(&cluster, Some("1"))).await;
    start_a_service(&settings(&cluster, None)).await;
    let kept = cluster.stream_replicas().await;
    assert_eq!(kept, grown);
    for stream in &expected {
        assert!(
            cluster.stream_leader(stream).await.is_some(),
            "{stream} has a leader"
        );
    }
}

#[tokio::test]
async fn a_nats_url_listing_several_servers_connects_through_one_that_answers() {
    let cluster = NatsCluster::start(3).await;
    let nobody = format!("nats://127.0.0.1:{}", free_port());
    let url = format!("{nobody}, {}", cluster.urls());
    let creds = cluster.creds("admin").display().to_string();
    let vars = Vars::from_pairs([
        ("NATS_URL", url.as_str()),
        ("SWITCHBOARD_REPLICAS", "3"),
        ("NATS_CREDS", creds.as_str()),
    ]);
    let bus = BusSettings::load(&vars).unwrap();
    let bus = Bus::connect_with(&ConnectSettings::for_service(&bus, "list-test"))
        .await
        .expect("connects through the list");
    // A fresh cluster can still be placing replicas: a service waits for
    // the topology the same way (`Kit::start`).
    eventually("the topology", Duration::from_secs(30), || {
        let bus = bus.clone();
        async move { bus.ensure_topology().await.ok() }
    })
    .await;

    // The node this client talks to goes away: the client moves to another
    // listed server and the replicated stream keeps taking messages.
    let connected = bus.client.server_info().server_name;
    let mut cluster = cluster;
    let node = cluster.index_of(&connected).expect("a node of the cluster");
    cluster.kill(node).await;
    let subject = switchboard_contracts::subjects::filter::ALL_PARKED.replace('>', "test.one");
    let ack = eventually("a publish after fail-over", Duration::from_secs(20), || {
        let (js, subject) = (bus.js.clone(), subject.clone());
        async move { js.publish(subject, "kept".into()).await.ok()?.await.ok() }
    })
    .await;
    assert_eq!(ack.stream, streams::PARKED);
    assert_ne!(bus.client.server_info().server_name, connected);
}

#[tokio::test]
async fn a_garbled_server_in_the_list_is_refused_naming_nats_url() {
    let settings = ConnectSettings::new("nats://127.0.0.1:4222,not a url at all", "bad-test");
    let error = Bus::connect_with(&settings).await.unwrap_err();
    assert_eq!(error.kind(), switchboard_bus::ErrorKind::Rejected);
    assert!(error.to_string().contains("NATS_URL"), "{error}");
}
