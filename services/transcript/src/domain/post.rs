//! The rules a post must meet before it is appended.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{
    Author, ConversationInfo, ConversationStart, ConversationState, EndConversation, EndReason,
    PostMessage, Role,
};

use super::{MAX_CLIENT_ID_CHARS, MAX_TEXT_CHARS, invalid};
use crate::error::Refusal;

/// A validated post, ready to store (see [`validate_post`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub tenant: TenantId,
    pub conversation: ConversationId,
    pub author: Author,
    pub text: String,
    /// The sender's idempotency key, if it has one.
    pub client_id: Option<String>,
    /// The command that posts it: the idempotency key of a post without a
    /// client id.
    pub command_id: String,
    /// Present when this post may open the conversation.
    pub start: Option<ConversationStart>,
    /// When the message is stored (epoch ms).
    pub at_ms: i64,
}

/// Checks a post and turns it into what the store appends.
pub fn validate_post(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    post: PostMessage,
    at_ms: i64,
) -> Result<NewMessage, Refusal> {
    let author = post
        .author
        .filter(|a| a.role() != Role::Unspecified)
        .ok_or_else(|| invalid("post.author.role must be customer, ai, agent or system"))?;
    let chars = post.text.chars().count();
    if post.text.trim().is_empty() {
        return Err(invalid("post.text must not be empty"));
    }
    if chars > MAX_TEXT_CHARS {
        return Err(invalid(&format!(
            "post.text has {chars} characters; at most {MAX_TEXT_CHARS} are allowed"
        )));
    }
    if post.client_id.chars().count() > MAX_CLIENT_ID_CHARS {
        return Err(invalid(&format!(
            "post.client_id is longer than {MAX_CLIENT_ID_CHARS} characters"
        )));
    }
    if let Some(start) = &post.start
        && !matches!(
            start.initial_state(),
            ConversationState::Ai | ConversationState::Queued | ConversationState::Live
        )
    {
        return Err(invalid(
            "post.start.initial_state must be ai, queued or live",
        ));
    }
    Ok(NewMessage {
        tenant,
        conversation,
        author,
        text: post.text,
        client_id: Some(post.client_id).filter(|c| !c.is_empty()),
        command_id: command_id.to_owned(),
        start: post.start,
        at_ms,
    })
}

/// An agent may post only into a live conversation assigned to them. The
/// gateway checks this too, but the owner of the thread does not trust the
/// sender: a forged or stale command is refused here, nothing stored. Other
/// authors are not the assignee's business.
pub fn check_author(info: &ConversationInfo, author: &Author) -> Result<(), Refusal> {
    if author.role() != Role::Agent {
        return Ok(());
    }
    if info.state() != ConversationState::Live {
        return Err(Refusal::NotAssignee(format!(
            "post.author: agent `{}` cannot post here: the conversation is not live with an agent",
            author.id
        )));
    }
    if author.id.is_empty() || author.id != info.assignee {
        return Err(Refusal::NotAssignee(format!(
            "post.author: agent `{}` is not the conversation's assignee",
            author.id
        )));
    }
    Ok(())
}

/// The reason an end command carries, which must be a real one.
pub fn end_reason(end: &EndConversation) -> Result<EndReason, Refusal> {
    match end.reason() {
        EndReason::Unspecified => Err(invalid(
            "end.reason must be customer_ended, agent_ended, inactivity, accept_timeout or no_agents_available",
        )),
        reason => Ok(reason),
    }
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::{Author, ConversationStart};

    use super::*;

    fn post(text: &str) -> PostMessage {
        PostMessage {
            author: Some(Author {
                role: Role::Customer as i32,
                id: "user:ada".into(),
                name: "Ada".into(),
            }),
            text: text.into(),
            client_id: "c-1".into(),
            start: None,
        }
    }

    fn check(post: PostMessage) -> Result<NewMessage, Refusal> {
        validate_post(TenantId::new(), ConversationId::new(), "cmd-1", post, 1_000)
    }

    #[test]
    fn a_normal_post_becomes_a_new_message() {
        let message = check(post("hello")).unwrap();
        assert_eq!(message.text, "hello");
        assert_eq!(message.client_id.as_deref(), Some("c-1"));
        assert_eq!(message.at_ms, 1_000);
    }

    #[test]
    fn an_empty_client_id_means_none() {
        let mut p = post("hi");
        p.client_id.clear();
        assert_eq!(check(p).unwrap().client_id, None);
    }

    #[test]
    fn blank_and_oversized_text_is_refused_naming_the_field() {
        assert!(
            check(post("  \n"))
                .unwrap_err()
                .to_string()
                .contains("post.text")
        );
        let long = "é".repeat(MAX_TEXT_CHARS + 1);
        assert!(check(post(&long)).unwrap_err().to_string().contains("4000"));
        assert!(check(post(&"é".repeat(MAX_TEXT_CHARS))).is_ok());
    }

    #[test]
    fn a_post_without_an_author_role_is_refused() {
        let mut p = post("hi");
        p.author = None;
        assert_eq!(check(p).unwrap_err().code(), "invalid");
    }

    #[test]
    fn a_start_must_name_a_live_initial_state() {
        let mut p = post("hi");
        p.start = Some(ConversationStart::default());
        assert!(
            check(p.clone())
                .unwrap_err()
                .to_string()
                .contains("initial_state")
        );
        p.start = Some(ConversationStart {
            initial_state: ConversationState::Ended as i32,
            ..Default::default()
        });
        assert!(check(p.clone()).is_err());
        p.start = Some(ConversationStart {
            initial_state: ConversationState::Queued as i32,
            ..Default::default()
        });
        assert!(check(p).is_ok());
    }

    fn live_with(assignee: &str) -> ConversationInfo {
        ConversationInfo {
            state: ConversationState::Live as i32,
            assignee: assignee.into(),
            ..Default::default()
        }
    }

    fn agent(id: &str) -> Author {
        Author {
            role: Role::Agent as i32,
            id: id.into(),
            name: "Grace".into(),
        }
    }

    #[test]
    fn only_the_assignee_may_post_as_an_agent() {
        assert_eq!(check_author(&live_with("h1"), &agent("h1")), Ok(()));
        let other = check_author(&live_with("h1"), &agent("h2")).unwrap_err();
        assert_eq!(other.code(), "forbidden");
        assert!(
            other
                .to_string()
                .contains("`h2` is not the conversation's assignee")
        );
        assert!(
            check_author(&live_with(""), &agent("")).is_err(),
            "nobody holds it"
        );
        let mut queued = live_with("h1");
        queued.state = ConversationState::Queued as i32;
        assert!(
            check_author(&queued, &agent("h1"))
                .unwrap_err()
                .to_string()
                .contains("not live")
        );
    }

    #[test]
    fn customers_the_ai_and_the_system_are_not_held_to_the_assignee() {
        let queued = ConversationInfo {
            state: ConversationState::Queued as i32,
            ..Default::default()
        };
        for role in [Role::Customer, Role::Ai, Role::System] {
            let author = Author {
                role: role as i32,
                ..Default::default()
            };
            assert_eq!(check_author(&queued, &author), Ok(()));
            assert_eq!(check_author(&live_with("h1"), &author), Ok(()));
        }
    }

    #[test]
    fn an_end_needs_a_reason() {
        assert!(end_reason(&EndConversation::default()).is_err());
        let end = EndConversation {
            reason: EndReason::Inactivity as i32,
            ..Default::default()
        };
        assert_eq!(end_reason(&end), Ok(EndReason::Inactivity));
    }
}
