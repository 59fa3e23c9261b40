//! What a customer socket needs of its widget's configuration, in a compact
//! form: every open socket holds one, so it keeps only the few fields the
//! session uses (never an AI agent's knowledge base).

use std::str::FromStr;

use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::ids::{ExperienceId, TenantId, WidgetId};
use switchboard_contracts::v1::{
    Access, AiAgent, ConversationState, Edition, Experience, SupportMode, Tenant, Widget,
};

use crate::error::ApiError;
use crate::secrets::{IdentitySecrets, Keyring};

/// The AI agent that answers in the AI modes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiAgentRef {
    pub id: String,
    pub name: String,
    pub next_steps: String,
}

/// A widget, its experience and its tenant, as one socket sees them.
#[derive(Clone)]
pub struct WidgetContext {
    pub tenant: TenantId,
    pub edition: Edition,
    /// Verify identity JWTs and sign resume tokens. Never logged.
    pub identity: IdentitySecrets,
    pub widget: WidgetId,
    pub experience: ExperienceId,
    pub support_mode: SupportMode,
    pub access: Access,
    pub ai_agent: Option<AiAgentRef>,
    pub routed_space: String,
    pub fallback_message: String,
    /// Where the widget sends a customer who must sign in (empty: none).
    pub sign_in_url: String,
}

impl std::fmt::Debug for WidgetContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WidgetContext")
            .field("tenant", &self.tenant)
            .field("widget", &self.widget)
            .field("experience", &self.experience)
            .field("support_mode", &self.support_mode)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl WidgetContext {
    /// Builds the context from its records; `None` when they do not fit
    /// together (another tenant's experience, unparsable ids) or the
    /// tenant's identity secret does not open with `keys`.
    pub fn from_records(
        widget: &Widget,
        experience: &Experience,
        tenant: &Tenant,
        ai_agent: Option<&AiAgent>,
        keys: &Keyring,
    ) -> Option<Self> {
        if widget.tenant != tenant.id
            || experience.tenant != tenant.id
            || widget.experience != experience.id
        {
            return None;
        }
        Some(Self {
            tenant: TenantId::from_str(&tenant.id).ok()?,
            edition: tenant.edition(),
            identity: IdentitySecrets::of(tenant, keys).ok()?,
            widget: WidgetId::from_str(&widget.id).ok()?,
            experience: ExperienceId::from_str(&experience.id).ok()?,
            support_mode: experience.support_mode(),
            access: experience.access(),
            ai_agent: ai_agent
                .filter(|a| a.tenant == tenant.id && a.id == experience.ai_agent)
                .map(|a| AiAgentRef {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    next_steps: a.next_steps.clone(),
                }),
            routed_space: experience.routed_space.clone(),
            fallback_message: experience.fallback_message.clone(),
            sign_in_url: experience.sign_in_url.clone(),
        })
    }

    /// Loads a widget's context, reading through to the bucket for records
    /// this instance has not seen yet, with the widget record itself (its
    /// origins are needed once, before the upgrade, and not kept per socket).
    /// `NotFound` names what is missing.
    pub async fn load(
        cache: &ConfigCache,
        keys: &Keyring,
        widget: WidgetId,
    ) -> Result<(Self, Widget), ApiError> {
        let widget: Widget = cache
            .get_or_fetch(&keys::widget(widget))
            .await?
            .ok_or_else(|| ApiError::not_found("widget"))?;
        let experience: Experience = cache
            .get_or_fetch(&keys::experience(&widget.experience))
            .await?
            .ok_or_else(|| ApiError::not_found("the widget's experience"))?;
        let tenant: Tenant = cache
            .get_or_fetch(&keys::tenant(&widget.tenant))
            .await?
            .ok_or_else(|| ApiError::not_found("the widget's tenant"))?;
        let ai_agent: Option<AiAgent> = if experience.ai_agent.is_empty() {
            None
        } else {
            cache
                .get_or_fetch(&keys::ai_agent(&experience.ai_agent))
                .await?
        };
        if let Err(error) = IdentitySecrets::of(&tenant, keys) {
            tracing::error!(tenant = %tenant.id, %error, "the tenant's identity secret does not open");
            return Err(ApiError::Unavailable(
                "this gateway cannot read the site's identity secret; try again later".into(),
            ));
        }
        let ctx = Self::from_records(&widget, &experience, &tenant, ai_agent.as_ref(), keys)
            .ok_or_else(|| ApiError::not_found("widget"))?;
        Ok((ctx, widget))
    }

    /// The same, from this instance's cache only (no I/O): used to pick up
    /// configuration changes on a long-lived socket. `None` when a record
    /// is gone, in which case the socket keeps what it had.
    pub fn reload_cached(&self, cache: &ConfigCache, keys: &Keyring) -> Option<Self> {
        let widget: Widget = cache.get(&keys::widget(self.widget))?;
        let experience: Experience = cache.get(&keys::experience(&widget.experience))?;
        let tenant: Tenant = cache.get(&keys::tenant(&widget.tenant))?;
        let ai_agent: Option<AiAgent> = if experience.ai_agent.is_empty() {
            None
        } else {
            cache.get(&keys::ai_agent(&experience.ai_agent))
        };
        Self::from_records(&widget, &experience, &tenant, ai_agent.as_ref(), keys)
    }

    /// The state a new conversation starts in.
    pub fn initial_state(&self) -> ConversationState {
        match self.support_mode {
            SupportMode::SupportTeam => ConversationState::Queued,
            _ => ConversationState::Ai,
        }
    }

    /// True when the tenant's edition allows live chat with humans.
    pub fn edition_allows_live_chat(&self) -> bool {
        self.edition.allows_live_chat()
    }

    /// The experience's fallback message, or a default that gives a next step.
    pub fn fallback_text(&self) -> String {
        if self.fallback_message.trim().is_empty() {
            DEFAULT_FALLBACK.to_owned()
        } else {
            self.fallback_message.clone()
        }
    }
}

pub use switchboard_contracts::texts::{DEFAULT_FALLBACK, DEFAULT_NEXT_STEPS};
