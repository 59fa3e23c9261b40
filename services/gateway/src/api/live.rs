//! A space's live view for the admin console (SPEC §10):
//! `GET …/spaces/{space}/live` → who waits and for how long, in queue order,
//! whom each is offered to right now, and every agent of the space with its
//! status there and its load against the site's limit.
//!
//! The router owns the queue; the gateway asks it over the bus
//! (`sb.rpc.router.{tenant}.spaces`, `SpaceQuery` → `SpaceView`, read from
//! the router's committed state) and adds the names from its configuration
//! cache. Site admins only: an experience admin gets 403 like on every space
//! route. An unknown space is 404; a router that does not answer in time, or
//! has not heard of a space just created, is 503 (the console asks again).

use axum::extract::{Path, State};
use serde::Serialize;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::AgentId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{Agent, Experience, Space, SpaceQuery, SpaceView};
use switchboard_runtime::clock;

use crate::agent_ws::availability_name;
use crate::api::conversations::RPC_TIMEOUT;
use crate::api::extract::TenantAdmin;
use crate::api::render::rfc3339_ms;
use crate::api::spaces;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The answer: `{space, limit, waiting, agents}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveView {
    pub space: SpaceRow,
    /// The site's maximum conversations per agent.
    pub limit: u32,
    /// Queue order: the first is served next.
    pub waiting: Vec<WaitingRow>,
    /// By name.
    pub agents: Vec<AgentRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpaceRow {
    pub id: String,
    pub name: String,
    /// As the router applies it.
    pub live_chat: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingRow {
    pub conversation: String,
    pub position: u32,
    pub customer: CustomerRow,
    pub experience: Named,
    /// When it started waiting.
    pub since: String,
    pub waiting_seconds: u64,
    pub offered_to: Option<OfferedTo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRow {
    pub name: String,
    pub email: Option<String>,
}

/// An id with its name; `name` is null when the record is gone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferedTo {
    pub id: String,
    pub name: Option<String>,
    pub expires_at: String,
}

/// One agent of the space.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRow {
    pub id: String,
    pub name: Option<String>,
    /// `available` | `unavailable`, in this space.
    pub status: &'static str,
    /// Pending offers plus live conversations, across all spaces.
    pub load: u32,
    pub limit: u32,
    /// Whether a console of this agent is connected to any gateway now
    /// (the presence record, SPEC §5).
    pub connected: bool,
}

pub async fn show(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, space)): Path<(String, String)>,
) -> ApiResult<axum::Json<LiveView>> {
    let space = spaces::load(&state, admin.id, &space).await?;
    let query = SpaceQuery {
        tenant: admin.id.to_string(),
        space: space.id.clone(),
    };
    let view: SpaceView = state
        .bus
        .request(subjects::space_view_rpc(admin.id), &query, RPC_TIMEOUT)
        .await?;
    if !view.error.is_empty() {
        let code = ErrorCode::parse(&view.error);
        tracing::warn!(code = %view.error, space = %space.id, "the router refused a space view");
        let message = if code == Some(ErrorCode::NotFound) {
            "the router has not seen this space yet; retry shortly"
        } else {
            "the live view could not be read; retry shortly"
        };
        return Err(ApiError::Unavailable(message.into()));
    }
    let names = Names {
        cache: &state.config_cache,
        tenant: &space.tenant,
    };
    let mut live = render(&space, &view, &names, clock::now_ms());
    let tenant = admin.id;
    let connected = futures::future::join_all(live.agents.iter().map(|row| async {
        let Ok(agent) = row.id.parse::<AgentId>() else {
            return false;
        };
        state
            .presence
            .connected(tenant, agent)
            .await
            .inspect_err(
                |error| tracing::warn!(%error, agent = %row.id, "cannot read an agent's presence"),
            )
            .unwrap_or(false)
    }))
    .await;
    for (row, connected) in live.agents.iter_mut().zip(connected) {
        row.connected = connected;
    }
    Ok(axum::Json(live))
}

/// Where names come from: the tenant's records in the configuration cache.
pub trait NameOf {
    fn agent(&self, id: &str) -> Option<String>;
    fn experience(&self, id: &str) -> Option<String>;
}

struct Names<'a> {
    cache: &'a ConfigCache,
    tenant: &'a str,
}

impl NameOf for Names<'_> {
    fn agent(&self, id: &str) -> Option<String> {
        self.cache
            .get::<Agent>(&keys::agent(id))
            .filter(|a| a.tenant == self.tenant)
            .map(|a| a.name)
    }

    fn experience(&self, id: &str) -> Option<String> {
        self.cache
            .get::<Experience>(&keys::experience(id))
            .filter(|e| e.tenant == self.tenant)
            .map(|e| e.name)
    }
}

/// The router's view as the API shows it at `now_ms`.
pub fn render(space: &Space, view: &SpaceView, names: &impl NameOf, now_ms: i64) -> LiveView {
    let waiting = view
        .waiting
        .iter()
        .map(|w| {
            let customer = w.customer.clone().unwrap_or_default();
            WaitingRow {
                conversation: w.conversation.clone(),
                position: w.position,
                customer: CustomerRow {
                    name: customer.name,
                    email: Some(customer.email).filter(|e| !e.is_empty()),
                },
                experience: Named {
                    id: w.experience.clone(),
                    name: names.experience(&w.experience),
                },
                since: rfc3339_ms(w.queued_at_ms),
                waiting_seconds: u64::try_from(now_ms.saturating_sub(w.queued_at_ms) / 1000)
                    .unwrap_or(0),
                offered_to: (!w.offered_to.is_empty()).then(|| OfferedTo {
                    id: w.offered_to.clone(),
                    name: names.agent(&w.offered_to),
                    expires_at: rfc3339_ms(w.offer_expires_at_ms),
                }),
            }
        })
        .collect();
    let mut agents: Vec<AgentRow> = view
        .agents
        .iter()
        .map(|a| AgentRow {
            id: a.agent.clone(),
            name: names.agent(&a.agent),
            status: availability_name(a.status()),
            load: a.load,
            limit: view.limit,
            connected: false,
        })
        .collect();
    agents.sort_by_cached_key(|a| (a.name.as_deref().map(str::to_lowercase), a.id.clone()));
    LiveView {
        space: SpaceRow {
            id: space.id.clone(),
            name: space.name.clone(),
            live_chat: view.live_chat,
        },
        limit: view.limit,
        waiting,
        agents,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;
    use switchboard_contracts::v1::{Availability, Customer, SpaceAgent, WaitingConversation};

    use super::*;

    struct Fixed(HashMap<&'static str, &'static str>);

    impl NameOf for Fixed {
        fn agent(&self, id: &str) -> Option<String> {
            self.0.get(id).map(|n| (*n).to_owned())
        }

        fn experience(&self, id: &str) -> Option<String> {
            self.0.get(id).map(|n| (*n).to_owned())
        }
    }

    #[test]
    fn the_view_names_everyone_counts_the_wait_and_lists_agents_by_name() {
        let space = Space {
            id: "s1".into(),
            tenant: "t".into(),
            name: "Billing".into(),
            live_chat: true,
        };
        let at = 1_764_000_000_000;
        let view = SpaceView {
            live_chat: true,
            limit: 2,
            waiting: vec![
                WaitingConversation {
                    conversation: "c1".into(),
                    customer: Some(Customer {
                        name: "Casey".into(),
                        email: "casey@example.com".into(),
                        ..Default::default()
                    }),
                    experience: "cx".into(),
                    queued_at_ms: at,
                    position: 1,
                    offered_to: "a2".into(),
                    offer_expires_at_ms: at + 120_000,
                },
                WaitingConversation {
                    conversation: "c2".into(),
                    customer: Some(Customer {
                        name: "Eve".into(),
                        ..Default::default()
                    }),
                    experience: "gone".into(),
                    queued_at_ms: at + 30_000,
                    position: 2,
                    ..Default::default()
                },
            ],
            agents: vec![
                SpaceAgent {
                    agent: "a1".into(),
                    status: Availability::Unavailable as i32,
                    load: 0,
                },
                SpaceAgent {
                    agent: "a2".into(),
                    status: Availability::Available as i32,
                    load: 2,
                },
            ],
            error: String::new(),
        };
        let names = Fixed(HashMap::from([
            ("a1", "Zoe"),
            ("a2", "alice"),
            ("cx", "Shop support"),
        ]));
        let shown = serde_json::to_value(render(&space, &view, &names, at + 45_500)).unwrap();
        assert_eq!(
            shown,
            json!({
                "space": {"id": "s1", "name": "Billing", "live_chat": true},
                "limit": 2,
                "waiting": [
                    {
                        "conversation": "c1",
                        "position": 1,
                        "customer": {"name": "Casey", "email": "casey@example.com"},
                        "experience": {"id": "cx", "name": "Shop support"},
                        "since": "2025-11-24T16:00:00.000Z",
                        "waiting_seconds": 45,
                        "offered_to": {"id": "a2", "name": "alice", "expires_at": "2025-11-24T16:02:00.000Z"},
                    },
                    {
                        "conversation": "c2",
                        "position": 2,
                        "customer": {"name": "Eve", "email": null},
                        "experience": {"id": "gone", "name": null},
                        "since": "2025-11-24T16:00:30.000Z",
                        "waiting_seconds": 15,
                        "offered_to": null,
                    },
                ],
                "agents": [
                    {"id": "a2", "name": "alice", "status": "available", "load": 2, "limit": 2, "connected": false},
                    {"id": "a1", "name": "Zoe", "status": "unavailable", "load": 0, "limit": 2, "connected": false},
                ],
            })
        );
    }

    #[test]
    fn a_clock_behind_the_routers_never_shows_a_negative_wait() {
        let view = SpaceView {
            waiting: vec![WaitingConversation {
                queued_at_ms: 10_000,
                ..Default::default()
            }],
            ..Default::default()
        };
        let shown = render(&Space::default(), &view, &Fixed(HashMap::new()), 5_000);
        assert_eq!(shown.waiting[0].waiting_seconds, 0);
    }
}
