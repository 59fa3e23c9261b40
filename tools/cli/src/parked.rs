//! `SB_PARKED` over NATS: list, show, replay and drop the messages consumers
//! gave up on (docs/operations.md, "Parked messages").
//!
//! A replay publishes the payload, with its original headers, to the subject
//! in `Switchboard-Original-Subject` under a fresh `Nats-Msg-Id`: the
//! original id is still in the stream's duplicate window for ten minutes
//! after it was first published, and the server would silently drop the
//! replay as a duplicate. Every handler is idempotent on the ids inside the
//! payload (a command's `command_id`, an event's sequence), so what was
//! already done is not done twice. The fresh id is derived from the parked
//! message's sequence, so replaying the same entry twice (a replay whose
//! delete failed) publishes it once.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::message::StreamMessage;
use async_nats::jetstream::stream::{LastRawMessageErrorKind, Stream};
use serde_json::{Value, json};
use switchboard_bus::{Bus, ConnectSettings};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::PARKED_PREFIX;
use switchboard_runtime::config::BusCredentials;
use time::format_description::well_known::Rfc3339;

use crate::error::CliError;
use crate::render::{Output, Table};

pub const REASON: &str = "Switchboard-Parked-Reason";
pub const ORIGINAL_SUBJECT: &str = "Switchboard-Original-Subject";
pub const MSG_ID: &str = "Nats-Msg-Id";
/// The parked message's original `Nats-Msg-Id` (the copy has its own).
pub const ORIGINAL_MSG_ID: &str = "Switchboard-Original-Msg-Id";

/// The parked stream, on a bus connected with the deployment's credentials.
pub struct Parked {
    bus: Bus,
    stream: Stream,
}

impl Parked {
    /// Connects as the services do, but gives up after 10 s: an operator
    /// waiting on a wrong address should hear so.
    pub async fn connect(url: &str, credentials: BusCredentials) -> Result<Self, CliError> {
        let settings = ConnectSettings {
            credentials,
            ..ConnectSettings::new(url, "switchboard-cli")
        };
        let unreachable = |_| CliError::NatsUnreachable(url.to_owned());
        let bus = tokio::time::timeout(Duration::from_secs(10), Bus::connect_with(&settings))
            .await
            .map_err(unreachable)??;
        // The client connects in the background; a flush's round trip is
        // the first moment the server is known to answer.
        tokio::time::timeout(Duration::from_secs(10), bus.client.flush())
            .await
            .map_err(unreachable)?
            .map_err(|e| CliError::Parked(e.to_string()))?;
        let stream = bus
            .js
            .get_stream(streams::PARKED)
            .await
            .map_err(|e| CliError::Parked(e.to_string()))?;
        Ok(Self { bus, stream })
    }

    /// Parked messages under `sb.parked.{stream}.{consumer}`, either part
    /// any when not given, oldest first.
    pub async fn list(
        &self,
        stream: Option<&str>,
        consumer: Option<&str>,
    ) -> Result<Output, CliError> {
        let filter = filter(stream, consumer)?;
        let mut entries = Vec::new();
        let mut next = 1;
        loop {
            let found = self
                .stream
                .raw_message_builder()
                .sequence(next)
                .next_by_subject(filter.clone())
                .send()
                .await;
            let message = match found {
                Ok(message) => message,
                Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => break,
                Err(e) => return Err(CliError::Parked(e.to_string())),
            };
            next = message.sequence + 1;
            entries.push(summary(&message));
        }
        Ok(list_output(entries))
    }

    async fn get(&self, seq: u64) -> Result<StreamMessage, CliError> {
        match self.stream.get_raw_message(seq).await {
            Ok(message) => Ok(message),
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => {
                Err(CliError::NoSuchParked(seq))
            }
            Err(e) => Err(CliError::Parked(e.to_string())),
        }
    }

    pub async fn show(&self, seq: u64) -> Result<Output, CliError> {
        let message = self.get(seq).await?;
        Ok(show_output(&message))
    }

    /// Republishes parked message `seq` to its original subject, awaits the
    /// stream's ack, then deletes it from `SB_PARKED`.
    pub async fn replay(&self, seq: u64) -> Result<Output, CliError> {
        let message = self.get(seq).await?;
        let subject =
            header(&message.headers, ORIGINAL_SUBJECT).ok_or(CliError::NoOriginalSubject(seq))?;
        let headers = replay_headers(&message.headers, seq);
        let msg_id = header(&headers, MSG_ID).unwrap_or_default();
        let ack = self
            .bus
            .js
            .publish_with_headers(subject.clone(), headers, message.payload.clone())
            .await
            .map_err(|e| CliError::Parked(format!("publish to {subject}: {e}")))?
            .await
            .map_err(|e| CliError::Parked(format!("publish to {subject}: {e}")))?;
        self.delete(seq).await?;
        let json = json!({
            "seq": seq,
            "replayed_to": subject,
            "stream": ack.stream,
            "stream_seq": ack.sequence,
            "msg_id": msg_id,
            "duplicate": ack.duplicate,
        });
        let mut table = Table::new(vec!["SEQ", "REPLAYED TO", "STREAM", "STREAM SEQ", "MSG ID"]);
        table.row(vec![
            seq.to_string(),
            subject,
            ack.stream,
            ack.sequence.to_string(),
            msg_id,
        ]);
        Ok(Output { json, table })
    }

    pub async fn drop(&self, seq: u64) -> Result<Output, CliError> {
        self.get(seq).await?;
        self.delete(seq).await?;
        let mut table = Table::new(vec!["SEQ", "DROPPED"]);
        table.row(vec![seq.to_string(), "yes".to_owned()]);
        Ok(Output {
            json: json!({"seq": seq, "dropped": true}),
            table,
        })
    }

    async fn delete(&self, seq: u64) -> Result<(), CliError> {
        self.stream
            .delete_message(seq)
            .await
            .map(|_| ())
            .map_err(|e| CliError::Parked(format!("delete {seq}: {e}")))
    }
}

/// The subject filter for `--stream` and `--consumer`; each must be one
/// subject token.
pub fn filter(stream: Option<&str>, consumer: Option<&str>) -> Result<String, CliError> {
    let token = |flag: &str, value: Option<&str>| -> Result<String, CliError> {
        match value {
            None => Ok("*".to_owned()),
            Some(v) if !v.is_empty() && !v.contains(['.', '*', '>', ' ']) => Ok(v.to_owned()),
            Some(v) => Err(CliError::Invalid(format!(
                "--{flag}: `{v}` is not a stream or consumer name"
            ))),
        }
    };
    Ok(format!(
        "{PARKED_PREFIX}.{}.{}",
        token("stream", stream)?,
        token("consumer", consumer)?
    ))
}

pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).map(|v| v.as_str().to_owned())
}

/// The original headers, without what parking added and with a fresh
/// `Nats-Msg-Id` (see the module's note). Expectations (`Nats-Expected-*`)
/// held for the first publish, not for a replay, so they are dropped too.
pub fn replay_headers(parked: &HeaderMap, seq: u64) -> HeaderMap {
    // The bus parks a copy under an id of its own and keeps the original
    // beside it; copies parked before that carry the original as their id.
    let original_id = header(parked, ORIGINAL_MSG_ID).or_else(|| header(parked, MSG_ID));
    let mut headers = HeaderMap::new();
    for (name, values) in parked.iter() {
        let name: &str = name.as_ref();
        let skip = [REASON, ORIGINAL_SUBJECT, ORIGINAL_MSG_ID, MSG_ID]
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
            || name.to_ascii_lowercase().starts_with("nats-expected-");
        if skip {
            continue;
        }
        for value in values {
            headers.append(name, value.as_str());
        }
    }
    let fresh = match original_id {
        Some(id) => format!("{id}:replay:{seq}"),
        None => format!("replay:{}:{seq}", streams::PARKED),
    };
    headers.insert(MSG_ID, fresh.as_str());
    headers
}

/// `sb.parked.{stream}.{consumer}` → `(stream, consumer)`.
pub fn origin(subject: &str) -> (String, String) {
    let rest = subject
        .strip_prefix(PARKED_PREFIX)
        .and_then(|r| r.strip_prefix('.'))
        .unwrap_or(subject);
    match rest.split_once('.') {
        Some((stream, consumer)) => (stream.to_owned(), consumer.to_owned()),
        None => (rest.to_owned(), String::new()),
    }
}

fn summary(message: &StreamMessage) -> Value {
    let (stream, consumer) = origin(&message.subject);
    json!({
        "seq": message.sequence,
        "parked_at": message.time.format(&Rfc3339).unwrap_or_default(),
        "stream": stream,
        "consumer": consumer,
        "original_subject": header(&message.headers, ORIGINAL_SUBJECT),
        "reason": header(&message.headers, REASON),
        "bytes": message.payload.len(),
    })
}

pub fn list_output(entries: Vec<Value>) -> Output {
    let mut table = Table::new(vec![
        "SEQ",
        "PARKED AT",
        "STREAM",
        "CONSUMER",
        "ORIGINAL SUBJECT",
        "REASON",
    ]);
    for entry in &entries {
        table.row(
            [
                "seq",
                "parked_at",
                "stream",
                "consumer",
                "original_subject",
                "reason",
            ]
            .iter()
            .map(|f| crate::render::cell(&entry[*f]))
            .collect(),
        );
    }
    Output {
        json: json!({"parked": entries}),
        table,
    }
}

/// Headers as a map of lists, and the payload as text when it is UTF-8 (a
/// JSON message), else as hex (a protobuf one).
fn show_output(message: &StreamMessage) -> Output {
    let mut json = summary(message);
    let mut headers: Vec<(String, Vec<String>)> = message
        .headers
        .iter()
        .map(|(n, vs)| {
            (
                n.to_string(),
                vs.iter().map(|v| v.as_str().to_owned()).collect(),
            )
        })
        .collect();
    headers.sort();
    json["headers"] = headers
        .iter()
        .map(|(n, vs)| (n.clone(), json!(vs)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    match std::str::from_utf8(&message.payload) {
        Ok(text) => json["payload"] = json!(text),
        Err(_) => json["payload_hex"] = json!(hex(&message.payload)),
    }
    let mut table = Table::new(vec!["FIELD", "VALUE"]);
    for field in [
        "seq",
        "parked_at",
        "stream",
        "consumer",
        "original_subject",
        "reason",
        "bytes",
    ] {
        table.row(vec![field.to_owned(), crate::render::cell(&json[field])]);
    }
    for (name, values) in &headers {
        for value in values {
            table.row(vec![format!("header {name}"), value.clone()]);
        }
    }
    for field in ["payload", "payload_hex"] {
        if json.get(field).is_some() {
            table.row(vec![field.to_owned(), crate::render::cell(&json[field])]);
        }
    }
    Output { json, table }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
