//! Deciding a batch of posts in memory, once their conversations are locked
//! and the messages earlier deliveries stored are known: which post is new
//! (and takes which seq), which is a duplicate of what, which is refused.
//!
//! The rules are the ones a lone post follows, applied in arrival order:
//! a post finds its conversation (created in this batch only from the first
//! post that carries a start on), is a duplicate when its key was stored
//! before or earlier in the batch, is refused on an ended conversation or
//! from an agent who does not hold it, and otherwise takes `last_seq + 1`.
//! So seqs stay gap-free per conversation however posts are batched.

use std::collections::{HashMap, HashSet};

use switchboard_contracts::ids::{ConversationId, MessageId};
use switchboard_contracts::v1::{ChatMessage, ConversationInfo, ConversationState, Role};

use super::{NewMessage, check_author};
use crate::error::Refusal;

#[cfg(test)]
mod tests;

/// What makes a post the same post again: its client id, or for a post
/// without one (a system notice) the command that carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Client(String),
    Command(String),
}

impl Key {
    /// The key of `post`; `None` when it has neither (never a duplicate).
    pub fn of(post: &NewMessage) -> Option<Key> {
        match &post.client_id {
            Some(client_id) => Some(Key::Client(client_id.clone())),
            None if !post.command_id.is_empty() => Some(Key::Command(post.command_id.clone())),
            None => None,
        }
    }
}

/// What the store knows before deciding, read under the conversations' locks.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The batch's conversations that exist, as stored.
    pub conversations: HashMap<ConversationId, ConversationInfo>,
    /// Conversations this batch created: absent for the posts before the
    /// first one that carries a start.
    pub created: HashSet<ConversationId>,
    /// Messages stored earlier under one of the batch's keys.
    pub stored: HashMap<(ConversationId, Key), ChatMessage>,
}

/// The fate of one post.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Store it with the seq it carries; the conversation as it then stands.
    New(ChatMessage, ConversationInfo),
    /// Stored before (or earlier in this batch); nothing changes.
    Duplicate(ChatMessage, ConversationInfo),
    Refused(Refusal),
}

/// Decides every post of the batch, in order (see the module comment).
pub fn decide(posts: &[NewMessage], known: Known) -> Vec<Decision> {
    let Known {
        mut conversations,
        mut created,
        mut stored,
    } = known;
    let mut decisions = Vec::with_capacity(posts.len());
    for post in posts {
        if post.start.is_some() {
            created.remove(&post.conversation);
        }
        let info = conversations
            .get_mut(&post.conversation)
            .filter(|info| info.tenant == post.tenant.to_string())
            .filter(|_| !created.contains(&post.conversation));
        let Some(info) = info else {
            decisions.push(Decision::Refused(Refusal::ConversationNotFound));
            continue;
        };
        let key = Key::of(post).map(|key| (post.conversation, key));
        if let Some(message) = key.as_ref().and_then(|key| stored.get(key)) {
            decisions.push(Decision::Duplicate(message.clone(), info.clone()));
            continue;
        }
        if info.state() == ConversationState::Ended {
            decisions.push(Decision::Refused(Refusal::ConversationEnded));
            continue;
        }
        if let Err(refusal) = check_author(info, &post.author) {
            decisions.push(Decision::Refused(refusal));
            continue;
        }
        info.last_seq += 1;
        // A message from the customer, the AI or an agent is activity; a
        // system message is not (SPEC §4: only the two sides' messages).
        if post.author.role() != Role::System {
            info.last_activity_ms = post.at_ms;
        }
        let message = ChatMessage {
            id: MessageId::new().to_string(),
            tenant: post.tenant.to_string(),
            conversation: post.conversation.to_string(),
            seq: info.last_seq,
            author: Some(post.author.clone()),
            text: post.text.clone(),
            at_ms: post.at_ms,
            client_id: post.client_id.clone().unwrap_or_default(),
            notice: String::new(),
        };
        if let Some(key) = key {
            stored.insert(key, message.clone());
        }
        decisions.push(Decision::New(message, info.clone()));
    }
    decisions
}
