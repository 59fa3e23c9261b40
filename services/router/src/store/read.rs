//! Reading a tenant's log: batched direct gets of its messages from a
//! stream sequence on, each applied to the state as it comes (a snapshot
//! replaces it, an entry is replayed onto it).

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use switchboard_bus::{BusError, ErrorKind};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::{streams, subjects};

use super::{Held, LogError, ReadError, SnapshotStore};
use crate::log::{self, Entry};
use crate::snapshot::Snapshot;

/// Messages of a tenant's log read in one request: more than a snapshot
/// and the entries after it, so a catch-up is one round trip.
const READ_BATCH: u64 = 256;
/// How long a read of the log waits for each reply.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// One message of a tenant's log, as read.
struct LogMessage {
    sequence: u64,
    kind: Option<String>,
    payload: Bytes,
}

impl SnapshotStore {
    /// Applies the tenant's log after `held` (all of it for `None`);
    /// `None` when the log is empty.
    pub(super) async fn follow(
        &self,
        tenant: TenantId,
        mut held: Option<Held>,
    ) -> Result<Option<Held>, ReadError> {
        let subject = subjects::router_log(tenant);
        let mut next = held.as_ref().map_or(1, |h| h.position + 1);
        loop {
            let (messages, more) = self.read_batch(&subject, next).await?;
            for message in messages {
                let sequence = message.sequence;
                let unreadable = |source: LogError| ReadError::Unreadable {
                    tenant,
                    sequence,
                    source,
                };
                match message.kind.as_deref() {
                    Some(log::KIND_SNAPSHOT) => {
                        let snapshot =
                            Snapshot::decode(&message.payload).map_err(|e| unreadable(e.into()))?;
                        held = Some(Held {
                            snapshot,
                            position: sequence,
                            entries: 0,
                        });
                    }
                    Some(log::KIND_ENTRY) => {
                        let Some(current) = held.as_mut() else {
                            return Err(unreadable(LogError::Headless));
                        };
                        let entry =
                            Entry::decode(&message.payload).map_err(|e| unreadable(e.into()))?;
                        if entry.prev != current.position {
                            return Err(unreadable(LogError::Gap {
                                prev: entry.prev,
                                position: current.position,
                            }));
                        }
                        entry.replay(&mut current.snapshot);
                        current.position = sequence;
                        current.entries += 1;
                    }
                    other => {
                        return Err(unreadable(LogError::UnknownKind(
                            other.unwrap_or_default().to_owned(),
                        )));
                    }
                }
                next = sequence + 1;
            }
            if !more {
                return Ok(held);
            }
        }
    }

    /// The messages of the log's `subject` from stream sequence `from` on,
    /// up to [`READ_BATCH`] of them in one request (a batched direct get:
    /// the messages, then an end-of-batch status saying how many are left);
    /// `true` when more are left.
    async fn read_batch(
        &self,
        subject: &str,
        from: u64,
    ) -> Result<(Vec<LogMessage>, bool), BusError> {
        let unavailable = |e: &dyn std::fmt::Display| {
            BusError::new(
                ErrorKind::Unavailable,
                format!("reading the routing log: {e}"),
            )
        };
        let inbox = self.client.new_inbox();
        let mut replies = self
            .client
            .subscribe(inbox.clone())
            .await
            .map_err(|e| unavailable(&e))?;
        let request = serde_json::json!({
            "seq": from,
            "next_by_subj": subject,
            "batch": READ_BATCH,
        });
        self.client
            .publish_with_reply(
                format!("$JS.API.DIRECT.GET.{}", streams::ROUTER_LOG),
                inbox,
                Bytes::from(request.to_string()),
            )
            .await
            .map_err(|e| unavailable(&e))?;
        let mut messages = Vec::new();
        loop {
            let reply = tokio::time::timeout(READ_TIMEOUT, replies.next())
                .await
                .map_err(|_| unavailable(&"no answer in time"))?
                .ok_or_else(|| unavailable(&"the reply subscription closed"))?;
            let header = |name: &str| {
                reply
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .map(|v| v.as_str().to_owned())
            };
            match reply.status.map(|s| s.as_u16()) {
                // Nothing (more) on the subject from `from` on.
                Some(404) => return Ok((messages, false)),
                // End of the batch: whether messages are left after it.
                Some(204) => {
                    let pending = header("Nats-Num-Pending")
                        .and_then(|n| n.parse::<u64>().ok())
                        .unwrap_or(0);
                    return Ok((messages, pending > 0));
                }
                Some(code) => {
                    let why = reply.description.clone().unwrap_or_default();
                    return Err(unavailable(&format!("status {code} {why}")));
                }
                None => {
                    let sequence = header("Nats-Sequence")
                        .and_then(|n| n.parse::<u64>().ok())
                        .ok_or_else(|| unavailable(&"a reply without Nats-Sequence"))?;
                    messages.push(LogMessage {
                        sequence,
                        kind: header(log::KIND_HEADER),
                        payload: reply.payload,
                    });
                }
            }
        }
    }
}
