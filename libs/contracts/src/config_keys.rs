//! Keys of the configuration bucket ([`crate::streams::CONFIG_BUCKET`]).
//!
//! Every record lives under `{kind}.{id}`: `tenant.{id}`, `ai_agent.{id}`,
//! `experience.{id}`, `widget.{id}`, `space.{id}`, `agent.{id}`, and
//! `token.{sha256}` for a bearer token's grant (the hex SHA-256 of the token,
//! never the token itself). Next to the records, `agent_email.{tenant}.{sha256}`
//! holds the id of the agent that uses an email address in a tenant (the hex
//! SHA-256 of the address in lower case): created only when absent, it keeps
//! an address to one agent even when two gateways add agents at once.
//! Writers and readers build and take apart keys here only.

use std::fmt;

/// The kind of record a configuration key holds; its [`ConfigKind::prefix`]
/// lists every record of the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigKind {
    Tenant,
    AiAgent,
    Experience,
    Widget,
    Space,
    Agent,
    Token,
}

impl ConfigKind {
    pub const ALL: [ConfigKind; 7] = [
        ConfigKind::Tenant,
        ConfigKind::AiAgent,
        ConfigKind::Experience,
        ConfigKind::Widget,
        ConfigKind::Space,
        ConfigKind::Agent,
        ConfigKind::Token,
    ];

    /// The first token of the key.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::Tenant => "tenant",
            ConfigKind::AiAgent => "ai_agent",
            ConfigKind::Experience => "experience",
            ConfigKind::Widget => "widget",
            ConfigKind::Space => "space",
            ConfigKind::Agent => "agent",
            ConfigKind::Token => "token",
        }
    }

    /// What every key of this kind starts with (`tenant.`, ...).
    pub fn prefix(self) -> String {
        format!("{}.", self.as_str())
    }

    fn from_str(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }
}

/// One configuration key: the record's kind and its id (a token's SHA-256 in
/// hex for [`ConfigKind::Token`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigKey {
    pub kind: ConfigKind,
    pub id: String,
}

impl ConfigKey {
    pub fn new(kind: ConfigKind, id: impl fmt::Display) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }

    /// The key as stored in the bucket.
    pub fn to_key(&self) -> String {
        format!("{}.{}", self.kind.as_str(), self.id)
    }

    /// The kind and id of a stored key; `None` for a key that is not one of
    /// ours (unknown kind, or no id).
    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once('.')?;
        let kind = ConfigKind::from_str(kind)?;
        (!id.is_empty()).then(|| Self {
            kind,
            id: id.to_owned(),
        })
    }
}

impl fmt::Display for ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.as_str(), self.id)
    }
}

/// The key of a tenant record.
pub fn tenant(id: impl fmt::Display) -> String {
    ConfigKey::new(ConfigKind::Tenant, id).to_key()
}

/// The key of an AI agent record.
pub fn ai_agent(id: impl fmt::Display) -> String {
    ConfigKey::new(ConfigKind::AiAgent, id).to_key()
}

/// The key of an experience record.
pub fn experience(id: impl fmt::Display) -> String {
    ConfigKey::new(ConfigKind::Experience, id).to_key()
}

/// The key of a widget record.
pub fn widget(id: impl fmt::Display) -> String {
    ConfigKey::new(ConfigKind::Widget, id).to_key()
}

/// The key of a space record.
pub fn space(id: impl fmt::Display) -> String {
    ConfigKey::new(ConfigKind::Space, id).to_key()
}

/// The key of a human agent record.
pub fn agent(id: impl fmt::Display) -> String {
    ConfigKey::new(ConfigKind::Agent, id).to_key()
}

/// The key of a token grant; `sha256` is the hex SHA-256 of the bearer token.
pub fn token(sha256: &str) -> String {
    ConfigKey::new(ConfigKind::Token, sha256).to_key()
}

/// What every agent email claim key starts with (not a record kind: the
/// value is the claiming agent's id).
pub const AGENT_EMAIL_PREFIX: &str = "agent_email.";

/// The key of a tenant's claim on an email address for one agent;
/// `address_sha256` is the hex SHA-256 of the address in lower case.
pub fn agent_email(tenant: impl fmt::Display, address_sha256: &str) -> String {
    format!("{AGENT_EMAIL_PREFIX}{tenant}.{address_sha256}")
}

/// What every AI platform account key starts with (not a record kind:
/// the value is an `AiPlatformAccount`).
pub const AI_PLATFORM_PREFIX: &str = "ai_platform.";

/// The key of an AI platform account of a tenant; `account` is its public nkey.
pub fn ai_platform(tenant: impl fmt::Display, account: &str) -> String {
    format!("{AI_PLATFORM_PREFIX}{tenant}.{account}")
}

/// What every webhook subscription key starts with (not a record kind: its
/// keys carry the tenant, so one tenant's subscriptions list by prefix).
pub const WEBHOOK_PREFIX: &str = "webhook.";

/// The key of a webhook subscription (a `Webhook` record).
pub fn webhook(tenant: impl fmt::Display, id: impl fmt::Display) -> String {
    format!("{WEBHOOK_PREFIX}{tenant}.{id}")
}

/// What every webhook subscription key of one tenant starts with.
pub fn tenant_webhooks(tenant: impl fmt::Display) -> String {
    format!("{WEBHOOK_PREFIX}{tenant}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_key() {
        for kind in ConfigKind::ALL {
            let key = ConfigKey::new(kind, "0190a0b0-0000-7000-8000-000000000001");
            let text = key.to_key();
            assert!(text.starts_with(&kind.prefix()), "{text}");
            assert_eq!(ConfigKey::parse(&text), Some(key.clone()));
            assert_eq!(key.to_string(), text);
        }
    }

    #[test]
    fn the_builders_write_the_documented_layout() {
        assert_eq!(tenant("t1"), "tenant.t1");
        assert_eq!(ai_agent("a1"), "ai_agent.a1");
        assert_eq!(experience("e1"), "experience.e1");
        assert_eq!(widget("w1"), "widget.w1");
        assert_eq!(space("s1"), "space.s1");
        assert_eq!(agent("h1"), "agent.h1");
        assert_eq!(token("ab12"), "token.ab12");
        assert_eq!(agent_email("t1", "ab12"), "agent_email.t1.ab12");
        assert!(!agent_email("t1", "ab12").starts_with(&ConfigKind::Agent.prefix()));
        assert_eq!(ConfigKey::parse(&agent_email("t1", "ab12")), None);
        assert_eq!(webhook("t1", "w1"), "webhook.t1.w1");
        assert!(webhook("t1", "w1").starts_with(&tenant_webhooks("t1")));
        assert_eq!(ConfigKey::parse(&webhook("t1", "w1")), None);
    }

    #[test]
    fn keys_that_are_not_ours_do_not_parse() {
        for key in ["", "tenant", "tenant.", "gadget.x", "partition.3"] {
            assert_eq!(ConfigKey::parse(key), None, "{key:?}");
        }
    }
}
