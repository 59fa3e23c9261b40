//! The built-in AI agent: knowledge answers, the no-answer text, next steps,
//! typing, idempotency, and what it ignores or parks.

use switchboard_ai_bridge::decision::HANDOFF_TEXT;
use switchboard_ai_bridge::domain::NO_ANSWER_TEXT;
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::{
    AiKind, ConversationState, Role, SupportMode, TypingEvent, conversation_command,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Bridge, NEXT_STEPS, PASSWORD_ANSWER};
use crate::observe::{Seen, handoffs};

#[tokio::test]
async fn a_known_question_gets_the_knowledge_answer_as_the_ai_agent() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let message = bridge
        .customer_says(conversation, "How can I reset my password?")
        .await;

    let client_id = format!("ai:{}", message.id);
    let (command, post) = bridge.post_with(conversation, &client_id).await;
    assert_eq!(
        command.command_id,
        format!("post:{conversation}:{client_id}")
    );
    assert_eq!(command.tenant, bridge.tenant.to_string());
    assert_eq!(post.text, PASSWORD_ANSWER);
    let author = post.author.expect("an author");
    assert_eq!(author.role(), Role::Ai);
    assert_eq!(author.id, bridge.agent.id);
    assert_eq!(author.name, "Sparky");
}

#[tokio::test]
async fn an_unknown_question_gets_the_no_answer_text() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    // Without agent and mode on the conversation, the experience supplies them.
    let mut event = bridge.add_message(
        conversation,
        Role::Customer,
        "Do you sell garden furniture?",
    );
    let info = event.info.as_mut().unwrap();
    info.ai_agent.clear();
    info.support_mode = SupportMode::Unspecified as i32;
    let message = bridge.publish(&event).await;

    let (_, post) = bridge
        .post_with(conversation, &format!("ai:{}", message.id))
        .await;
    assert_eq!(post.text, NO_ANSWER_TEXT);
}

#[tokio::test]
async fn the_same_event_delivered_twice_is_answered_with_one_command_id() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let event = bridge.add_message(conversation, Role::Customer, "What are your opening hours?");
    let message = bridge.publish(&event).await;
    // A second copy under another message id, as a republish after the
    // stream's duplicate window would arrive.
    bridge
        .publish_with_id(&event, &format!("msg:{}:again", message.id))
        .await;

    let posts = bridge
        .wait_for("two answers", |_| {
            let posts = bridge.posts(conversation);
            (posts.len() == 2).then_some(posts)
        })
        .await;
    assert_eq!(posts[0].0.command_id, posts[1].0.command_id);
    assert_eq!(posts[0].1.client_id, format!("ai:{}", message.id));
    assert_eq!(posts[0].1.client_id, posts[1].1.client_id);
    let mut stream = bridge.bus.js.get_stream(streams::COMMANDS).await.unwrap();
    let stored = stream.info().await.unwrap().state.messages;
    assert_eq!(stored, 1, "the commands stream keeps one of the two");
}

#[tokio::test]
async fn a_request_for_a_person_in_ai_agent_mode_gets_the_next_steps() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let message = bridge
        .customer_says(conversation, "I want to talk to a human")
        .await;

    let (_, post) = bridge
        .post_with(conversation, &format!("ai:{}", message.id))
        .await;
    assert_eq!(post.text, NEXT_STEPS);
}

#[tokio::test]
async fn a_request_for_a_person_in_ai_and_team_mode_is_handed_off_after_saying_so() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAndTeam).await;
    let conversation = bridge.conversation();
    let message = bridge
        .customer_says(conversation, "I want to talk to a human")
        .await;

    let (_, post) = bridge
        .post_with(conversation, &format!("ai:{}", message.id))
        .await;
    assert_eq!(post.text, HANDOFF_TEXT);
    let (command, handoff) = bridge
        .wait_for("the handoff command", |seen| {
            handoffs(seen, conversation).into_iter().next()
        })
        .await;
    assert_eq!(command.command_id, format!("handoff:{}", message.id));
    assert_eq!(handoff.reason, "customer_asked");
    assert_eq!(handoff.requested_by(), Role::Ai);
    assert_eq!(
        handoff.summary, "",
        "the transcript takes the customer's first message"
    );
    // The customer is told before the conversation moves.
    let order: Vec<bool> = bridge
        .seen()
        .iter()
        .filter_map(|s| match s {
            Seen::Command(c) => Some(matches!(
                c.command,
                Some(conversation_command::Command::Handoff(_))
            )),
            _ => None,
        })
        .collect();
    assert_eq!(order, [false, true]);
}

#[tokio::test]
async fn the_second_unconfident_answer_in_a_row_hands_off_in_ai_and_team_mode() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAndTeam).await;
    let conversation = bridge.conversation();
    bridge.add_message(conversation, Role::Customer, "Do you sell boats?");
    bridge.add_message(conversation, Role::Ai, NO_ANSWER_TEXT);
    let message = bridge
        .customer_says(conversation, "Do you sell canoes?")
        .await;

    let (command, handoff) = bridge
        .wait_for("the handoff command", |seen| {
            handoffs(seen, conversation).into_iter().next()
        })
        .await;
    assert_eq!(command.command_id, format!("handoff:{}", message.id));
    assert_eq!(handoff.reason, "no_confident_answer");
    let posts = bridge.posts(conversation);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1.text, HANDOFF_TEXT);
}

#[tokio::test]
async fn the_ai_agent_is_typing_from_before_its_answer_until_after_it() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    bridge
        .customer_says(conversation, "How do I get a refund?")
        .await;

    let id = conversation.to_string();
    let order = bridge
        .wait_for("typing on, the answer, typing off", |seen| {
            let order: Vec<String> = seen
                .iter()
                .filter_map(|s| match s {
                    Seen::Typing(t) if t.conversation == id => {
                        Some(format!("typing {}", if t.on { "on" } else { "off" }))
                    }
                    Seen::Command(c) if c.conversation == id => Some("post".to_owned()),
                    _ => None,
                })
                .collect();
            (order.len() == 3).then_some(order)
        })
        .await;
    assert_eq!(order, ["typing on", "post", "typing off"]);
    let typing: Vec<TypingEvent> = bridge
        .seen()
        .into_iter()
        .filter_map(|s| match s {
            Seen::Typing(t) => Some(t),
            _ => None,
        })
        .collect();
    let author = typing[0].author.clone().unwrap();
    assert_eq!((author.role(), author.name.as_str()), (Role::Ai, "Sparky"));
}

#[tokio::test]
async fn messages_outside_state_ai_or_not_from_the_customer_are_never_delivered() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    bridge.set_state(conversation, ConversationState::Queued);
    let queued = bridge.add_message(conversation, Role::Customer, "How do I reset my password?");
    bridge.publish(&queued).await;
    bridge.set_state(conversation, ConversationState::Ai);
    let own = bridge.add_message(conversation, Role::Ai, "How do I reset my password?");
    bridge.publish(&own).await;
    let last = bridge
        .customer_says(conversation, "What are your opening hours?")
        .await;

    // One conversation's events are handled in order: when the last is
    // answered, the two before it were skipped.
    bridge
        .post_with(conversation, &format!("ai:{}", last.id))
        .await;
    let posts = bridge.posts(conversation);
    assert_eq!(posts.len(), 1, "only the last message is answered");
    // The server filtered the other two out: the AI bridge was delivered one
    // message, and had none of the others to ack.
    let mut consumer = bridge
        .bus
        .js
        .get_stream(streams::EVENTS)
        .await
        .unwrap()
        .get_consumer::<async_nats::jetstream::consumer::pull::Config>(
            streams::consumers::AI_BRIDGE_TURNS,
        )
        .await
        .unwrap();
    let info = consumer.info().await.unwrap();
    assert_eq!(info.delivered.consumer_sequence, 1, "{info:?}");
}

#[tokio::test]
async fn a_turn_stored_before_its_consumer_existed_is_answered_when_the_consumer_starts() {
    // As in an upgrade: the transcript service publishes turns before the
    // first ai-bridge that reads them starts, its durable new.
    let mut bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    bridge.stop().await;
    let events = bridge.bus.js.get_stream(streams::EVENTS).await.unwrap();
    // The stopped service may or may not have created its durable yet.
    let _ = events
        .delete_consumer(streams::consumers::AI_BRIDGE_TURNS)
        .await;
    assert!(
        events
            .get_consumer::<async_nats::jetstream::consumer::pull::Config>(
                streams::consumers::AI_BRIDGE_TURNS
            )
            .await
            .is_err(),
        "no durable before the restart"
    );
    let conversation = bridge.conversation();
    let message = bridge
        .customer_says(conversation, "How can I reset my password?")
        .await;

    bridge.restart().await;
    let (_, post) = bridge
        .post_with(conversation, &format!("ai:{}", message.id))
        .await;
    assert_eq!(post.text, PASSWORD_ANSWER);
}

#[tokio::test]
async fn an_undecodable_event_is_parked() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let subject = subjects::event(bridge.tenant, ConversationId::new(), EventKind::Turn);
    bridge
        .bus
        .js
        .publish(subject, vec![0xff, 0xff, 0xff].into())
        .await
        .unwrap()
        .await
        .unwrap();

    bridge
        .wait_for("the event parked", |seen| {
            seen.iter().find(|s| {
                matches!(s, Seen::Parked { subject, reason }
                    if subject.ends_with("SB_EVENTS.ai-bridge-turns") && reason.contains("undecodable"))
            })
            .map(|_| ())
        })
        .await;
}

#[tokio::test]
async fn the_knowledge_index_is_built_once_and_the_service_reports_ready() {
    let bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    for question in [
        "How do I reset my password?",
        "What are your opening hours?",
    ] {
        let conversation = bridge.conversation();
        let message = bridge.customer_says(conversation, question).await;
        bridge
            .post_with(conversation, &format!("ai:{}", message.id))
            .await;
    }

    let metrics = http_get(bridge.health, "/metrics").await;
    assert!(
        metrics.contains("ai_bridge_index_builds_total 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("ai_bridge_answers_total 2\n"), "{metrics}");
    let ready = http_get(bridge.health, "/readyz").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
}

#[tokio::test]
async fn the_service_drains_and_stops_when_told() {
    let mut bridge = Bridge::start(AiKind::Builtin, SupportMode::AiAgent).await;
    let conversation = bridge.conversation();
    let message = bridge
        .customer_says(conversation, "How do I get a refund?")
        .await;
    bridge
        .post_with(conversation, &format!("ai:{}", message.id))
        .await;

    bridge.stop().await;
    let refused = tokio::net::TcpStream::connect(bridge.health).await;
    assert!(
        refused.is_err(),
        "the health endpoint closed with the service"
    );
}

/// A bare HTTP/1.1 GET, enough for the health endpoint.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}
