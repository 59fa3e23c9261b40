//! What a new work item says, from the conversation as it was handed over:
//! the summary (the customer's request) and the description (the AI part of
//! the thread and the handoff reason). Plain functions; the thread is read
//! by the caller.

use switchboard_contracts::ids::{ConversationId, SpaceId, TenantId};
use switchboard_contracts::v1::{ChatMessage, ConversationInfo, Customer, Role};
use time::OffsetDateTime;
use time::macros::format_description;

/// Longest summary kept; a longer request is cut at a character boundary.
pub const SUMMARY_MAX_CHARS: usize = 200;

/// A work item about to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkItem {
    pub tenant: TenantId,
    pub space: SpaceId,
    pub conversation: ConversationId,
    pub summary: String,
    pub description: String,
    pub reporter: Customer,
    pub at_ms: i64,
}

/// Why no item can be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("the event carries no conversation info")]
    NoInfo,
    #[error("the conversation has no routed space (`{0}`), so no space can hold its work item")]
    NoRoutedSpace(String),
}

/// The item for a conversation handed to its routed space. `handoff_seq` is
/// the seq of the last message before the handoff (`info.last_seq` on the
/// →queued event): later messages are not the AI part.
pub fn compose(
    tenant: TenantId,
    conversation: ConversationId,
    info: Option<&ConversationInfo>,
    thread: &[ChatMessage],
    handoff_seq: u64,
    at_ms: i64,
) -> Result<NewWorkItem, ComposeError> {
    let info = info.ok_or(ComposeError::NoInfo)?;
    let space: SpaceId = info
        .routed_space
        .parse()
        .map_err(|_| ComposeError::NoRoutedSpace(info.routed_space.chars().take(64).collect()))?;
    let reporter = info.customer.clone().unwrap_or_default();
    Ok(NewWorkItem {
        tenant,
        space,
        conversation,
        summary: summary(info, thread, &reporter),
        description: description(thread, handoff_seq, &info.handoff_reason),
        reporter,
        at_ms,
    })
}

/// The handoff summary, else the customer's first message, else who it is.
fn summary(info: &ConversationInfo, thread: &[ChatMessage], reporter: &Customer) -> String {
    let request = Some(info.summary.trim())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            thread
                .iter()
                .find(|m| role(m) == Role::Customer)
                .map(|m| m.text.trim())
                .filter(|t| !t.is_empty())
        });
    match request {
        Some(text) => cut(text, SUMMARY_MAX_CHARS),
        None if !reporter.name.is_empty() => format!("Chat with {}", reporter.name),
        None => "Chat conversation".to_owned(),
    }
}

/// The AI part of the thread (customer and AI messages up to `handoff_seq`,
/// stopping at the first agent message) and the handoff reason.
pub fn description(thread: &[ChatMessage], handoff_seq: u64, reason: &str) -> String {
    let ai_part: Vec<&ChatMessage> = thread
        .iter()
        .filter(|m| m.seq <= handoff_seq)
        .take_while(|m| role(m) != Role::Agent)
        .filter(|m| matches!(role(m), Role::Customer | Role::Ai))
        .collect();
    let mut text = if ai_part.is_empty() {
        "No AI conversation before the handoff: the customer wrote to the support team directly."
            .to_owned()
    } else {
        let mut text = "AI conversation before the handoff:".to_owned();
        for message in ai_part {
            text.push('\n');
            text.push_str(&line(message));
        }
        text
    };
    if !reason.trim().is_empty() {
        text.push_str("\n\nHandoff reason: ");
        text.push_str(reason.trim());
    }
    text
}

/// `[2025-11-25 10:00:00 UTC] Ada: text`
fn line(message: &ChatMessage) -> String {
    let author = message.author.as_ref();
    let name = author
        .map(|a| a.name.as_str())
        .filter(|n| !n.is_empty())
        .unwrap_or(match role(message) {
            Role::Ai => "AI agent",
            _ => "Customer",
        });
    format!("[{}] {name}: {}", timestamp(message.at_ms), message.text)
}

fn role(message: &ChatMessage) -> Role {
    message
        .author
        .as_ref()
        .map(|a| a.role())
        .unwrap_or(Role::Unspecified)
}

fn timestamp(at_ms: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| format!("{at_ms} ms"))
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
    }
}

#[cfg(test)]
mod tests;
