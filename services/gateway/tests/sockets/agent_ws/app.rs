//! A real gateway on a real nats-server for one test, with the router and
//! the transcript service played by stand-ins, and an agent written straight
//! into the configuration bucket: a premium tenant, two spaces, the agent
//! in both, and its token grant.

use std::net::SocketAddr;

use switchboard_bus::config::keys;
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    Agent, AgentEvent, Author, ChatMessage, ConversationCommand, ConversationInfo,
    ConversationState, Customer, Edition, PostMessage, Role, Space, Tenant, TokenGrant,
    agent_event,
};
use switchboard_gateway::auth::{ROLE_AGENT, hash_token};
use switchboard_gateway::config::GatewayConfig;
use switchboard_gateway::server::Application;
use switchboard_gateway::state::AppState;
use switchboard_testkit::NatsServer;

use super::fake_router::FakeRouter;
use crate::fake_owner::FakeOwner;

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub owner: FakeOwner,
    _nats: NatsServer,
}

/// The seeded agent.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub tenant: TenantId,
    pub agent: AgentId,
    pub token: String,
    /// Billing, then Returns.
    pub spaces: [SpaceId; 2],
}

/// Starts nats-server, the gateway and the transcript stand-in; the router
/// stand-in is started by [`TestApp::router`] (a test may want none).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with the gateway's settings changed by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut GatewayConfig)) -> TestApp {
    let nats = NatsServer::start().await;
    let mut config = GatewayConfig::for_tests(&nats.url(), "op");
    tweak(&mut config);
    let app = Application::build(config).await.expect("gateway builds");
    let addr = app.addr();
    let state = app.state().clone();
    let owner = FakeOwner::start(state.bus.clone()).await;
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        addr,
        state,
        owner,
        _nats: nats,
    }
}

impl TestApp {
    pub fn socket_url(&self) -> String {
        format!("ws://{}/ws/agent", self.addr)
    }

    /// The router stand-in, knowing the agent's spaces.
    pub async fn router(&self, seeded: &Seeded) -> FakeRouter {
        let router = FakeRouter::start(self.state.bus.clone()).await;
        *router.spaces.lock().unwrap() = seeded.spaces.iter().map(ToString::to_string).collect();
        router
    }

    /// Writes a premium tenant, two spaces and an agent in both, with a token.
    pub async fn seed(&self) -> Seeded {
        let cache = &self.state.config_cache;
        let (tenant, agent) = (TenantId::new(), AgentId::new());
        let spaces = [SpaceId::new(), SpaceId::new()];
        let token = format!("sb_agent_{}", uuid::Uuid::new_v4().simple());
        let records = async {
            let record = Tenant {
                id: tenant.to_string(),
                name: "Acme".into(),
                edition: Edition::Premium as i32,
                identity_secret: "secret".into(),
                maximum_conversations: 3,
                ..Default::default()
            };
            cache.put(&keys::tenant(tenant), &record).await?;
            for (space, name) in spaces.iter().zip(["Billing", "Returns"]) {
                let record = Space {
                    id: space.to_string(),
                    tenant: tenant.to_string(),
                    name: name.into(),
                    live_chat: true,
                };
                cache.put(&keys::space(space), &record).await?;
            }
            let record = Agent {
                id: agent.to_string(),
                tenant: tenant.to_string(),
                name: "Grace".into(),
                email: "grace@acme.test".into(),
                spaces: spaces.iter().map(ToString::to_string).collect(),
                ..Default::default()
            };
            cache.put(&keys::agent(agent), &record).await?;
            let grant = TokenGrant {
                tenant: tenant.to_string(),
                role: ROLE_AGENT.into(),
                subject: agent.to_string(),
            };
            cache.put(&keys::token(&hash_token(&token)), &grant).await
        };
        records.await.expect("configuration records written");
        Seeded {
            tenant,
            agent,
            token,
            spaces,
        }
    }

    /// Publishes what the router would tell the agent.
    pub async fn agent_event(&self, seeded: &Seeded, event: agent_event::Event) {
        let event = AgentEvent {
            tenant: seeded.tenant.to_string(),
            agent: seeded.agent.to_string(),
            event: Some(event),
        };
        self.state
            .bus
            .publish_core(subjects::agent_events(seeded.tenant, seeded.agent), &event)
            .await
            .expect("agent event published");
    }

    /// What the customer's socket would publish for a message.
    pub async fn customer_says(&self, seeded: &Seeded, conversation: ConversationId, text: &str) {
        let client_id = uuid::Uuid::new_v4().to_string();
        let command = ConversationCommand {
            tenant: seeded.tenant.to_string(),
            conversation: conversation.to_string(),
            at_ms: 1_700_000_100_000,
            command_id: format!("post:{conversation}:{client_id}"),
            command: Some(Command::Post(PostMessage {
                author: Some(Author {
                    role: Role::Customer as i32,
                    id: "user:ada".into(),
                    name: "Ada".into(),
                }),
                text: text.into(),
                client_id,
                start: None,
            })),
        };
        self.state
            .bus
            .publish_durable(
                subjects::command(seeded.tenant, conversation),
                &command.command_id,
                &command,
            )
            .await
            .expect("customer command published");
    }

    /// A live conversation assigned to the agent, with its AI part: the
    /// customer's question and the AI's answer.
    pub fn live_conversation(&self, seeded: &Seeded) -> ConversationId {
        let conversation = ConversationId::new();
        let message = |seq: u64, role: Role, name: &str, text: &str| ChatMessage {
            id: uuid::Uuid::now_v7().to_string(),
            tenant: seeded.tenant.to_string(),
            conversation: conversation.to_string(),
            seq,
            author: Some(Author {
                role: role as i32,
                id: String::new(),
                name: name.into(),
            }),
            text: text.into(),
            at_ms: 1_700_000_000_000 + seq as i64,
            ..Default::default()
        };
        let info = ConversationInfo {
            id: conversation.to_string(),
            tenant: seeded.tenant.to_string(),
            customer: Some(Customer {
                key: "user:ada".into(),
                name: "Ada".into(),
                email: "ada@example.com".into(),
                signed_in: true,
            }),
            state: ConversationState::Live as i32,
            assignee: seeded.agent.to_string(),
            assignee_name: "Grace".into(),
            routed_space: seeded.spaces[0].to_string(),
            ..Default::default()
        };
        self.owner.seed(
            info,
            vec![
                message(1, Role::Customer, "Ada", "My invoice is wrong"),
                message(2, Role::Ai, "Sam", "Let me get you a person."),
            ],
        );
        conversation
    }
}
