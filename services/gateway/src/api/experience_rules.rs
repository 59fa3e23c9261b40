//! The configuration rules of a customer experience (SPEC §2–§3), as plain
//! functions over records the handler has already loaded:
//!
//! - the team modes (`support_team`, `ai_and_team`) need the premium or
//!   enterprise edition; this is checked before anything else in the
//!   request, so a standard tenant hears about the edition first;
//! - the AI modes (`ai_agent`, `ai_and_team`) need a published AI agent of
//!   the tenant;
//! - the team modes need a routed space of the tenant with live chat on.

use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{AiAgent, Edition, Experience, Space, SupportMode};

use crate::api::validate::clip;
use crate::error::ApiError;

pub fn needs_ai(mode: SupportMode) -> bool {
    matches!(mode, SupportMode::AiAgent | SupportMode::AiAndTeam)
}

pub fn needs_team(mode: SupportMode) -> bool {
    matches!(mode, SupportMode::SupportTeam | SupportMode::AiAndTeam)
}

fn allows_team(edition: Edition) -> bool {
    edition.allows_live_chat()
}

/// `edition_required` when `mode` needs an edition the tenant is not on.
pub fn edition_gate(mode: SupportMode, edition: Edition) -> Result<(), ApiError> {
    if needs_team(mode) && !allows_team(edition) {
        return Err(ApiError::EditionRequired(format!(
            "support_mode `{}` needs the premium or enterprise edition; this tenant is on {}",
            mode.wire_name(),
            edition.wire_name()
        )));
    }
    Ok(())
}

/// The support mode a raw request body asks for, if it names a valid one.
/// Read before the body is parsed, for [`edition_gate`].
pub fn requested_mode(body: &serde_json::Value) -> Option<SupportMode> {
    body.get("support_mode")
        .and_then(serde_json::Value::as_str)
        .and_then(SupportMode::from_wire_name)
}

/// Checks a complete experience (a new one, or an existing one with a
/// change merged in). `ai_agent` and `space` are the records its ids name,
/// `None` when the id is set but names nothing of this tenant.
pub fn check(
    experience: &Experience,
    ai_agent: Option<&AiAgent>,
    space: Option<&Space>,
) -> Result<(), ApiError> {
    let mode = experience.support_mode();
    if !experience.ai_agent.is_empty() && ai_agent.is_none() {
        return Err(ApiError::invalid(
            "ai_agent",
            format!(
                "no AI agent `{}` in this tenant",
                clip(&experience.ai_agent)
            ),
        ));
    }
    if !experience.routed_space.is_empty() && space.is_none() {
        return Err(ApiError::invalid(
            "routed_space",
            format!(
                "no space `{}` in this tenant",
                clip(&experience.routed_space)
            ),
        ));
    }
    if needs_ai(mode) {
        match ai_agent {
            None => {
                return Err(ApiError::invalid(
                    "ai_agent",
                    format!(
                        "support_mode `{}` needs a published AI agent",
                        mode.wire_name()
                    ),
                ));
            }
            Some(agent) if !agent.published => {
                return Err(ApiError::invalid(
                    "ai_agent",
                    format!(
                        "the AI agent `{}` is not published; support_mode `{}` needs a published AI agent",
                        agent.name,
                        mode.wire_name()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if needs_team(mode) {
        match space {
            None => {
                return Err(ApiError::invalid(
                    "routed_space",
                    format!(
                        "support_mode `{}` needs a routed space with live chat on",
                        mode.wire_name()
                    ),
                ));
            }
            Some(space) if !space.live_chat => {
                return Err(ApiError::invalid(
                    "routed_space",
                    format!(
                        "live chat is off in the space `{}`; support_mode `{}` needs it on",
                        space.name,
                        mode.wire_name()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experience(mode: SupportMode, ai_agent: &str, space: &str) -> Experience {
        let mut experience = Experience {
            ai_agent: ai_agent.into(),
            routed_space: space.into(),
            ..Experience::default()
        };
        experience.set_support_mode(mode);
        experience
    }

    fn agent(published: bool) -> AiAgent {
        AiAgent {
            name: "Helper".into(),
            published,
            ..AiAgent::default()
        }
    }

    fn space(live_chat: bool) -> Space {
        Space {
            name: "Billing".into(),
            live_chat,
            ..Space::default()
        }
    }

    fn field_of(error: ApiError) -> String {
        error
            .message()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn team_modes_need_premium_or_enterprise() {
        let refused = edition_gate(SupportMode::SupportTeam, Edition::Standard).unwrap_err();
        assert_eq!(refused.code(), "edition_required");
        assert!(refused.message().contains("premium or enterprise"));
        assert!(refused.message().contains("on standard"));
        assert!(edition_gate(SupportMode::AiAndTeam, Edition::Standard).is_err());
        assert!(edition_gate(SupportMode::AiAndTeam, Edition::Premium).is_ok());
        assert!(edition_gate(SupportMode::SupportTeam, Edition::Enterprise).is_ok());
        assert!(edition_gate(SupportMode::AiAgent, Edition::Standard).is_ok());
    }

    #[test]
    fn ai_modes_need_a_published_ai_agent() {
        let draft = experience(SupportMode::AiAgent, "a", "");
        assert!(check(&draft, Some(&agent(true)), None).is_ok());
        assert_eq!(
            field_of(check(&draft, Some(&agent(false)), None).unwrap_err()),
            "ai_agent"
        );
        assert_eq!(field_of(check(&draft, None, None).unwrap_err()), "ai_agent");
        let unset = experience(SupportMode::AiAgent, "", "");
        assert_eq!(field_of(check(&unset, None, None).unwrap_err()), "ai_agent");
    }

    #[test]
    fn team_modes_need_a_space_with_live_chat_on() {
        let draft = experience(SupportMode::SupportTeam, "", "s");
        assert!(check(&draft, None, Some(&space(true))).is_ok());
        assert_eq!(
            field_of(check(&draft, None, Some(&space(false))).unwrap_err()),
            "routed_space"
        );
        let unset = experience(SupportMode::SupportTeam, "", "");
        assert_eq!(
            field_of(check(&unset, None, None).unwrap_err()),
            "routed_space"
        );
    }

    #[test]
    fn ai_and_team_needs_both() {
        let draft = experience(SupportMode::AiAndTeam, "a", "s");
        assert!(check(&draft, Some(&agent(true)), Some(&space(true))).is_ok());
        assert!(check(&draft, Some(&agent(false)), Some(&space(true))).is_err());
        assert!(check(&draft, Some(&agent(true)), Some(&space(false))).is_err());
    }

    #[test]
    fn the_mode_is_read_from_a_raw_body() {
        let body = serde_json::json!({"support_mode": "support_team", "bogus": 1});
        assert_eq!(requested_mode(&body), Some(SupportMode::SupportTeam));
        assert_eq!(
            requested_mode(&serde_json::json!({"support_mode": 3})),
            None
        );
    }
}
