//! Durable timers, the client side: schedule, re-arm and cancel a timer by id.
//!
//! A timer is one record in the JetStream key-value bucket `SB_TIMERS` (see
//! `proto/switchboard/v1/timer.proto` and [`timer_keys`]), so scheduling is
//! one KV put — one round trip, the whole cost — and putting the same id
//! again re-arms it. The timer service watches the bucket; when a timer is
//! due it publishes the timer's `payload` to its `subject` with
//! `Nats-Msg-Id = msg_id` (default `timer:{id}:{due_ms}`), awaits the
//! stream's ack, then deletes the record unless it was re-armed meanwhile.
//!
//! **The subject must belong to a JetStream stream** with a duplicate window
//! (every `SB_*` stream has ten minutes): a crash between the publish and the
//! delete, or a partition changing owner, can fire a timer a second time,
//! and the window is what stores it once. For the same reason a timer
//! scheduled twice with the same id and due time (a retried handler) fires
//! once. Timers never fire early by the service's clock.
//!
//! # Deadlines that move on every message
//! Do not re-arm per message. Schedule one timer at the earliest moment the
//! deadline could pass, and let the receiver re-check the real deadline when
//! it fires:
//!
//! ```text
//! on activity:   record last_activity (you store it anyway) — no timer call
//! on start:      schedule("inactivity.{conversation}", now + 20m)
//! on the fire:   due = last_activity + 20m
//!                if due > now { schedule("inactivity.{conversation}", due) }  // moved: re-arm
//!                else          { warn the conversation … }
//! ```
//!
//! A busy conversation then costs one schedule per 20 minutes, not one per
//! message.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{kv, stream};
use bytes::Bytes;
use prost::Message;
use switchboard_contracts::streams::{self, timer_keys};
use switchboard_contracts::v1::Timer;

use crate::error::{BusError, ErrorKind};
use crate::{Bus, propagation};

/// The largest `payload` a timer may carry; timers are held in memory.
pub const MAX_PAYLOAD: usize = 64 * 1024;
/// How long the marker of a fired or cancelled timer stays in the bucket.
/// A watcher that resumes after a gap shorter than this sees every delete;
/// the service drops (and later reloads) a partition long before that.
pub const TOMBSTONE_TTL: Duration = Duration::from_secs(15 * 60);
const MAX_SUBJECT_LEN: usize = 512;
const MAX_MSG_ID_LEN: usize = 256;
const MAX_HEADERS_LEN: usize = 4 * 1024;

/// What is wrong with a timer; each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTimer {
    #[error(
        "id must be 1-200 characters of [A-Za-z0-9_=/.-] without a leading, trailing or doubled '.'"
    )]
    Id,
    #[error("due_ms must be set (milliseconds since the Unix epoch)")]
    Due,
    #[error("subject must be a NATS subject without wildcards or empty tokens")]
    Subject,
    #[error("payload is larger than {MAX_PAYLOAD} bytes")]
    Payload,
    #[error("msg_id must be at most 256 visible ASCII characters")]
    MsgId,
    #[error("header `{0}` is not a valid NATS header")]
    Header(String),
    #[error("headers are larger than 4 KiB")]
    Headers,
}

/// Checks everything the service and the bucket rely on.
pub fn validate(timer: &Timer) -> Result<(), InvalidTimer> {
    if !timer_keys::is_valid_id(&timer.id) {
        return Err(InvalidTimer::Id);
    }
    if timer.due_ms == 0 {
        return Err(InvalidTimer::Due);
    }
    if !is_publish_subject(&timer.subject) {
        return Err(InvalidTimer::Subject);
    }
    if timer.payload.len() > MAX_PAYLOAD {
        return Err(InvalidTimer::Payload);
    }
    if timer.msg_id.len() > MAX_MSG_ID_LEN || !timer.msg_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidTimer::MsgId);
    }
    let headers_len: usize = timer.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    if headers_len > MAX_HEADERS_LEN {
        return Err(InvalidTimer::Headers);
    }
    for (name, value) in &timer.headers {
        let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        let value_ok = !value.bytes().any(|b| b == b'\r' || b == b'\n');
        if !name_ok || !value_ok {
            return Err(InvalidTimer::Header(name.chars().take(64).collect()));
        }
    }
    Ok(())
}

fn is_publish_subject(subject: &str) -> bool {
    !subject.is_empty()
        && subject.len() <= MAX_SUBJECT_LEN
        && subject.split('.').all(|token| {
            !token.is_empty()
                && token != "*"
                && token != ">"
                && token.bytes().all(|b| b.is_ascii_graphic())
        })
}

/// The `Nats-Msg-Id` a timer is published with.
pub fn msg_id(timer: &Timer) -> String {
    if timer.msg_id.is_empty() {
        format!("timer:{}:{}", timer.id, timer.due_ms)
    } else {
        timer.msg_id.clone()
    }
}

/// The timers bucket: one revision kept per key, file storage, and delete
/// markers that expire ([`TOMBSTONE_TTL`]) so fired timers leave nothing behind.
pub fn bucket_config() -> kv::Config {
    kv::Config {
        bucket: streams::TIMERS_BUCKET.to_owned(),
        description: "pending durable timers (services/timer)".to_owned(),
        history: 1,
        storage: stream::StorageType::File,
        max_value_size: (MAX_PAYLOAD + 16 * 1024) as i32,
        limit_markers: Some(TOMBSTONE_TTL),
        ..Default::default()
    }
}

/// A handle on the timers bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Timers {
    store: kv::Store,
}

impl Timers {
    /// Opens the timers bucket, creating it when missing.
    pub async fn open(bus: &Bus) -> Result<Self, BusError> {
        let store = bus.ensure_bucket(bucket_config()).await?;
        Ok(Self { store })
    }

    /// The underlying bucket (the timer service watches it).
    pub fn store(&self) -> &kv::Store {
        &self.store
    }

    /// Schedules `timer`, or re-arms the pending timer with the same id (its
    /// due time, target and payload are replaced). Returns the record's
    /// revision. An invalid timer is `ErrorKind::Rejected`.
    pub async fn schedule(&self, timer: &Timer) -> Result<u64, BusError> {
        validate(timer).map_err(|e| BusError::new(ErrorKind::Rejected, e))?;
        self.store
            .put(
                timer_keys::key(&timer.id),
                Bytes::from(timer.encode_to_vec()),
            )
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
    }

    /// Schedules `message` to be published to `subject` at `due_ms`, carrying
    /// the current trace context so the fire joins the scheduler's trace.
    pub async fn schedule_message(
        &self,
        id: impl Into<String>,
        due_ms: u64,
        subject: impl Into<String>,
        message: &impl Message,
    ) -> Result<u64, BusError> {
        let mut trace = HeaderMap::new();
        propagation::inject_current(&mut trace);
        let headers: HashMap<String, String> = trace
            .iter()
            .filter_map(|(name, values)| {
                let value = values.first()?;
                Some((name.to_string(), value.as_str().to_owned()))
            })
            .collect();
        let timer = Timer {
            id: id.into(),
            due_ms,
            subject: subject.into(),
            payload: message.encode_to_vec(),
            msg_id: String::new(),
            scheduled_at_ms: switchboard_runtime::clock::now_ms_unsigned(),
            headers,
        };
        self.schedule(&timer).await
    }

    /// Cancels a timer; cancelling one that is not pending (fired, cancelled,
    /// never scheduled) is fine. A timer already being fired may still fire.
    pub async fn cancel(&self, id: &str) -> Result<(), BusError> {
        if !timer_keys::is_valid_id(id) {
            return Err(BusError::new(ErrorKind::Rejected, InvalidTimer::Id));
        }
        self.store
            .purge_with_ttl(timer_keys::key(id), TOMBSTONE_TTL)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
    }

    /// The pending timer with this id and its revision, if any.
    pub async fn get(&self, id: &str) -> Result<Option<(Timer, u64)>, BusError> {
        if !timer_keys::is_valid_id(id) {
            return Err(BusError::new(ErrorKind::Rejected, InvalidTimer::Id));
        }
        let entry = self
            .store
            .entry(timer_keys::key(id))
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        match entry {
            Some(entry) if entry.operation == kv::Operation::Put => {
                Ok(Some((Timer::decode(entry.value)?, entry.revision)))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests;
