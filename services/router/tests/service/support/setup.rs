//! Configuring the tenant through the configuration bucket, as the
//! gateway's admin API does, and waiting until every router has seen it.

use prost::Message;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{AgentId, ExperienceId, SpaceId};
use switchboard_contracts::v1::{self, Edition, SupportMode};

use super::{Cx, Harness, WAIT};

impl Harness {
    pub(super) async fn put<T: Message>(&mut self, key: &str, value: &T) {
        let revision = self.config.put(key, value).await.expect("config put");
        self.last_revision = self.last_revision.max(revision);
    }

    /// Waits until every router has seen every configuration written so far.
    pub async fn synced(&self) {
        for router in &self.routers {
            assert!(
                router.catalog.wait_seen(self.last_revision, WAIT).await,
                "a router did not see the configuration"
            );
        }
    }

    pub async fn tenant(&mut self, edition: Edition, maximum_conversations: u32) {
        let record = v1::Tenant {
            id: self.tenant.to_string(),
            name: "Acme".into(),
            edition: edition as i32,
            maximum_conversations,
            ..Default::default()
        };
        self.put(&keys::tenant(self.tenant), &record).await;
    }

    pub async fn space(&mut self, live_chat: bool) -> SpaceId {
        let id = SpaceId::new();
        let record = v1::Space {
            id: id.to_string(),
            tenant: self.tenant.to_string(),
            name: "Support".into(),
            live_chat,
        };
        self.put(&keys::space(id), &record).await;
        id
    }

    /// Turns live chat on or off in `space`, as an admin does.
    pub async fn set_live_chat(&mut self, space: SpaceId, live_chat: bool) {
        let record = v1::Space {
            id: space.to_string(),
            tenant: self.tenant.to_string(),
            name: "Support".into(),
            live_chat,
        };
        self.put(&keys::space(space), &record).await;
    }

    pub async fn agent(&mut self, name: &str, spaces: &[SpaceId]) -> AgentId {
        let id = AgentId::new();
        self.put_agent(id, name, spaces).await;
        id
    }

    pub async fn put_agent(&mut self, id: AgentId, name: &str, spaces: &[SpaceId]) {
        self.put_agent_as(id, name, spaces, false).await;
    }

    /// Writes the agent's record, deactivated or not, as an admin does.
    pub async fn put_agent_as(
        &mut self,
        id: AgentId,
        name: &str,
        spaces: &[SpaceId],
        deactivated: bool,
    ) {
        let record = v1::Agent {
            id: id.to_string(),
            tenant: self.tenant.to_string(),
            name: name.into(),
            email: format!("{name}@example.com"),
            spaces: spaces.iter().map(|s| s.to_string()).collect(),
            created_at_ms: 1,
            deactivated,
        };
        self.put(&keys::agent(id), &record).await;
    }

    pub async fn experience(&mut self, mode: SupportMode, space: SpaceId, fallback: &str) -> Cx {
        let id = ExperienceId::new();
        let record = v1::Experience {
            id: id.to_string(),
            tenant: self.tenant.to_string(),
            name: "Help".into(),
            support_mode: mode as i32,
            routed_space: space.to_string(),
            fallback_message: fallback.into(),
            ..Default::default()
        };
        self.put(&keys::experience(id), &record).await;
        Cx { id, space, mode }
    }

    /// A premium tenant with `limit`, one live-chat space, the named agents
    /// in it and an experience of `mode` routed there; every router synced.
    pub async fn team(
        &mut self,
        limit: u32,
        names: &[&str],
        mode: SupportMode,
    ) -> (Cx, Vec<AgentId>) {
        self.tenant(Edition::Premium, limit).await;
        let space = self.space(true).await;
        let mut agents = Vec::new();
        for name in names {
            agents.push(self.agent(name, &[space]).await);
        }
        let cx = self.experience(mode, space, "").await;
        self.synced().await;
        (cx, agents)
    }
}
