//! One agent's routing view over core request/reply: `AgentQuery` on
//! `sb.rpc.router.{tenant}` (queue group `router`) → `AgentView`: the agent's
//! status per space, its outstanding offers and its live conversations. The
//! gateway asks on every agent (re)connect.
//!
//! It reads the stored snapshot, not this instance's cache, so any instance
//! answers with the last committed state. An agent the router has not seen
//! yet but the configuration has is answered with every space unavailable
//! (where a new agent starts); an unknown agent is `not_found`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{AgentQuery, AgentView, Availability, Offer, SpaceStatus};
use switchboard_runtime::shutdown::Shutdown;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::Counters;
use super::messages::{availability, ms};
use crate::catalog::Catalog;
use crate::snapshot::Snapshot;
use crate::store::SnapshotStore;

/// How long a shutdown waits for requests already delivered.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// Subscribes in the shared queue group and waits until the server has it.
pub async fn subscribe(bus: &Bus) -> Result<async_nats::Subscriber, BusError> {
    let unavailable =
        |e: &dyn std::fmt::Display| BusError::new(ErrorKind::Unavailable, e.to_string());
    let subscriber = bus
        .client
        .queue_subscribe(filter::ALL_ROUTER_RPC, queues::ROUTER_RPC.to_owned())
        .await
        .map_err(|e| unavailable(&e))?;
    bus.client.flush().await.map_err(|e| unavailable(&e))?;
    Ok(subscriber)
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub bus: Bus,
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub counters: Counters,
    pub concurrency: usize,
}

impl RpcHandler {
    /// Answers until shutdown, then drains the subscription.
    pub async fn serve(self, mut subscriber: async_nats::Subscriber, shutdown: Shutdown) {
        let permits = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut draining = false;
        loop {
            let next = if draining {
                match tokio::time::timeout(DRAIN_GRACE, subscriber.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                }
            } else {
                tokio::select! {
                    () = shutdown.cancelled() => {
                        draining = subscriber.drain().await.is_ok();
                        if !draining {
                            break;
                        }
                        continue;
                    }
                    next = subscriber.next() => next,
                }
            };
            let Some(request) = next else {
                if draining {
                    break;
                }
                tracing::warn!("router rpc subscription ended; subscribing again");
                match self.resubscribe(&shutdown).await {
                    Some(fresh) => subscriber = fresh,
                    None => break,
                }
                continue;
            };
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let handler = self.clone();
            shutdown.spawn(async move {
                handler.respond(request).await;
                drop(permit);
            });
        }
    }

    async fn resubscribe(&self, shutdown: &Shutdown) -> Option<async_nats::Subscriber> {
        let mut delay = Duration::from_millis(100);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return None,
                () = tokio::time::sleep(delay) => {}
            }
            match subscribe(&self.bus).await {
                Ok(subscriber) => return Some(subscriber),
                Err(error) => tracing::warn!(%error, "cannot subscribe to router rpc yet"),
            }
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    async fn respond(&self, request: async_nats::Message) {
        let Some(reply) = request.reply.clone() else {
            return;
        };
        let span = tracing::info_span!("router.rpc", subject = %request.subject);
        switchboard_bus::propagation::set_parent_from(&span, request.headers.as_ref());
        self.counters.rpc_requests.inc();
        let view = self
            .answer(&request.subject, &request.payload)
            .instrument(span)
            .await;
        if let Err(error) = self
            .bus
            .client
            .publish(reply, Bytes::from(view.encode_to_vec()))
            .await
        {
            tracing::warn!(%error, "could not send an agent view");
        }
    }

    async fn answer(&self, subject: &str, payload: &Bytes) -> AgentView {
        let Ok(query) = AgentQuery::decode(payload.clone()) else {
            return failed("invalid");
        };
        let (Ok(tenant), Ok(agent)) = (
            query.tenant.parse::<TenantId>(),
            query.agent.parse::<AgentId>(),
        ) else {
            return failed("invalid");
        };
        if subject != subjects::router_rpc(tenant) {
            return failed("invalid");
        }
        match self.store.read(tenant).await {
            Ok((snapshot, _)) => view(&snapshot, &self.catalog, tenant, agent),
            Err(error) => {
                tracing::warn!(%error, "cannot read the routing state for an agent view");
                failed("unavailable")
            }
        }
    }
}

/// The agent's view in a committed snapshot.
pub fn view(snapshot: &Snapshot, catalog: &Catalog, tenant: TenantId, agent: AgentId) -> AgentView {
    let state = &snapshot.state;
    let Some(record) = state.agent(agent) else {
        let config = catalog.tenant(tenant);
        let Some(configured) = config.agents.get(&agent) else {
            return failed("not_found");
        };
        return AgentView {
            spaces: configured
                .spaces
                .iter()
                .map(|space| SpaceStatus {
                    space: space.to_string(),
                    status: Availability::Unavailable as i32,
                })
                .collect(),
            ..Default::default()
        };
    };
    let offers = record
        .offered()
        .iter()
        .filter_map(|conversation| {
            let held = state.conversation(*conversation)?;
            let offer = held.offer()?;
            let meta = snapshot.meta.get(conversation);
            Some(Offer {
                offer_id: offer.id.to_string(),
                conversation: conversation.to_string(),
                space: held.space().to_string(),
                customer: meta.map(|m| m.customer.to_proto()),
                summary: meta.map(|m| m.summary.clone()).unwrap_or_default(),
                expires_at_ms: ms(offer.expires_at),
                experience: meta.map(|m| m.experience.clone()).unwrap_or_default(),
            })
        })
        .collect();
    AgentView {
        spaces: record
            .spaces()
            .iter()
            .map(|(space, status)| SpaceStatus {
                space: space.to_string(),
                status: availability(*status) as i32,
            })
            .collect(),
        offers,
        live_conversations: record.live().iter().map(|c| c.to_string()).collect(),
        error: String::new(),
    }
}

fn failed(code: &str) -> AgentView {
    AgentView {
        error: code.to_owned(),
        ..Default::default()
    }
}
