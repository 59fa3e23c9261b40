//! Durable publishing: every JetStream publish carries a `Nats-Msg-Id` (so a
//! retried publish is stored once) and the trace context; it waits for the
//! stream's ack before returning, or hands the wait back ([`PendingAck`]).

use async_nats::HeaderMap;
use async_nats::header::HeaderValue;
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use prost::Message;

use crate::Bus;
use crate::error::{BusError, ErrorKind};
use crate::propagation;

/// What the stream said about a publish.
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    pub sequence: u64,
    /// True when the stream already had this message id.
    pub duplicate: bool,
}

/// A durable publish on its way: [`PendingAck::stored`] waits for the
/// stream's ack. Many can be in flight at once (pipelined publishing).
#[derive(Debug)]
pub struct PendingAck(async_nats::jetstream::context::PublishAckFuture);

impl PendingAck {
    pub async fn stored(self) -> Result<Stored, BusError> {
        let ack = self
            .0
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        Ok(Stored {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }
}

impl Bus {
    /// Publishes `message` to a JetStream subject and waits for the ack.
    pub async fn publish_durable(
        &self,
        subject: String,
        msg_id: &str,
        message: &impl Message,
    ) -> Result<Stored, BusError> {
        self.send_durable(subject, msg_id, message)
            .await?
            .stored()
            .await
    }

    /// Sends `message` to a JetStream subject without waiting for the ack:
    /// publishes sent one after another from one task reach the stream in
    /// that order; await each [`PendingAck`] before relying on it.
    pub async fn send_durable(
        &self,
        subject: String,
        msg_id: &str,
        message: &impl Message,
    ) -> Result<PendingAck, BusError> {
        // A header value cannot hold CR or LF, and the client panics on
        // one: refuse such an id here instead (callers build ids from
        // checked parts, so this only guards against a slip).
        let msg_id: HeaderValue = msg_id
            .parse()
            .map_err(|e| BusError::new(ErrorKind::Rejected, e))?;
        let mut headers = HeaderMap::new();
        propagation::inject_current(&mut headers);
        headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id);
        let publish = PublishMessage::build()
            .payload(Bytes::from(message.encode_to_vec()))
            .headers(headers);
        self.meters.published(&subject, "durable");
        self.js
            .send_publish(subject, publish)
            .await
            .map(PendingAck)
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
    }

    /// Publishes on core NATS (ephemeral: typing indicators, live fan-out).
    pub async fn publish_core(
        &self,
        subject: String,
        message: &impl Message,
    ) -> Result<(), BusError> {
        let mut headers = HeaderMap::new();
        propagation::inject_current(&mut headers);
        self.meters.published(&subject, "core");
        self.client
            .publish_with_headers(subject, headers, Bytes::from(message.encode_to_vec()))
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
    }

    /// Core request/reply with a protobuf answer.
    pub async fn request<R: Message + Default>(
        &self,
        subject: String,
        message: &impl Message,
        timeout: std::time::Duration,
    ) -> Result<R, BusError> {
        let mut headers = HeaderMap::new();
        propagation::inject_current(&mut headers);
        let request = async_nats::Request::new()
            .payload(Bytes::from(message.encode_to_vec()))
            .headers(headers)
            .timeout(Some(timeout));
        let reply = self
            .client
            .send_request(subject, request)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        Ok(R::decode(reply.payload)?)
    }
}
