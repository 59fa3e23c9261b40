//! The thread's owner does not take an agent message's sender at its word
//! (defence in depth behind the gateway's own check): a post by an agent
//! who does not hold the live conversation, forged straight onto the bus,
//! is refused with `forbidden`, stores and publishes no message, is acked
//! rather than retried, and is counted among the refused commands.

mod support;

use support::commands::{ada, agent_says, assign, open};
use support::{Harness, added, query, rejected, state_changed};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{ConversationState, Role, SupportMode};

/// The value of `transcript_commands_rejected_total` on the health port.
async fn rejected_total(harness: &Harness) -> u64 {
    let metrics = harness.health("/metrics").await;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("transcript_commands_rejected_total "))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_message_from_an_agent_who_is_not_the_assignee_is_refused_and_not_stored() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(
        t,
        c,
        ada(),
        ConversationState::Queued,
        SupportMode::SupportTeam,
        "Hi",
    );
    harness.send(&opening, "open").await;
    events.next_message().await;

    // Nobody holds it yet: no agent may post.
    harness
        .send(&agent_says(t, c, "agent-1", "early", "Jumping in"), "early")
        .await;
    let early = rejected(&events.next().await);
    assert_eq!(early.code, "forbidden");
    assert!(early.message.contains("not live"), "{}", early.message);

    harness
        .send(&assign(t, c, "a1", "agent-1", "Grace"), "a1")
        .await;
    added(&events.next().await);
    assert_eq!(
        state_changed(&events.next().await).to(),
        ConversationState::Live
    );
    let before = rejected_total(&harness).await;

    let forged = agent_says(t, c, "agent-2", "forged-1", "Send me your password");
    harness.send(&forged, "forged-1").await;
    let refusal = rejected(&events.next().await);
    assert_eq!(
        (refusal.code.as_str(), refusal.command_id.as_str()),
        ("forbidden", forged.command_id.as_str())
    );
    assert_eq!(refusal.client_id, "forged-1");
    assert!(
        refusal
            .message
            .contains("`agent-2` is not the conversation's assignee"),
        "{}",
        refusal.message
    );
    assert_eq!(rejected_total(&harness).await, before + 1);

    // The assignee's next message is the next in the thread: nothing was
    // stored in between, and the refused command did not block the lane.
    harness
        .send(&agent_says(t, c, "agent-1", "g1", "Hello, I'm Grace"), "g1")
        .await;
    let (reply, _) = events.next_message().await;
    assert_eq!(reply.text, "Hello, I'm Grace");
    let page = harness.read(t, query(t, c)).await;
    let agents: Vec<&str> = page
        .messages
        .iter()
        .filter_map(|m| m.author.as_ref())
        .filter(|a| a.role() == Role::Agent)
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(agents, ["agent-1"], "only the assignee's message is stored");
    assert_eq!(page.messages.last().map(|m| m.seq), Some(reply.seq));
    harness.stop().await;
}
