//! Stand-ins for the services the gateway asks over the bus, so the API is
//! tested against the bus contract alone: a work-item service on
//! `sb.rpc.workitem.*` (items in memory, the status moves of SPEC §4, and
//! every request recorded) and a transcript service on
//! `sb.rpc.transcript.*` answering from fixed conversations, and its
//! conversation list answering a fixed page; and the router's space view
//! answering a fixed view; and the webhook service's states and log.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use prost::Message;
use switchboard_bus::Bus;
use switchboard_contracts::subjects::filter;
use switchboard_contracts::v1::work_item_request::Request;
use switchboard_contracts::v1::{
    ChatMessage, ConversationInfo, ConversationList, ConversationListQuery, SpaceQuery, SpaceView,
    TranscriptPage, TranscriptQuery, WebhookDelivery, WebhookReply, WebhookRequest, WebhookState,
    WorkItem, WorkItemPage, WorkItemRequest, webhook_request,
};

#[derive(Clone, Default)]
pub struct FakeWorkItems {
    items: Arc<Mutex<Vec<WorkItem>>>,
    requests: Arc<Mutex<Vec<WorkItemRequest>>>,
    refusal: Arc<Mutex<Option<(String, String)>>>,
}

impl FakeWorkItems {
    /// Subscribes before returning: requests sent afterwards are answered.
    pub async fn start(bus: &Bus) -> Self {
        let fake = Self::default();
        let mut requests = bus
            .client
            .subscribe(filter::ALL_WORKITEM_RPC)
            .await
            .expect("work-item rpc subscription");
        let (client, answering) = (bus.client.clone(), fake.clone());
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let Some(reply) = request.reply else { continue };
                let page = match WorkItemRequest::decode(request.payload) {
                    Ok(request) => answering.answer(request),
                    Err(_) => refused("invalid", "not a WorkItemRequest"),
                };
                let _ = client.publish(reply, page.encode_to_vec().into()).await;
            }
        });
        fake
    }

    pub fn add(&self, item: WorkItem) {
        self.items.lock().unwrap().push(item);
    }

    /// The next request is refused with `code` (how the service says
    /// `conflict` or `unavailable`).
    pub fn refuse_next(&self, code: &str, message: &str) {
        *self.refusal.lock().unwrap() = Some((code.into(), message.into()));
    }

    pub fn requests(&self) -> Vec<WorkItemRequest> {
        self.requests.lock().unwrap().clone()
    }

    fn answer(&self, request: WorkItemRequest) -> WorkItemPage {
        self.requests.lock().unwrap().push(request.clone());
        if let Some((code, message)) = self.refusal.lock().unwrap().take() {
            return refused(&code, &message);
        }
        let mut items = self.items.lock().unwrap();
        let visible =
            |spaces: &[String], item: &WorkItem| spaces.is_empty() || spaces.contains(&item.space);
        match request.request {
            Some(Request::Query(query)) if !query.id.is_empty() => items
                .iter()
                .find(|i| i.id == query.id && i.tenant == query.tenant && visible(&query.spaces, i))
                .map(|item| page(vec![item.clone()]))
                .unwrap_or_else(|| refused("not_found", "no such work item")),
            Some(Request::Query(query)) => page(
                items
                    .iter()
                    .filter(|i| i.tenant == query.tenant && visible(&query.spaces, i))
                    .filter(|i| query.space.is_empty() || i.space == query.space)
                    .filter(|i| query.status.is_empty() || i.status == query.status)
                    .filter(|i| query.assignee.is_empty() || i.assignee == query.assignee)
                    .cloned()
                    .collect(),
            ),
            Some(Request::Update(update)) => {
                let Some(item) = items.iter_mut().find(|i| {
                    i.id == update.id && i.tenant == update.tenant && visible(&update.spaces, i)
                }) else {
                    return refused("not_found", "no such work item");
                };
                let allowed = matches!(
                    (item.status.as_str(), update.status.as_str()),
                    ("open", "in_progress")
                        | ("open" | "in_progress", "resolved")
                        | ("resolved", "open")
                ) || item.status == update.status;
                if !allowed {
                    let why = format!(
                        "status cannot move from {} to {}",
                        item.status, update.status
                    );
                    return refused("invalid", &why);
                }
                item.status = update.status;
                item.updated_at_ms += 1;
                page(vec![item.clone()])
            }
            None => refused("invalid", "empty request"),
        }
    }
}

fn page(items: Vec<WorkItem>) -> WorkItemPage {
    WorkItemPage {
        items,
        ..Default::default()
    }
}

fn refused(code: &str, message: &str) -> WorkItemPage {
    WorkItemPage {
        items: Vec::new(),
        error: code.into(),
        message: message.into(),
        more: false,
    }
}

/// Answers transcript reads from `conversations` until the bus closes: the
/// messages after `after_seq`, the first (or with `tail` the last) `limit`
/// of them (0 = all).
pub async fn serve_transcripts(
    bus: &Bus,
    conversations: Vec<(ConversationInfo, Vec<ChatMessage>)>,
) {
    let mut requests = bus
        .client
        .subscribe(filter::ALL_TRANSCRIPT_RPC)
        .await
        .expect("transcript rpc subscription");
    let client = bus.client.clone();
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let Some(reply) = request.reply else { continue };
            let page = TranscriptQuery::decode(request.payload)
                .ok()
                .and_then(|query| {
                    conversations
                        .iter()
                        .find(|(info, _)| {
                            info.id == query.conversation && info.tenant == query.tenant
                        })
                        .map(|found| (query, found))
                })
                .map(|(query, (info, messages))| {
                    let mut after: Vec<ChatMessage> = messages
                        .iter()
                        .filter(|m| m.seq > query.after_seq)
                        .cloned()
                        .collect();
                    let limit = match query.limit {
                        0 => after.len(),
                        n => (n as usize).min(after.len()),
                    };
                    let messages = if query.tail {
                        after.split_off(after.len() - limit)
                    } else {
                        after.truncate(limit);
                        after
                    };
                    TranscriptPage {
                        info: Some(info.clone()),
                        messages,
                        error: String::new(),
                    }
                })
                .unwrap_or_else(|| TranscriptPage {
                    error: "not_found".into(),
                    ..Default::default()
                });
            let _ = client.publish(reply, page.encode_to_vec().into()).await;
        }
    });
}

/// Answers every list query with `page` (a cursor of `bad` is refused as
/// `invalid`) and returns the queries received.
pub async fn serve_conversation_list(
    bus: &Bus,
    page: ConversationList,
) -> Arc<Mutex<Vec<ConversationListQuery>>> {
    let mut requests = bus
        .client
        .subscribe(filter::ALL_CONVERSATION_LIST_RPC)
        .await
        .expect("conversation list subscription");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (client, record) = (bus.client.clone(), seen.clone());
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let Some(reply) = request.reply else { continue };
            let query = ConversationListQuery::decode(request.payload).unwrap_or_default();
            let answer = if query.cursor == "bad" {
                ConversationList {
                    error: "invalid".into(),
                    ..Default::default()
                }
            } else {
                page.clone()
            };
            record.lock().unwrap().push(query);
            let _ = client.publish(reply, answer.encode_to_vec().into()).await;
        }
    });
    seen
}

/// Answers every space-view query with `view` and returns the queries
/// received (the router's part of the live view).
pub async fn serve_space_view(bus: &Bus, view: SpaceView) -> Arc<Mutex<Vec<SpaceQuery>>> {
    let mut requests = bus
        .client
        .subscribe(filter::ALL_SPACE_VIEW_RPC)
        .await
        .expect("space view subscription");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (client, record) = (bus.client.clone(), seen.clone());
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let Some(reply) = request.reply else { continue };
            record
                .lock()
                .unwrap()
                .push(SpaceQuery::decode(request.payload).unwrap_or_default());
            let _ = client.publish(reply, view.encode_to_vec().into()).await;
        }
    });
    seen
}

/// Answers states with `paused` (for every subscription asked about) and
/// the log with one delivery; returns the requests received.
pub async fn serve_webhooks(bus: &Bus, paused: bool) -> Arc<Mutex<Vec<WebhookRequest>>> {
    let mut requests = bus
        .client
        .subscribe(filter::ALL_WEBHOOK_RPC)
        .await
        .expect("webhook subscription");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (client, record) = (bus.client.clone(), seen.clone());
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let Some(reply) = request.reply else { continue };
            let asked = WebhookRequest::decode(request.payload).unwrap_or_default();
            record.lock().unwrap().push(asked.clone());
            let answer = match asked.request {
                Some(webhook_request::Request::States(query)) => WebhookReply {
                    states: query
                        .subscriptions
                        .iter()
                        .map(|id| WebhookState {
                            subscription: id.clone(),
                            paused,
                            paused_reason: "3 consecutive failed deliveries".into(),
                            paused_at_ms: 1_700_000_000_000,
                            generation: 0,
                            consecutive_failures: 3,
                        })
                        .collect(),
                    ..Default::default()
                },
                Some(webhook_request::Request::Deliveries(query)) => WebhookReply {
                    deliveries: vec![WebhookDelivery {
                        id: "msg_0123".into(),
                        subscription: query.subscription,
                        event_type: "message.created".into(),
                        status: "failed".into(),
                        attempts: 3,
                        response_status: 500,
                        response_excerpt: "oops".into(),
                        error: "the endpoint answered 500".into(),
                        conversation: "c-1".into(),
                        created_at_ms: 1_700_000_000_000,
                        updated_at_ms: 1_700_000_001_000,
                        next_attempt_at_ms: 1_700_000_002_000,
                    }],
                    next_cursor: "next".into(),
                    ..Default::default()
                },
                None => WebhookReply::default(),
            };
            let _ = client.publish(reply, answer.encode_to_vec().into()).await;
        }
    });
    seen
}
