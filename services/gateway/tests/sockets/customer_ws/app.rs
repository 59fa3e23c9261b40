//! A real gateway on a real nats-server for one test, with configuration
//! written straight into the configuration bucket (no HTTP API needed).

use std::net::SocketAddr;

use switchboard_bus::config::keys;
use switchboard_contracts::ids::{AiAgentId, ExperienceId, TenantId, WidgetId};
use switchboard_contracts::v1::{
    Access, AiAgent, AiKind, Edition, Experience, SupportMode, Tenant, Widget, WidgetKind,
};
use switchboard_gateway::auth::{IdentityClaims, sign_identity};
use switchboard_gateway::config::GatewayConfig;
use switchboard_gateway::server::Application;
use switchboard_gateway::state::AppState;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_testkit::NatsServer;

use crate::fake_owner::FakeOwner;

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub shutdown: Shutdown,
    pub server: tokio::task::JoinHandle<()>,
    _nats: NatsServer,
}

/// What a widget test needs to know about the seeded configuration.
#[derive(Debug, Clone)]
pub struct Site {
    pub tenant: TenantId,
    pub identity_secret: String,
    pub widget: WidgetId,
}

impl Site {
    pub fn identity(&self, sub: &str) -> String {
        let exp = jsonwebtoken::get_current_timestamp() + 600;
        let claims = IdentityClaims {
            sub: sub.into(),
            name: Some("Ada".into()),
            email: Some("ada@example.com".into()),
            exp,
        };
        sign_identity(&self.identity_secret, &claims)
    }
}

/// Starts nats-server, the gateway and the stand-in transcript service.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut GatewayConfig)) -> TestApp {
    let nats = NatsServer::start().await;
    let mut config = GatewayConfig::for_tests(&nats.url(), "op");
    adjust(&mut config);
    let app = Application::build(config).await.expect("gateway builds");
    let addr = app.addr();
    let state = app.state().clone();
    let shutdown = app.shutdown_handle();
    FakeOwner::start(state.bus.clone()).await;
    let server = tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        addr,
        state,
        shutdown,
        server,
        _nats: nats,
    }
}

impl TestApp {
    pub fn socket_url(&self, widget: impl std::fmt::Display) -> String {
        format!("ws://{}/ws/customer?widget={widget}", self.addr)
    }

    /// Writes a premium tenant, a published AI agent, an experience and a widget.
    pub async fn seed(
        &self,
        mode: SupportMode,
        access: Access,
        kind: WidgetKind,
        origins: &[&str],
    ) -> Site {
        self.seed_edition(mode, access, kind, (origins, &[]), Edition::Premium)
            .await
    }

    /// An embed widget of an open `ai_agent` experience listing `origins`
    /// and native `apps`.
    pub async fn seed_embed(&self, origins: &[&str], apps: &[&str]) -> Site {
        self.seed_edition(
            SupportMode::AiAgent,
            Access::Open,
            WidgetKind::Embed,
            (origins, apps),
            Edition::Premium,
        )
        .await
    }

    /// An open support-site widget of a `mode` experience on `edition`.
    pub async fn seed_team(&self, mode: SupportMode, edition: Edition) -> Site {
        self.seed_edition(
            mode,
            Access::Open,
            WidgetKind::SupportSite,
            (&[], &[]),
            edition,
        )
        .await
    }

    async fn seed_edition(
        &self,
        mode: SupportMode,
        access: Access,
        kind: WidgetKind,
        (origins, apps): (&[&str], &[&str]),
        edition: Edition,
    ) -> Site {
        let cache = &self.state.config_cache;
        let tenant = TenantId::new();
        let ai_agent = AiAgentId::new();
        let experience = ExperienceId::new();
        let widget = WidgetId::new();
        let identity_secret = format!("secret-{}", uuid::Uuid::new_v4());
        let records = async {
            cache
                .put(
                    &keys::tenant(tenant),
                    &Tenant {
                        id: tenant.to_string(),
                        name: "Acme".into(),
                        edition: edition as i32,
                        identity_secret: identity_secret.clone(),
                        maximum_conversations: 3,
                        ..Default::default()
                    },
                )
                .await?;
            cache
                .put(
                    &keys::ai_agent(ai_agent),
                    &AiAgent {
                        id: ai_agent.to_string(),
                        tenant: tenant.to_string(),
                        name: "Sam".into(),
                        published: true,
                        kind: AiKind::Builtin as i32,
                        next_steps: "Write to help@acme.test.".into(),
                        ..Default::default()
                    },
                )
                .await?;
            cache
                .put(
                    &keys::experience(experience),
                    &Experience {
                        id: experience.to_string(),
                        tenant: tenant.to_string(),
                        name: "Help".into(),
                        support_mode: mode as i32,
                        ai_agent: ai_agent.to_string(),
                        access: access as i32,
                        ..Default::default()
                    },
                )
                .await?;
            cache
                .put(
                    &keys::widget(widget),
                    &Widget {
                        id: widget.to_string(),
                        tenant: tenant.to_string(),
                        experience: experience.to_string(),
                        kind: kind as i32,
                        allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
                        allowed_apps: apps.iter().map(|a| (*a).to_owned()).collect(),
                    },
                )
                .await
        };
        records.await.expect("configuration records written");
        Site {
            tenant,
            identity_secret,
            widget,
        }
    }

    /// A support-site widget of another experience of `site`'s tenant.
    pub async fn seed_sibling(&self, site: &Site) -> WidgetId {
        let cache = &self.state.config_cache;
        let (experience, widget) = (ExperienceId::new(), WidgetId::new());
        let records = async {
            cache
                .put(
                    &keys::experience(experience),
                    &Experience {
                        id: experience.to_string(),
                        tenant: site.tenant.to_string(),
                        name: "Sales".into(),
                        support_mode: SupportMode::AiAgent as i32,
                        access: Access::Open as i32,
                        ..Default::default()
                    },
                )
                .await?;
            cache
                .put(
                    &keys::widget(widget),
                    &Widget {
                        id: widget.to_string(),
                        tenant: site.tenant.to_string(),
                        experience: experience.to_string(),
                        kind: WidgetKind::SupportSite as i32,
                        ..Default::default()
                    },
                )
                .await
        };
        records.await.expect("configuration records written");
        widget
    }

    /// A support-site widget of an open `ai_agent` experience.
    pub async fn seed_ai_site(&self) -> Site {
        self.seed(
            SupportMode::AiAgent,
            Access::Open,
            WidgetKind::SupportSite,
            &[],
        )
        .await
    }

    /// How many commands the command stream holds.
    pub async fn commands_stored(&self) -> u64 {
        let mut stream = self
            .state
            .bus
            .js
            .get_stream(switchboard_contracts::streams::COMMANDS)
            .await
            .expect("command stream");
        stream.info().await.expect("stream info").state.messages
    }
}
