//! Following one owned partition: an ordered consumer over the partition's
//! records in `SB_TIMERS` delivers the latest revision of every key (the
//! load), then every put and delete as it happens, into the timer table.
//!
//! The partition counts as loaded once the consumer reports nothing pending.
//! A consumer that ends, or any consumer when NATS reconnects, is recreated
//! from the last revision seen, so no change is missed.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::consumer::{self, DeliverPolicy, ReplayPolicy};
use futures::StreamExt;
use prost::Message as _;
use switchboard_contracts::streams::timer_keys;
use switchboard_contracts::subjects;
use tokio_util::sync::CancellationToken;

use crate::error::FollowError;
use crate::shared::Shared;

/// Records applied to the table under one lock.
const CHUNK: usize = 512;

/// One record of the partition, decoded; borrows the message's key.
#[derive(Debug)]
enum Change<'a> {
    Put {
        key: &'a str,
        revision: u64,
        due_ms: u64,
        record: Box<[u8]>,
    },
    Delete {
        key: &'a str,
        revision: u64,
    },
}

/// The fields of a `Timer` record that loading needs. Decoding only these
/// skips the subject, payload and headers without allocating them, which
/// roughly halves the cost of loading a partition.
#[derive(Clone, PartialEq, prost::Message)]
struct TimerHead {
    #[prost(string, tag = "1")]
    id: String,
    #[prost(uint64, tag = "2")]
    due_ms: u64,
}

/// Follows `partition` until `cancel` (the partition was released or lost).
pub async fn follow(
    shared: Arc<Shared>,
    partition: u16,
    generation: u64,
    cancel: CancellationToken,
) {
    let mut last_revision = 0u64;
    let mut backoff = Duration::from_millis(50);
    let mut reconnects = shared.reconnects.clone();
    reconnects.mark_unchanged();
    loop {
        let error = tokio::select! {
            () = cancel.cancelled() => return,
            error = follow_from(&shared, partition, generation, &mut last_revision) => error,
            Ok(()) = reconnects.changed() => {
                tracing::debug!(partition, "NATS reconnected; restarting the partition watch");
                backoff = Duration::from_millis(50);
                continue;
            }
        };
        tracing::warn!(partition, %error, "partition watch interrupted; resuming");
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

/// Runs one consumer from just after `last_revision` (from the latest
/// revision of each key when nothing was seen yet). Returns only on failure.
async fn follow_from(
    shared: &Shared,
    partition: u16,
    generation: u64,
    last_revision: &mut u64,
) -> FollowError {
    let deliver_policy = match *last_revision {
        0 => DeliverPolicy::LastPerSubject,
        seen => DeliverPolicy::ByStartSequence {
            start_sequence: seen + 1,
        },
    };
    let created = shared
        .timers
        .stream
        .create_consumer(consumer::push::OrderedConfig {
            deliver_subject: shared.bus.client.new_inbox(),
            description: Some(format!("timer service, partition {partition}")),
            filter_subject: subjects::timer_partition_records(partition),
            replay_policy: ReplayPolicy::Instant,
            deliver_policy,
            ..Default::default()
        })
        .await;
    let consumer = match created {
        Ok(consumer) => consumer,
        Err(error) => return FollowError::Consumer(error),
    };
    if consumer.cached_info().num_pending == 0 {
        loaded(shared, partition, generation);
    }
    let messages = match consumer.messages().await {
        Ok(messages) => messages,
        Err(error) => return FollowError::Subscribe(error),
    };
    let mut chunks = messages.ready_chunks(CHUNK);
    while let Some(chunk) = chunks.next().await {
        let mut messages = Vec::with_capacity(chunk.len());
        for item in chunk {
            match item {
                Ok(message) => messages.push(message),
                // Heartbeat gaps and recreations; the stream carries on.
                Err(error) => tracing::debug!(partition, %error, "partition watch hiccup"),
            }
        }
        let mut changes = Vec::with_capacity(messages.len());
        let mut caught_up = false;
        for message in &messages {
            let Ok(info) = message.info() else { continue };
            *last_revision = (*last_revision).max(info.stream_sequence);
            caught_up |= info.pending == 0;
            if let Some(change) = decode(message, info.stream_sequence, partition) {
                changes.push(change);
            }
        }
        apply(shared, partition, generation, changes);
        if caught_up {
            loaded(shared, partition, generation);
        }
    }
    FollowError::Ended
}

fn apply(shared: &Shared, partition: u16, generation: u64, changes: Vec<Change>) {
    if changes.is_empty() {
        return;
    }
    shared.update(|table| {
        let mut wake = false;
        for change in changes {
            match change {
                Change::Put {
                    key,
                    revision,
                    due_ms,
                    record,
                } => wake |= table.put(partition, generation, key, revision, due_ms, record),
                Change::Delete { key, revision } => {
                    table.delete(partition, generation, key, revision);
                }
            }
        }
        ((), wake)
    });
}

fn loaded(shared: &Shared, partition: u16, generation: u64) {
    let newly = {
        let mut table = shared.table();
        let was = table.is_loaded(partition);
        table.mark_loaded(partition, generation);
        !was && table.is_loaded(partition)
    };
    if newly {
        tracing::debug!(partition, "partition loaded");
        shared.changed.notify_one();
    }
}

fn decode(message: &jetstream::Message, revision: u64, partition: u16) -> Option<Change<'_>> {
    let key = message
        .subject
        .strip_prefix(subjects::TIMER_RECORD_PREFIX)?;
    let operation = message
        .headers
        .as_ref()
        .and_then(|h| h.get("KV-Operation"))
        .map(|v| v.as_str());
    if matches!(operation, Some("DEL" | "PURGE")) {
        return Some(Change::Delete { key, revision });
    }
    let head = TimerHead::decode(&message.payload[..]);
    match (head, timer_keys::parse_key(key)) {
        (Ok(head), Some((in_key, id)))
            if id == head.id && in_key == partition && timer_keys::partition(id) == partition =>
        {
            Some(Change::Put {
                key,
                revision,
                due_ms: head.due_ms,
                record: Box::from(&message.payload[..]),
            })
        }
        // Not written by the client (which validates): never fireable, so
        // it is reported and left alone rather than guessed at.
        _ => {
            tracing::error!(%key, revision, "timer record is not a valid Timer under its own key; ignored");
            None
        }
    }
}

#[cfg(test)]
#[path = "partition_fuzz.rs"]
mod fuzz;
