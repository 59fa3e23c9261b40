//! External AI agents: requests out, replies and handoff requests in, and the
//! checks that keep a platform inside its tenant and its conversations.

use switchboard_contracts::ids::{AiAgentId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{
    AiKind, AiReply, ConversationState, HandoffRequest, Role, SupportMode,
};

use crate::harness::{Bridge, NEXT_STEPS};
use crate::observe::{Seen, handoffs};

#[tokio::test]
async fn an_external_agent_gets_the_request_and_its_reply_is_posted() {
    let bridge = Bridge::start(AiKind::External, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    bridge.add_message(conversation, Role::Customer, "Hi");
    bridge.add_message(conversation, Role::Ai, "Hello! How can I help?");
    let message = bridge
        .customer_says(conversation, "Where is my order?")
        .await;

    let (subject, request) = bridge
        .wait_for("an AiRequest", |seen| {
            seen.iter().find_map(|s| match s {
                Seen::AiRequest { subject, request } => Some((subject.clone(), request.clone())),
                _ => None,
            })
        })
        .await;
    let agent: AiAgentId = bridge.agent.id.parse().unwrap();
    assert_eq!(subject, subjects::ai_request(bridge.tenant, agent));
    assert_eq!(request.request_id, message.id);
    assert_eq!(request.conversation, conversation.to_string());
    assert_eq!(request.message.as_ref(), Some(&message));
    let thread: Vec<&str> = request.transcript.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        thread,
        ["Hi", "Hello! How can I help?", "Where is my order?"]
    );
    assert!(
        bridge.posts(conversation).is_empty(),
        "the built-in agent stays quiet"
    );

    let reply = AiReply {
        tenant: bridge.tenant.to_string(),
        conversation: conversation.to_string(),
        text: "It ships tomorrow.".into(),
        request_id: request.request_id.clone(),
    };
    bridge
        .bus
        .publish_durable(subjects::ai_reply(bridge.tenant), "reply-1", &reply)
        .await
        .unwrap();
    let (_, post) = bridge
        .post_with(conversation, &format!("ai:{}", message.id))
        .await;
    assert_eq!(post.text, "It ships tomorrow.");
    let author = post.author.unwrap();
    assert_eq!(
        (author.role(), author.id),
        (Role::Ai, bridge.agent.id.clone())
    );
    bridge
        .wait_for("typing off after the reply", |seen| {
            seen.iter()
                .rev()
                .find_map(|s| match s {
                    Seen::Typing(t) => Some(!t.on),
                    _ => None,
                })
                .filter(|off| *off)
        })
        .await;
}

#[tokio::test]
async fn a_reply_published_for_another_tenant_is_parked_and_posts_nothing() {
    let bridge = Bridge::start(AiKind::External, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let intruder = TenantId::new();
    let reply = |request_id: &str| AiReply {
        tenant: bridge.tenant.to_string(),
        conversation: conversation.to_string(),
        text: "I am writing into someone else's chat.".into(),
        request_id: request_id.into(),
    };
    bridge
        .bus
        .publish_durable(subjects::ai_reply(intruder), "reply-x", &reply("x"))
        .await
        .unwrap();

    let reason = bridge
        .wait_for("the reply parked", |seen| {
            seen.iter().find_map(|s| match s {
                Seen::Parked { subject, reason }
                    if subject.ends_with("SB_AI.ai-bridge-replies") =>
                {
                    Some(reason.clone())
                }
                _ => None,
            })
        })
        .await;
    assert!(reason.contains("tenant"), "reason: {reason}");
    assert!(bridge.posts(conversation).is_empty());

    // The tenant's own subject still works.
    bridge
        .bus
        .publish_durable(subjects::ai_reply(bridge.tenant), "reply-y", &reply("y"))
        .await
        .unwrap();
    bridge.post_with(conversation, "ai:y").await;
    assert_eq!(bridge.posts(conversation).len(), 1);
}

#[tokio::test]
async fn a_reply_for_a_conversation_that_moved_on_is_dropped() {
    let bridge = Bridge::start(AiKind::External, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let publish = |request_id: &'static str| {
        let reply = AiReply {
            tenant: bridge.tenant.to_string(),
            conversation: conversation.to_string(),
            text: format!("reply {request_id}"),
            request_id: request_id.into(),
        };
        let bus = bridge.bus.clone();
        let subject = subjects::ai_reply(bridge.tenant);
        async move {
            bus.publish_durable(subject, request_id, &reply)
                .await
                .unwrap()
        }
    };
    bridge.set_state(conversation, ConversationState::Live);
    publish("late").await;
    // The bridge reads the conversation before posting; once it has read it
    // as live, the late reply's fate is sealed.
    bridge
        .wait_for("the conversation read", |_| {
            (bridge.queries_answered() == 1).then_some(())
        })
        .await;
    bridge.set_state(conversation, ConversationState::Ai);
    publish("fresh").await;
    bridge.post_with(conversation, "ai:fresh").await;
    let posts = bridge.posts(conversation);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1.text, "reply fresh");
}

#[tokio::test]
async fn a_platform_handoff_in_ai_agent_mode_gets_the_next_steps() {
    let bridge = Bridge::start(AiKind::External, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let request = HandoffRequest {
        tenant: bridge.tenant.to_string(),
        conversation: conversation.to_string(),
        reason: "customer_asked".into(),
        summary: "Wants a refund for order 42".into(),
    };
    bridge
        .bus
        .publish_durable(subjects::ai_handoff(bridge.tenant), "handoff-1", &request)
        .await
        .unwrap();

    let post = bridge
        .wait_for("the next-steps post", |_| {
            bridge.posts(conversation).into_iter().next()
        })
        .await
        .1;
    assert_eq!(post.text, NEXT_STEPS);
    assert!(
        post.client_id.starts_with("aihandoff:"),
        "{}",
        post.client_id
    );
}

#[tokio::test]
async fn a_platform_handoff_in_ai_and_team_mode_asks_the_transcript_to_hand_off() {
    let bridge = Bridge::start(AiKind::External, SupportMode::AiAndTeam).await;
    let conversation = bridge.conversation();
    let request = HandoffRequest {
        tenant: bridge.tenant.to_string(),
        conversation: conversation.to_string(),
        reason: "billing_dispute".into(),
        summary: "Wants a refund for order 42".into(),
    };
    let stored = bridge
        .bus
        .publish_durable(subjects::ai_handoff(bridge.tenant), "handoff-1", &request)
        .await
        .unwrap();

    let (command, handoff) = bridge
        .wait_for("the handoff command", |seen| {
            handoffs(seen, conversation).into_iter().next()
        })
        .await;
    assert_eq!(
        command.command_id,
        format!("handoff:aihandoff:{}", stored.sequence)
    );
    assert_eq!(
        (handoff.reason.as_str(), handoff.summary.as_str()),
        ("billing_dispute", "Wants a refund for order 42")
    );
    assert_eq!(handoff.requested_by(), Role::Ai);
    assert!(
        bridge.posts(conversation).is_empty(),
        "the platform speaks for itself"
    );
}
