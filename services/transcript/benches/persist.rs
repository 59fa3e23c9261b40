//! How many chat messages per second the transcript persists (stored in SQL,
//! their events durable in `SB_EVENTS`), beside bare JetStream pipelined
//! publish with message ids on the same nats-server in the same run
//! (TARGETS.md P2), and the command → event latency at a steady rate.
//!
//! It drives the transcript *binary* (`SB_TRANSCRIPT_BIN`, default
//! `target/release/switchboard-transcript`) over a real nats-server and a
//! SQLite file (or `DATABASE_URL`), so two builds compare under one command:
//!
//! ```text
//! cargo bench -p switchboard-transcript --bench persist
//! SB_TRANSCRIPT_BIN=/tmp/old-transcript cargo bench -p switchboard-transcript --bench persist
//! ```
//!
//! Sizes: `SB_BENCH_CONVERSATIONS` [200] × `SB_BENCH_MESSAGES` [100] posts,
//! `SB_BENCH_RATE` [500] posts/s for `SB_BENCH_SECONDS` [5] in the latency
//! phase.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage};
use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ConversationCommand, ConversationEvent, ConversationStart, ConversationState, Customer,
    PostMessage, Role, SupportMode,
};
use switchboard_testkit::NatsServer;

/// Publishes in flight at once: enough to keep the server busy, bounded so
/// the client's buffers stay small.
const WINDOW: usize = 1024;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn post(tenant: TenantId, conversation: ConversationId, n: usize) -> ConversationCommand {
    let start = (n == 0).then(|| ConversationStart {
        customer: Some(Customer {
            key: "user:ada".into(),
            name: "Ada".into(),
            ..Default::default()
        }),
        initial_state: ConversationState::Ai as i32,
        support_mode: SupportMode::AiAgent as i32,
        ..Default::default()
    });
    ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: 1,
        command_id: format!("post:{conversation}:{n}"),
        command: Some(Command::Post(PostMessage {
            author: Some(Author {
                role: Role::Customer as i32,
                id: "user:ada".into(),
                name: "Ada".into(),
            }),
            text: format!("message {n}: a question about an order, about this long"),
            client_id: format!("c{n}"),
            start,
        })),
    }
}

/// Publishes `(subject, msg id, payload)` with at most [`WINDOW`] acks
/// outstanding; returns when every ack arrived.
async fn pipelined(js: &jetstream::Context, items: Vec<(String, String, Bytes)>) {
    let mut pending: std::collections::VecDeque<PublishAckFuture> = Default::default();
    for (subject, id, payload) in items {
        if pending.len() >= WINDOW {
            pending.pop_front().unwrap().await.expect("stored");
        }
        let mut headers = HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
        let message = PublishMessage::build().payload(payload).headers(headers);
        pending.push_back(js.send_publish(subject, message).await.expect("publish"));
    }
    for ack in pending {
        ack.await.expect("stored");
    }
}

/// Bare JetStream: the same payloads, pipelined with ids, on a file stream.
async fn bare(js: &jetstream::Context, payload: &Bytes, count: usize) -> f64 {
    js.create_stream(jetstream::stream::Config {
        name: "BENCH_BARE".into(),
        subjects: vec!["bench.bare.>".into()],
        storage: jetstream::stream::StorageType::File,
        ..Default::default()
    })
    .await
    .expect("bench stream");
    let items = (0..count)
        .map(|i| {
            (
                format!("bench.bare.{}", i % 200),
                format!("bare-{i}"),
                payload.clone(),
            )
        })
        .collect();
    let started = Instant::now();
    pipelined(js, items).await;
    let rate = count as f64 / started.elapsed().as_secs_f64();
    js.delete_stream("BENCH_BARE").await.expect("delete");
    rate
}

fn commands(
    tenant: TenantId,
    conversations: usize,
    messages: usize,
) -> Vec<(String, String, Bytes)> {
    let ids: Vec<ConversationId> = (0..conversations).map(|_| ConversationId::new()).collect();
    let mut items = Vec::with_capacity(conversations * messages);
    // Interleaved, as many customers typing at once would send them.
    for n in 0..messages {
        for &conversation in &ids {
            let command = post(tenant, conversation, n);
            items.push((
                subjects::command(tenant, conversation),
                command.command_id.clone(),
                Bytes::from(command.encode_to_vec()),
            ));
        }
    }
    items
}

async fn events_stored(js: &jetstream::Context) -> u64 {
    let mut stream = js.get_stream("SB_EVENTS").await.expect("events stream");
    stream.info().await.expect("info").state.messages
}

/// Waits until the events stream holds `count` events.
async fn wait_for_events(js: &jetstream::Context, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while events_stored(js).await < count {
        assert!(Instant::now() < deadline, "events never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Posts at `rate`/s for `seconds` into fresh conversations; the time from
/// each publish to its `MessageAdded` on a core subscription.
async fn latency(
    client: &async_nats::Client,
    js: &jetstream::Context,
    tenant: TenantId,
    rate: usize,
    seconds: usize,
) -> Vec<Duration> {
    let mut events = client
        .subscribe(format!("sb.evt.{tenant}.>"))
        .await
        .expect("subscribe");
    client.flush().await.expect("flush");
    let total = rate * seconds;
    let items = commands(tenant, 50, total.div_ceil(50));
    let sent_at: std::sync::Arc<std::sync::Mutex<HashMap<String, Instant>>> = Default::default();
    let sender = {
        let (js, sent_at) = (js.clone(), sent_at.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
            let mut acks = Vec::new();
            for (subject, id, payload) in items.into_iter().take(total) {
                tick.tick().await;
                let mut headers = HeaderMap::new();
                headers.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
                sent_at.lock().unwrap().insert(id.clone(), Instant::now());
                let message = PublishMessage::build().payload(payload).headers(headers);
                acks.push(js.send_publish(subject, message).await.expect("publish"));
            }
            for ack in acks {
                ack.await.expect("stored");
            }
        })
    };
    let mut latencies = Vec::with_capacity(total);
    while latencies.len() < total {
        let message = tokio::time::timeout(Duration::from_secs(30), events.next())
            .await
            .expect("an event in time")
            .expect("subscribed");
        let received = Instant::now();
        let event = ConversationEvent::decode(message.payload).expect("an event");
        if let Some(Event::Message(added)) = event.event {
            let added = added.message.expect("message");
            let id = format!("post:{}:{}", added.conversation, &added.client_id[1..]);
            if let Some(at) = sent_at.lock().unwrap().get(&id) {
                latencies.push(received - *at);
            }
        }
    }
    sender.await.expect("sender");
    latencies.sort();
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let conversations = setting("SB_BENCH_CONVERSATIONS", 200);
    let messages = setting("SB_BENCH_MESSAGES", 100);
    let rate = setting("SB_BENCH_RATE", 500);
    let seconds = setting("SB_BENCH_SECONDS", 5);
    let bin = std::env::var("SB_TRANSCRIPT_BIN").unwrap_or_else(|_| {
        switchboard_testkit::workspace_root()
            .join("target/release/switchboard-transcript")
            .display()
            .to_string()
    });
    let nats = NatsServer::start().await;
    let data = tempfile::tempdir().expect("temp dir");
    let database_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", data.path().join("bench.db").display()));
    let client = async_nats::connect(nats.url()).await.expect("connect");
    let js = jetstream::new(client.clone());

    let tenant = TenantId::new();
    let items = commands(tenant, conversations, messages);
    let payload = items[items.len() - 1].2.clone();
    let bare_rate = bare(&js, &payload, items.len()).await;

    let mut service = tokio::process::Command::new(&bin)
        .env("NATS_URL", nats.url())
        .env("DATABASE_URL", &database_url)
        .env("SWITCHBOARD_HEALTH_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {bin}: {e}"));
    // Ready once its consumer exists; a first conversation warms it up.
    let warm = commands(TenantId::new(), 1, 2);
    loop {
        if let Ok(stream) = js.get_stream("SB_COMMANDS").await
            && stream.consumer_info("transcript-commands").await.is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pipelined(&js, warm).await;
    wait_for_events(&js, 3).await;

    let before = events_stored(&js).await;
    // Each conversation publishes one opening event beside its messages.
    let expected = before + (conversations * (messages + 1)) as u64;
    let started = Instant::now();
    pipelined(&js, items).await;
    wait_for_events(&js, expected).await;
    let persisted = (conversations * messages) as f64 / started.elapsed().as_secs_f64();

    let latencies = latency(&client, &js, TenantId::new(), rate, seconds).await;
    let _ = service.start_kill();

    println!("binary: {bin}");
    println!("database: {}", switchboard_db::redact(&database_url));
    println!(
        "bare JetStream pipelined publish with ids: {bare_rate:.0} msg/s ({} messages)",
        conversations * messages
    );
    println!(
        "persisted chat messages: {persisted:.0} msg/s ({conversations} conversations x {messages})"
    );
    println!("ratio persisted / bare: {:.3}", persisted / bare_rate);
    println!(
        "command -> event at {rate}/s for {seconds}s: p50 {:?} p99 {:?} max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
}
