//! Conversations whose configuration was deleted (SPEC §10): which records
//! an open conversation depends on in each state, and what it is told when
//! one of them is gone. Deleting never loses a conversation: it ends with
//! the fallback (reason `no_agents_available`) and stays readable.
//!
//! | state | depends on |
//! |---|---|
//! | `ai` | its experience, widget and AI agent |
//! | `queued` | its experience, widget and routed space |
//! | `live` | its experience, widget, routed space and assigned agent |
//!
//! An `ai` conversation keeps its routed space only for a later handoff, and
//! the router sends that one the fallback when the space has nobody in it.

use switchboard_contracts::config_keys::{ConfigKey, ConfigKind};
use switchboard_contracts::texts::DEFAULT_FALLBACK;
use switchboard_contracts::v1::{ConversationInfo, ConversationState, Experience};

/// The kinds of record a conversation refers to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Experience,
    Widget,
    AiAgent,
    Space,
    Agent,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Experience,
        Kind::Widget,
        Kind::AiAgent,
        Kind::Space,
        Kind::Agent,
    ];

    pub fn config_kind(self) -> ConfigKind {
        match self {
            Kind::Experience => ConfigKind::Experience,
            Kind::Widget => ConfigKind::Widget,
            Kind::AiAgent => ConfigKind::AiAgent,
            Kind::Space => ConfigKind::Space,
            Kind::Agent => ConfigKind::Agent,
        }
    }

    fn of(kind: ConfigKind) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.config_kind() == kind)
    }

    /// The states in which a conversation depends on a record of this kind.
    pub fn states(self) -> &'static [ConversationState] {
        use ConversationState::{Ai, Live, Queued};
        match self {
            Kind::Experience | Kind::Widget => &[Ai, Queued, Live],
            Kind::AiAgent => &[Ai],
            Kind::Space => &[Queued, Live],
            Kind::Agent => &[Live],
        }
    }
}

/// One record a conversation refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    pub kind: Kind,
    pub id: String,
}

impl Reference {
    pub fn new(kind: Kind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
        }
    }

    /// The reference a configuration key names, for the kinds conversations
    /// refer to.
    pub fn of_key(key: &str) -> Option<Self> {
        let key = ConfigKey::parse(key)?;
        Some(Self::new(Kind::of(key.kind)?, key.id))
    }

    /// Its key in the configuration bucket.
    pub fn key(&self) -> String {
        ConfigKey::new(self.kind.config_kind(), &self.id).to_key()
    }
}

/// What `info` depends on in its current state (nothing once it ended).
pub fn dependencies(info: &ConversationInfo) -> Vec<Reference> {
    let state = info.state();
    let ids = [
        (Kind::Experience, &info.experience),
        (Kind::Widget, &info.widget),
        (Kind::AiAgent, &info.ai_agent),
        (Kind::Space, &info.routed_space),
        (Kind::Agent, &info.assignee),
    ];
    ids.into_iter()
        .filter(|(kind, id)| !id.is_empty() && kind.states().contains(&state))
        .map(|(kind, id)| Reference::new(kind, id.as_str()))
        .collect()
}

/// The first record `info` depends on that `deleted` says is gone.
pub fn orphaned_by(
    info: &ConversationInfo,
    deleted: impl Fn(&Reference) -> bool,
) -> Option<Reference> {
    dependencies(info).into_iter().find(|r| deleted(r))
}

/// The text the customer is shown: the experience's fallback message, or
/// the default one when it has none or is itself gone.
pub fn fallback_text(experience: Option<&Experience>) -> String {
    experience
        .map(|e| e.fallback_message.trim())
        .filter(|text| !text.is_empty())
        .unwrap_or(DEFAULT_FALLBACK)
        .to_owned()
}

/// The id of the command that ends an orphaned conversation: one per
/// conversation, so every instance and every repeated sweep asks for the
/// same end and the stream and the store keep one.
pub fn command_id(conversation: &str) -> String {
    format!("orphan:{conversation}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: ConversationState) -> ConversationInfo {
        ConversationInfo {
            id: "c1".into(),
            state: state as i32,
            experience: "e".into(),
            widget: "w".into(),
            ai_agent: "a".into(),
            routed_space: "s".into(),
            assignee: "h".into(),
            ..Default::default()
        }
    }

    fn kinds(info: &ConversationInfo) -> Vec<Kind> {
        dependencies(info).into_iter().map(|r| r.kind).collect()
    }

    #[test]
    fn each_state_depends_on_what_it_uses() {
        use Kind::*;
        assert_eq!(
            kinds(&info(ConversationState::Ai)),
            [Experience, Widget, AiAgent]
        );
        assert_eq!(
            kinds(&info(ConversationState::Queued)),
            [Experience, Widget, Space]
        );
        assert_eq!(
            kinds(&info(ConversationState::Live)),
            [Experience, Widget, Space, Agent]
        );
        assert!(kinds(&info(ConversationState::Ended)).is_empty());
        let mut bare = info(ConversationState::Live);
        bare.routed_space.clear();
        bare.widget.clear();
        assert_eq!(kinds(&bare), [Experience, Agent]);
    }

    #[test]
    fn a_conversation_is_orphaned_only_by_what_it_depends_on_now() {
        let gone = |id: &'static str| move |r: &Reference| r.id == id;
        let queued = info(ConversationState::Queued);
        assert_eq!(
            orphaned_by(&queued, gone("s")),
            Some(Reference::new(Kind::Space, "s"))
        );
        assert_eq!(orphaned_by(&queued, gone("h")), None, "not live yet");
        assert_eq!(orphaned_by(&queued, gone("a")), None, "the AI is done");
        assert_eq!(
            orphaned_by(&info(ConversationState::Ai), gone("a")),
            Some(Reference::new(Kind::AiAgent, "a"))
        );
        assert_eq!(orphaned_by(&info(ConversationState::Ai), gone("s")), None);
        assert_eq!(
            orphaned_by(&info(ConversationState::Ended), gone("e")),
            None
        );
    }

    #[test]
    fn references_round_trip_through_their_keys() {
        for kind in Kind::ALL {
            let reference = Reference::new(kind, "0190a0b0-0000-7000-8000-000000000001");
            assert_eq!(Reference::of_key(&reference.key()), Some(reference));
        }
        assert_eq!(Reference::of_key("tenant.t1"), None);
        assert_eq!(Reference::of_key("token.ab12"), None);
    }

    #[test]
    fn the_fallback_is_the_experiences_own_or_the_default() {
        let with = |text: &str| Experience {
            fallback_message: text.into(),
            ..Default::default()
        };
        assert_eq!(fallback_text(Some(&with("Mail us."))), "Mail us.");
        assert_eq!(fallback_text(Some(&with("  "))), DEFAULT_FALLBACK);
        assert_eq!(fallback_text(None), DEFAULT_FALLBACK);
        assert_eq!(command_id("c1"), "orphan:c1");
    }
}
