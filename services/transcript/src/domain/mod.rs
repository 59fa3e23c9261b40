//! The rules of a conversation's life as plain functions: time and the
//! current [`Record`] passed in, a [`Plan`] (or a [`Refusal`]) out, so every
//! rule is tested without a database or a bus. The store applies a plan in
//! one transaction; the handlers publish what it produced.
//!
//! | module | rules |
//! |---|---|
//! | [`batch`] | a batch of posts: seqs, duplicates, refusals, in arrival order |
//! | [`post`] | what a post must be before it is appended; end reasons |
//! | [`plan`] | [`Record`], [`Plan`]: what a command does, as data |
//! | [`handoff`] | handoff and the sign-in rule; identify |
//! | [`team`] | assign (queued → live) and return to the AI (queued → ai) |
//! | [`lifecycle`] | end (with its fallback notice) and plain notices |
//! | [`inactivity`] | the inactivity clock: when to check, warn and end |
//! | [`orphans`] | what a conversation depends on; ending it when that is deleted |

pub mod batch;
pub mod handoff;
pub mod inactivity;
pub mod lifecycle;
pub mod orphans;
pub mod plan;
pub mod post;
pub mod team;

pub use plan::{Effect, Plan, Record, Step};
pub use post::{NewMessage, check_author, end_reason, validate_post};

use crate::error::Refusal;

/// Messages are 1–4,000 characters of text (SPEC §9).
pub const MAX_TEXT_CHARS: usize = 4000;
/// Client ids end up in `Nats-Msg-Id` headers and a unique index: keep them short.
pub const MAX_CLIENT_ID_CHARS: usize = 128;
/// Reasons, notice kinds, names and keys are labels, not prose.
pub const MAX_LABEL_CHARS: usize = 200;

/// The notice kinds the owner itself writes (`ChatMessage.notice`).
pub mod notices {
    pub const SIGN_IN_REQUIRED: &str = "sign_in_required";
    pub const AGENT_JOINED: &str = "agent_joined";
    pub const FALLBACK: &str = "fallback";
}

fn invalid(message: &str) -> Refusal {
    Refusal::Invalid(message.to_owned())
}

/// Refuses `text` in `field` when blank or over [`MAX_TEXT_CHARS`].
fn check_text(field: &str, text: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        return Err(invalid(&format!("{field} must not be empty")));
    }
    check_length(field, text, MAX_TEXT_CHARS)
}

/// Refuses `text` in `field` when over `limit` characters.
fn check_length(field: &str, text: &str, limit: usize) -> Result<(), Refusal> {
    let chars = text.chars().count();
    if chars > limit {
        return Err(invalid(&format!(
            "{field} has {chars} characters; at most {limit} are allowed"
        )));
    }
    Ok(())
}
