//! Bare NATS, measured in the same run on the same nats-server: core
//! request/reply against a responder task, and JetStream publish awaiting
//! each ack. These are the yardsticks TARGETS.md compares Switchboard to.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream;
use bytes::Bytes;
use futures::StreamExt;

use crate::closed_loop::{self, Failure, Limits, Probe, Sample};

/// STACK.md's baselines use 128-byte messages; so do these.
pub const PAYLOAD_BYTES: usize = 128;

const ECHO_SUBJECT: &str = "loadgen.echo";
const BENCH_STREAM: &str = "LOADGEN_BENCH";
const BENCH_SUBJECT: &str = "loadgen.bench";

pub fn payload() -> Bytes {
    Bytes::from(vec![b'x'; PAYLOAD_BYTES])
}

/// A responder answering every request on [`ECHO_SUBJECT`] with its payload,
/// on its own connection (as a service would be). Dropping it stops it.
pub struct Responder {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Responder {
    pub async fn start(nats_url: &str) -> anyhow::Result<Self> {
        let client = async_nats::connect(nats_url)
            .await
            .with_context(|| format!("connect to {nats_url}"))?;
        let mut requests = client.subscribe(ECHO_SUBJECT).await?;
        // The subscription must be live on the server before the first request.
        client.flush().await?;
        let task = tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                if let Some(reply) = request.reply {
                    // A failed answer shows up as a timeout at the requester.
                    let _ = client.publish(reply, request.payload).await;
                }
            }
        });
        Ok(Self { task })
    }
}

/// One requester doing core request/reply in a closed loop.
struct Requester {
    client: async_nats::Client,
    payload: Bytes,
}

impl Probe for Requester {
    async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
        self.client
            .request(ECHO_SUBJECT, self.payload.clone())
            .await
            .map(|_| None)
            .map_err(|e| Failure::Retry(format!("request: {e}")))
    }
}

/// Core request/reply with `concurrency` requests outstanding, all on one
/// connection (as the gateway multiplexes its sockets onto one).
pub async fn request_reply(
    client: &async_nats::Client,
    concurrency: usize,
    limits: Limits,
) -> Sample {
    let probes = (0..concurrency)
        .map(|_| Requester {
            client: client.clone(),
            payload: payload(),
        })
        .collect();
    closed_loop::run(probes, limits).await
}

/// One publisher awaiting each JetStream ack before the next publish.
struct Publisher {
    js: jetstream::Context,
    payload: Bytes,
}

impl Probe for Publisher {
    async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
        let ack = self
            .js
            .publish(BENCH_SUBJECT, self.payload.clone())
            .await
            .map_err(|e| Failure::Retry(format!("publish: {e}")))?;
        ack.await
            .map(|_| None)
            .map_err(|e| Failure::Retry(format!("ack: {e}")))
    }
}

/// JetStream publish awaiting each ack, on a file-backed stream with the
/// server's default sync (the durability mode Switchboard's streams use).
pub async fn jetstream_publish(
    client: &async_nats::Client,
    limits: Limits,
) -> anyhow::Result<Sample> {
    let js = jetstream::new(client.clone());
    // A stream left over from an interrupted run against a shared server.
    let _ = js.delete_stream(BENCH_STREAM).await;
    js.create_stream(jetstream::stream::Config {
        name: BENCH_STREAM.to_owned(),
        subjects: vec![BENCH_SUBJECT.to_owned()],
        storage: jetstream::stream::StorageType::File,
        max_age: Duration::from_secs(600),
        ..Default::default()
    })
    .await
    .context("create the benchmark stream")?;
    let publisher = Publisher {
        js: js.clone(),
        payload: payload(),
    };
    let sample = closed_loop::run(vec![publisher], limits).await;
    js.delete_stream(BENCH_STREAM)
        .await
        .context("delete the benchmark stream")?;
    Ok(sample)
}
