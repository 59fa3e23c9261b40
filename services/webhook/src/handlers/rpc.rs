//! Delivery states and logs over core request/reply: `WebhookRequest` on
//! `sb.rpc.webhook.{tenant}` (queue group `webhook`, so instances share the
//! load) → `WebhookReply`. The gateway's webhook API asks; the tenant comes
//! from the subject, so one tenant never reads another's log.

use prost::Message;
use switchboard_bus::rpc::{Refuse, Responder};
use switchboard_bus::service::Answer;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::webhook_request::Request;
use switchboard_contracts::v1::{WebhookReply, WebhookRequest};

use super::Counters;
use crate::error::StoreError;
use crate::store::{Store, decode_cursor};

/// The longest page; the default when none is asked for.
pub const MAX_LIMIT: u32 = 200;
pub const DEFAULT_LIMIT: u32 = 50;

/// Where the responder listens; `concurrency` is set per instance.
pub fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_WEBHOOK_RPC,
        queue_group: queues::WEBHOOK_RPC,
        concurrency,
    }
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub store: Store,
    pub counters: Counters,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for RequestError {
    fn disposition(&self) -> Disposition {
        match self {
            RequestError::Invalid(_) => Disposition::Answered,
            RequestError::Store(_) => Disposition::Retry,
        }
    }
}

impl Refuse<WebhookReply> for RequestError {
    fn reply(&self) -> WebhookReply {
        let code = match self {
            RequestError::Invalid(_) => ErrorCode::Invalid,
            RequestError::Store(_) => ErrorCode::Unavailable,
        };
        WebhookReply {
            error: code.as_str().to_owned(),
            message: self.to_string(),
            ..Default::default()
        }
    }
}

impl Answer for RpcHandler {
    type Reply = WebhookReply;
    type Error = RequestError;

    async fn answer(&self, request: async_nats::Message) -> Result<WebhookReply, RequestError> {
        self.counters.rpc_requests.inc();
        let tenant = subjects::tenant_of(&request.subject)
            .ok_or_else(|| RequestError::Invalid("the subject names no tenant".into()))?
            .to_string();
        let asked = WebhookRequest::decode(request.payload)
            .map_err(|e| RequestError::Invalid(format!("undecodable WebhookRequest: {e}")))?;
        match asked.request {
            Some(Request::States(query)) => {
                let states = self
                    .store
                    .states(&tenant)
                    .await?
                    .into_iter()
                    .filter(|s| query.subscriptions.contains(&s.subscription))
                    .collect();
                Ok(WebhookReply {
                    states,
                    ..Default::default()
                })
            }
            Some(Request::Deliveries(query)) => {
                let limit = match query.limit {
                    0 => DEFAULT_LIMIT,
                    n if n <= MAX_LIMIT => n,
                    n => {
                        return Err(RequestError::Invalid(format!(
                            "limit: {n} is more than {MAX_LIMIT}"
                        )));
                    }
                };
                let after = if query.cursor.is_empty() {
                    None
                } else {
                    Some(decode_cursor(&query.cursor).ok_or_else(|| {
                        RequestError::Invalid("cursor: not a cursor this API gave out".into())
                    })?)
                };
                let page = self
                    .store
                    .page(&tenant, &query.subscription, limit, after)
                    .await?;
                Ok(WebhookReply {
                    deliveries: page.deliveries,
                    next_cursor: page.next_cursor,
                    ..Default::default()
                })
            }
            None => Err(RequestError::Invalid("the request asks nothing".into())),
        }
    }
}
