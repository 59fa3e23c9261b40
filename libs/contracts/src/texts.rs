//! The default texts customers (and agents) see when nobody configured one:
//! written once here, so the gateway, the router, the transcript service and
//! the AI bridge never say the same thing in different words.
//!
//! The web pages are static files served as they are, so the two texts the
//! customer widget composes itself carry a copy; a test below keeps the copy
//! equal to the text here. The admin console carries none: it reads
//! [`DEFAULTS`] from the API (`GET …/default-texts`).

/// Sent when nobody can take a conversation and the experience has no
/// fallback message of its own.
pub const DEFAULT_FALLBACK: &str = "We couldn't connect you with a person right now. \
     Please try again later or use the contact options on this site.";

/// Sent for a request for a person when the AI agent has no "next steps"
/// message configured (or the edition has no live chat).
pub const DEFAULT_NEXT_STEPS: &str = "I can't connect you to a person here, but you can reach \
     the team through the contact options on this site.";

/// Shown when the customer must sign in before a person can take over.
pub const SIGN_IN_REQUIRED: &str = "Please sign in so we can connect you with a person.";

/// What the AI agent says as it hands the conversation to the team.
pub const HANDOFF: &str = "Let me connect you with a person from our team.";

/// The built-in AI agent's reply when nothing in the knowledge base matches
/// confidently.
pub const NO_ANSWER: &str =
    "I'm not sure I have a good answer to that. Could you rephrase your question?";

/// The inactivity warning; `{time}` is the local time the chat will end.
pub const INACTIVITY_WARNING: &str =
    "This chat is inactive and will end at {time} unless you reply.";

/// Told to an agent whose accept came too late.
pub const NO_LONGER_AVAILABLE: &str = "That conversation is no longer available";

/// The name shown for an agent who has none.
pub const DEFAULT_AGENT_NAME: &str = "An agent";

/// The name shown for an AI agent that has none.
pub const DEFAULT_AI_NAME: &str = "AI agent";

/// The name of a customer who has not signed in.
pub const GUEST_NAME: &str = "Guest";

/// The defaults an admin may replace or sees in place of a setting left
/// empty, each under the name the API serves it by: the setting's own name
/// where there is one (`fallback_message` of an experience, `next_steps` and
/// `handoff.phrase` of an AI agent).
pub const DEFAULTS: &[(&str, &str)] = &[
    ("fallback_message", DEFAULT_FALLBACK),
    ("next_steps", DEFAULT_NEXT_STEPS),
    ("handoff_phrase", HANDOFF),
    ("no_answer", NO_ANSWER),
    ("sign_in_required", SIGN_IN_REQUIRED),
    ("inactivity_warning", INACTIVITY_WARNING),
    ("agent_name", DEFAULT_AGENT_NAME),
    ("ai_agent_name", DEFAULT_AI_NAME),
    ("guest_name", GUEST_NAME),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The widget's English catalogue (its texts are looked up by key).
    const WIDGET_EN: &str = include_str!("../../../web/widget/locales/en.json");

    #[test]
    fn the_widget_composes_the_same_texts() {
        assert!(WIDGET_EN.contains(&format!("\"sign_in_required\": \"{SIGN_IN_REQUIRED}\"")));
        assert!(
            WIDGET_EN.contains(&format!("\"inactive\": \"{INACTIVITY_WARNING}\"")),
            "{INACTIVITY_WARNING}"
        );
    }

    #[test]
    fn texts_are_single_spaced_sentences() {
        for text in [
            DEFAULT_FALLBACK,
            DEFAULT_NEXT_STEPS,
            SIGN_IN_REQUIRED,
            HANDOFF,
            NO_ANSWER,
        ] {
            assert!(!text.contains("  ") && text.ends_with(['.', '?']), "{text}");
        }
    }

    #[test]
    fn every_default_is_served_once_under_a_snake_case_name() {
        let mut names: Vec<&str> = DEFAULTS.iter().map(|(name, _)| *name).collect();
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DEFAULTS.len());
    }
}
