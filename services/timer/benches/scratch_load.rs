use std::time::{Duration, Instant};
use async_nats::jetstream::consumer;
use futures::StreamExt;
use switchboard_bus::Bus;
use switchboard_bus::timers::{Timers, now_ms};
use switchboard_contracts::v1::Timer;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let nats = switchboard_testkit::NatsServer::start().await;
        let bus = Bus::connect(&nats.url(), "x").await.unwrap();
        let timers = Timers::open(&bus).await.unwrap();
        let n = 200_000u64;
        let far = now_ms() + 3_600_000;
        let t = Instant::now();
        futures::stream::iter(0..n).map(|i| { let timers = timers.clone(); async move {
            let conv = format!("0190a0b0-0000-7000-8000-{i:012}");
            timers.schedule(&Timer { id: format!("inactivity.{conv}"), due_ms: far, subject: format!("sb.cmd.0190a0b0-0000-7000-8000-000000000001.{conv}"), payload: vec![7;64], ..Default::default() }).await.unwrap();
        }}).buffer_unordered(1024).for_each(|_| async {}).await;
        println!("scheduled {n} in {:?}", t.elapsed());
        for parts in [1u16, 16] {
            let t = Instant::now();
            let mut tasks = Vec::new();
            for p in 0..parts {
                let store = timers.store().clone();
                let client = bus.client.clone();
                let filter = if parts == 1 { "$KV.SB_TIMERS.>".to_string() } else { switchboard_contracts::subjects::timer_partition_records(p) };
                tasks.push(tokio::spawn(async move {
                    let c = store.stream.create_consumer(consumer::push::OrderedConfig { deliver_subject: client.new_inbox(), filter_subject: filter, deliver_policy: consumer::DeliverPolicy::LastPerSubject, ..Default::default() }).await.unwrap();
                    let created = Instant::now();
                    let pending = c.cached_info().num_pending;
                    let mut m = c.messages().await.unwrap();
                    let mut got = 0u64;
                    while got < pending { let _ = m.next().await.unwrap().unwrap(); got += 1; }
                    (pending, created)
                }));
            }
            let mut total = 0; for task in tasks { total += task.await.unwrap().0; }
            println!("{parts} consumers: {total} in {:?}", t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
}
