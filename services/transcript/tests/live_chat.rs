//! Live chat through the transcript service on a real nats-server: handoff
//! and the sign-in rule, conversations that open in the queue, the router's
//! accept and return, and ends with a fallback notice. Commands go in on
//! `SB_COMMANDS`; the tests await the events as a gateway would.

mod support;

use futures::TryStreamExt;
use support::commands::{
    ada, anonymous, assign, end_with_fallback, handoff, identify, open, return_to_ai,
};
use support::{Harness, added, query, rejected, state_changed};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::filter;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationState, EndReason, SupportMode};

const AI: ConversationState = ConversationState::Ai;
const QUEUED: ConversationState = ConversationState::Queued;
const LIVE: ConversationState = ConversationState::Live;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_handoff_asks_for_sign_in_and_signing_in_queues_it() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(
        t,
        c,
        anonymous(),
        AI,
        SupportMode::AiAndTeam,
        "My parcel is late",
    );
    harness.send(&opening, "open").await;
    events.next_message().await;

    harness.send(&handoff(t, c, "h1", ""), "h1").await;
    let asked = events.next().await;
    let notice = added(&asked);
    assert_eq!(notice.notice, "sign_in_required");
    assert_eq!(
        notice.text,
        "Please sign in so we can connect you with a person."
    );
    let info = asked.info.expect("info");
    assert_eq!(info.state(), AI, "the AI keeps the conversation meanwhile");
    assert!(info.handoff_pending);

    harness.send(&identify(t, c, "i1", ada()), "i1").await;
    let identified = events.next().await;
    assert!(matches!(identified.event, Some(Event::Identified(_))));
    let customer = identified.info.expect("info").customer.expect("customer");
    assert!(customer.signed_in);
    assert_eq!(customer.key, "user:ada");
    let queued = events.next().await;
    let change = state_changed(&queued);
    assert_eq!((change.from(), change.to()), (AI, QUEUED));
    let info = queued.info.expect("info");
    assert_eq!(info.summary, "My parcel is late");
    assert_eq!(info.handoff_reason, "customer_asked");
    assert!(!info.handoff_pending);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_handoff_queues_with_its_summary() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(t, c, ada(), AI, SupportMode::AiAndTeam, "Hello");
    harness.send(&opening, "open").await;
    events.next_message().await;

    harness
        .send(&handoff(t, c, "h1", "Refund for order 42"), "h1")
        .await;
    let queued = events.next().await;
    let change = state_changed(&queued);
    assert_eq!((change.from(), change.to()), (AI, QUEUED));
    let info = queued.info.expect("info");
    assert_eq!(info.summary, "Refund for order 42");
    assert_eq!(info.routed_space, "0190a0b0-0000-7000-8000-00000000005a");
    let page = harness.read(t, query(t, c)).await;
    assert_eq!(page.info.expect("info").state(), QUEUED);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_team_conversation_opens_queued_with_its_first_message_as_summary() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(
        t,
        c,
        ada(),
        QUEUED,
        SupportMode::SupportTeam,
        "Help with my invoice",
    );
    harness.send(&opening, "open").await;

    let opened = events.next().await;
    let change = state_changed(&opened);
    assert_eq!(
        (change.from(), change.to()),
        (ConversationState::Unspecified, QUEUED)
    );
    let info = opened.info.expect("info");
    assert_eq!(info.summary, "Help with my invoice");
    assert_eq!(info.handoff_reason, "support_team");
    assert_eq!(info.support_mode(), SupportMode::SupportTeam);
    assert_eq!(added(&events.next().await).seq, 1);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accept_makes_it_live_and_a_second_agents_accept_is_rejected_with_conflict() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(t, c, ada(), QUEUED, SupportMode::SupportTeam, "Hi");
    harness.send(&opening, "open").await;
    events.next_message().await;

    harness
        .send(&assign(t, c, "a1", "agent-1", "Grace"), "a1")
        .await;
    let joined = added(&events.next().await);
    assert_eq!(
        (joined.notice.as_str(), joined.text.as_str()),
        ("agent_joined", "Grace joined the chat")
    );
    let live = events.next().await;
    let change = state_changed(&live);
    assert_eq!((change.from(), change.to()), (QUEUED, LIVE));
    let info = live.info.expect("info");
    assert_eq!(
        (info.assignee.as_str(), info.assignee_name.as_str()),
        ("agent-1", "Grace")
    );

    let late = assign(t, c, "a2", "agent-2", "Linus");
    harness.send(&late, "a2").await;
    let refusal = rejected(&events.next().await);
    assert_eq!(
        (refusal.code.as_str(), refusal.command_id.as_str()),
        ("conflict", "a2")
    );
    let page = harness.read(t, query(t, c)).await;
    assert_eq!(page.info.expect("info").assignee, "agent-1");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_to_the_ai_shows_the_fallback_then_hands_back_to_the_ai() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness
        .send(&open(t, c, ada(), AI, SupportMode::AiAndTeam, "Hi"), "open")
        .await;
    events.next_message().await;
    harness.send(&handoff(t, c, "h1", ""), "h1").await;
    events.next().await;

    let back = return_to_ai(t, c, "r1", "Nobody is free; email help@example.com.");
    harness.send(&back, "r1").await;
    let fallback = added(&events.next().await);
    assert_eq!(fallback.notice, "fallback");
    assert_eq!(fallback.text, "Nobody is free; email help@example.com.");
    let change = state_changed(&events.next().await);
    assert_eq!((change.from(), change.to()), (QUEUED, AI));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_end_with_fallback_text_stores_the_notice_then_ends() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(t, c, ada(), QUEUED, SupportMode::SupportTeam, "Hi");
    harness.send(&opening, "open").await;
    events.next_message().await;

    let end = end_with_fallback(
        t,
        c,
        "e1",
        EndReason::AcceptTimeout,
        "Nobody could take your chat. Email help@example.com.",
    );
    harness.send(&end, "e1").await;
    let fallback = added(&events.next().await);
    assert_eq!((fallback.seq, fallback.notice.as_str()), (2, "fallback"));
    let ended = events.next().await;
    let change = state_changed(&ended);
    assert_eq!(
        (change.from(), change.to(), change.reason()),
        (QUEUED, ConversationState::Ended, EndReason::AcceptTimeout)
    );
    assert_eq!(ended.info.expect("info").last_seq, 2);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_delivered_twice_leaves_one_notice_and_one_set_of_events() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let opening = open(t, c, anonymous(), AI, SupportMode::AiAndTeam, "Hi");
    harness.send(&opening, "open").await;
    events.next_message().await;

    // Two gateways, two message ids: the stream keeps both commands, and
    // the transcript's outcome record is what makes the second a replay.
    let request = handoff(t, c, "h1", "");
    harness.send(&request, "gateway-a:h1").await;
    harness.send(&request, "gateway-b:h1").await;
    let first = events.next().await;
    let second = events.next().await;
    assert_eq!(first, second, "the replay republishes the same event");
    let page = harness.read(t, query(t, c)).await;
    assert_eq!(page.messages.len(), 2, "one sign-in notice");

    let stream = harness
        .bus
        .js
        .get_stream(streams::EVENTS)
        .await
        .expect("events stream");
    let mut counts = stream
        .info_with_subjects(filter::conversation_events(t, c))
        .await
        .expect("counts");
    // One subject per event kind: the conversation's events are their sum.
    let mut count = 0;
    while let Some((_, n)) = counts.try_next().await.expect("count") {
        count += n;
    }
    assert_eq!(count, 3, "open, the message, the notice — each stored once");
    harness.stop().await;
}
