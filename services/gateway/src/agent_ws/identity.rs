//! Who is on an agent socket: the bearer token of `hello {token}` resolved
//! through the configuration bucket (`token.{sha256}` → a `TokenGrant` of
//! role `agent` → the `Agent` record named by its subject), with the spaces
//! the agent is a member of. Only the hash of the token is ever looked up;
//! the token itself is neither kept nor logged.

use std::str::FromStr;

use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::ids::{AgentId, SpaceId, TenantId};
use switchboard_contracts::v1::{Agent, Space, TokenGrant};

use crate::api::extract::deactivated_agent;
use crate::auth::{ROLE_AGENT, hash_token};
use crate::error::ApiError;

/// One space of the agent, with its display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceRef {
    pub id: SpaceId,
    pub name: String,
}

/// The agent behind a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentIdentity {
    pub tenant: TenantId,
    pub agent: AgentId,
    pub name: String,
    /// In the order of the agent record; spaces that are gone or belong to
    /// another tenant are left out.
    pub spaces: Vec<SpaceRef>,
}

fn not_valid() -> ApiError {
    ApiError::Unauthorized("token: this is not a valid agent token".into())
}

impl AgentIdentity {
    /// Checks that the grant, the agent and the spaces fit together.
    /// `spaces` holds the records found for the agent's space ids.
    pub fn from_records(
        grant: &TokenGrant,
        agent: &Agent,
        spaces: &[Space],
    ) -> Result<Self, ApiError> {
        if grant.role != ROLE_AGENT {
            return Err(ApiError::Unauthorized(
                "token: this is not an agent token; use the token issued for the agent".into(),
            ));
        }
        if agent.id != grant.subject || agent.tenant != grant.tenant {
            return Err(not_valid());
        }
        if agent.deactivated {
            return Err(deactivated_agent());
        }
        let tenant = TenantId::from_str(&agent.tenant).map_err(|_| not_valid())?;
        let id = AgentId::from_str(&agent.id).map_err(|_| not_valid())?;
        let spaces = agent
            .spaces
            .iter()
            .filter_map(|wanted| {
                let space = spaces
                    .iter()
                    .find(|s| &s.id == wanted && s.tenant == agent.tenant)?;
                Some(SpaceRef {
                    id: SpaceId::from_str(&space.id).ok()?,
                    name: space.name.clone(),
                })
            })
            .collect();
        Ok(Self {
            tenant,
            agent: id,
            name: agent.name.clone(),
            spaces,
        })
    }

    /// Resolves a token, reading through to the bucket for records this
    /// instance has not seen yet (an agent created a moment ago elsewhere).
    pub async fn resolve(cache: &ConfigCache, token: &str) -> Result<Self, ApiError> {
        let grant: TokenGrant = cache
            .get_or_fetch(&keys::token(&hash_token(token)))
            .await?
            .ok_or_else(not_valid)?;
        let agent: Agent = match AgentId::from_str(&grant.subject) {
            Ok(id) => cache.get_or_fetch(&keys::agent(id)).await?,
            Err(_) => None,
        }
        .ok_or_else(not_valid)?;
        let mut spaces = Vec::with_capacity(agent.spaces.len());
        for id in &agent.spaces {
            let Ok(id) = SpaceId::from_str(id) else {
                continue;
            };
            if let Some(space) = cache.get_or_fetch::<Space>(&keys::space(id)).await? {
                spaces.push(space);
            }
        }
        Self::from_records(&grant, &agent, &spaces)
    }

    /// The same agent from this instance's cache only (no I/O), to pick up
    /// a change of name or spaces on a long-lived socket. `None` when the
    /// agent record is gone or deactivated, in which case the socket keeps
    /// what it had until [`super::revocation`] closes it.
    pub fn reload_cached(&self, cache: &ConfigCache) -> Option<Self> {
        let agent: Agent = cache.get(&keys::agent(self.agent))?;
        if agent.tenant != self.tenant.to_string() {
            return None;
        }
        let spaces: Vec<Space> = agent
            .spaces
            .iter()
            .filter_map(|id| cache.get(&keys::space(id)))
            .collect();
        let grant = TokenGrant {
            tenant: agent.tenant.clone(),
            role: ROLE_AGENT.into(),
            subject: agent.id.clone(),
        };
        Self::from_records(&grant, &agent, &spaces).ok()
    }

    pub fn is_member_of(&self, space: SpaceId) -> bool {
        self.spaces.iter().any(|s| s.id == space)
    }

    pub fn space_name(&self, space: &str) -> Option<&str> {
        self.spaces
            .iter()
            .find(|s| s.id.to_string() == space)
            .map(|s| s.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> (TokenGrant, Agent, Vec<Space>) {
        let tenant = TenantId::new().to_string();
        let agent = AgentId::new().to_string();
        let (mine, gone, foreign) = (SpaceId::new(), SpaceId::new(), SpaceId::new());
        let grant = TokenGrant {
            tenant: tenant.clone(),
            role: ROLE_AGENT.into(),
            subject: agent.clone(),
        };
        let record = Agent {
            id: agent,
            tenant: tenant.clone(),
            name: "Grace".into(),
            spaces: vec![mine.to_string(), gone.to_string(), foreign.to_string()],
            ..Default::default()
        };
        let spaces = vec![
            Space {
                id: mine.to_string(),
                tenant,
                name: "Billing".into(),
                live_chat: true,
            },
            Space {
                id: foreign.to_string(),
                tenant: TenantId::new().to_string(),
                name: "Elsewhere".into(),
                live_chat: true,
            },
        ];
        (grant, record, spaces)
    }

    #[test]
    fn an_agent_grant_names_the_agent_and_its_spaces_of_its_own_tenant() {
        let (grant, agent, spaces) = records();
        let identity = AgentIdentity::from_records(&grant, &agent, &spaces).unwrap();
        assert_eq!(identity.name, "Grace");
        let names: Vec<&str> = identity.spaces.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["Billing"]);
        assert!(identity.is_member_of(identity.spaces[0].id));
        assert!(!identity.is_member_of(SpaceId::new()));
    }

    #[test]
    fn an_admin_grant_or_a_grant_for_someone_else_is_unauthorized() {
        let (mut grant, agent, spaces) = records();
        grant.role = "admin".into();
        let refused = AgentIdentity::from_records(&grant, &agent, &spaces).unwrap_err();
        assert_eq!(refused.code(), "unauthorized");
        let (mut grant, agent, spaces) = records();
        grant.subject = AgentId::new().to_string();
        let refused = AgentIdentity::from_records(&grant, &agent, &spaces).unwrap_err();
        assert_eq!(refused.code(), "unauthorized");
    }

    #[test]
    fn a_deactivated_agent_is_unauthorized_and_told_why() {
        let (grant, mut agent, spaces) = records();
        agent.deactivated = true;
        let refused = AgentIdentity::from_records(&grant, &agent, &spaces).unwrap_err();
        assert_eq!(refused.code(), "unauthorized");
        assert!(refused.message().contains("deactivated"), "{refused:?}");
    }
}
