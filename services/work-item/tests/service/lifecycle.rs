//! How conversation events make, assign and complete work items.

use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::v1::{ConversationState, EndReason, Role, SupportMode};

use switchboard_testkit::eventually;

use crate::support::{Chat, Harness, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_opens_one_item_in_the_routed_space_with_the_ai_part_as_description() {
    let harness = Harness::start().await;
    assert!(harness.health("/readyz").await.starts_with("HTTP/1.1 200"));
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", "My invoice is wrong")
        .say(Role::Ai, "Helper", "Invoices are sent monthly.")
        .say(Role::Customer, "Ada", "I want a person");
    chat.hand_off(&harness, "", "customer asked for a person", "queued")
        .await;

    let item = harness.item_where(&chat, |_| true).await;
    assert_eq!(item.space, chat.space.to_string());
    assert_eq!(item.status, "open");
    assert_eq!(
        item.summary, "My invoice is wrong",
        "the first customer message"
    );
    let reporter = item.reporter.clone().expect("a reporter");
    assert_eq!(
        (reporter.key.as_str(), reporter.name.as_str()),
        ("user:ada", "Ada")
    );
    assert_eq!(
        item.description,
        "AI conversation before the handoff:\n\
         [2025-11-25 10:00:01 UTC] Ada: My invoice is wrong\n\
         [2025-11-25 10:00:02 UTC] Helper: Invoices are sent monthly.\n\
         [2025-11-25 10:00:03 UTC] Ada: I want a person\n\
         \n\
         Handoff reason: customer asked for a person"
    );
    assert!(item.assignee.is_empty() && item.transcript.is_empty());
    assert_eq!(item.created_at_ms, 1_764_064_900_000, "the handoff's time");
    assert_eq!(
        harness
            .counter_reaches("work_item_items_created_total", 1)
            .await,
        1
    );
    let metrics = harness.health("/metrics").await;
    assert!(
        metrics.contains("work_item_items_created_total 1"),
        "{metrics}"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_handoff_and_a_second_handoff_keep_the_first_item() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", "Where is my parcel?");
    chat.hand_off(
        &harness,
        "Parcel is late",
        "no confident answer",
        "queued-1",
    )
    .await;
    // The same event again under another id: the stream keeps both copies,
    // as after a publisher retry past the duplicate window.
    chat.hand_off(
        &harness,
        "Parcel is late",
        "no confident answer",
        "queued-1-again",
    )
    .await;
    // Nobody was available: back to the AI, and later a second handoff.
    use ConversationState::*;
    chat.change(&harness, Queued, Ai, "back-to-ai").await;
    chat.say(Role::Customer, "Ada", "Still nothing, a person please");
    chat.hand_off(&harness, "Second request", "customer asked", "queued-2")
        .await;
    harness.handled(4).await;

    let items = harness.list(chat.tenant).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0].summary, "Parcel is late",
        "the first handoff's item stays"
    );
    assert!(
        items[0]
            .description
            .ends_with("Handoff reason: no confident answer")
    );
    assert_eq!(
        harness
            .counter_reaches("work_item_items_created_total", 1)
            .await,
        1
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_assigns_the_item_and_ending_attaches_the_transcript_but_leaves_it_open() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", "My invoice is wrong").say(
        Role::Ai,
        "Helper",
        "Let me get a person.",
    );
    chat.hand_off(&harness, "Invoice 42", "customer asked", "queued")
        .await;
    let agent = AgentId::new();
    chat.say(Role::System, "", "Grace joined");
    chat.accept(&harness, agent, "Grace").await;
    let assigned = harness.item_where(&chat, |i| !i.assignee.is_empty()).await;
    assert_eq!(assigned.assignee, agent.to_string());
    assert_eq!(assigned.assignee_name, "Grace");
    assert_eq!(assigned.status, "open", "an agent moves it, not the accept");

    chat.say(Role::Agent, "Grace", "Hi Ada, fixing it now")
        .say(Role::Customer, "Ada", "Thanks!");
    chat.end(&harness, ConversationState::Live, EndReason::AgentEnded)
        .await;
    let ended = harness
        .item_where(&chat, |i| !i.transcript.is_empty())
        .await;
    assert_eq!(
        ended.transcript, chat.messages,
        "the full thread, over several pages"
    );
    assert_eq!(ended.status, "open", "ending never resolves the item");
    assert_eq!(ended.assignee, agent.to_string());
    assert!(
        !ended.description.contains("fixing it now"),
        "{}",
        ended.description
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_team_conversation_that_meets_the_fallback_keeps_an_open_unassigned_item() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::SupportTeam);
    chat.say(Role::Customer, "Ada", "I need a refund for order 7");
    // The transcript opens a support_team conversation straight in `queued`,
    // before its first message.
    use ConversationState::*;
    chat.change(&harness, Unspecified, Queued, "open").await;
    let opened = harness.item_where(&chat, |_| true).await;
    assert_eq!(opened.summary, "I need a refund for order 7");
    assert!(
        opened.description.starts_with("No AI conversation"),
        "{}",
        opened.description
    );

    chat.say(Role::System, "", "Nobody is available, email us.");
    chat.end(&harness, Queued, EndReason::NoAgentsAvailable)
        .await;
    let ended = harness
        .item_where(&chat, |i| !i.transcript.is_empty())
        .await;
    assert_eq!(ended.status, "open");
    assert!(ended.assignee.is_empty());
    assert_eq!(ended.transcript.len(), 2);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_that_stayed_with_the_ai_gets_no_item() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", "Opening hours?")
        .say(Role::Ai, "Helper", "9 to 5.");
    use ConversationState::*;
    chat.change(&harness, Unspecified, Ai, "open").await;
    chat.end(&harness, Ai, EndReason::CustomerEnded).await;
    harness.handled(2).await;
    assert!(harness.list(chat.tenant).await.is_empty());
    assert_eq!(harness.counter("work_item_items_created_total"), 0);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_without_a_routed_space_is_parked_not_guessed() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.info.routed_space.clear();
    chat.say(Role::Customer, "Ada", "Help");
    chat.hand_off(&harness, "Help", "customer asked", "queued")
        .await;
    harness.handled(1).await;
    assert_eq!(
        harness
            .counter_reaches("work_item_events_parked_total", 1)
            .await,
        1
    );
    assert!(harness.list(chat.tenant).await.is_empty());
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_met_by_a_transcript_outage_is_retried_until_its_item_exists() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", "Help with my order");
    harness.threads.set_down(true);
    chat.hand_off(&harness, "Order help", "customer asked", "queued")
        .await;
    eventually("a failed attempt", WAIT, || async {
        (harness.counter("work_item_events_retried_total") >= 1).then_some(())
    })
    .await;
    assert!(harness.list(chat.tenant).await.is_empty());

    harness.threads.set_down(false);
    let item = harness.item_where(&chat, |_| true).await;
    assert_eq!(item.summary, "Order help");
    assert_eq!(
        harness
            .counter_reaches("work_item_items_created_total", 1)
            .await,
        1
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accept_whose_handoff_this_service_never_saw_still_leaves_an_assigned_item() {
    let harness = Harness::start().await;
    let mut chat = Chat::new(TenantId::new(), SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", "Refund please")
        .say(Role::Ai, "Helper", "A person will help.")
        .say(Role::Agent, "Grace", "Hello!");
    chat.info.summary = "Refund".into();
    let agent = AgentId::new();
    chat.accept(&harness, agent, "Grace").await;

    let item = harness.item_where(&chat, |i| !i.assignee.is_empty()).await;
    assert_eq!(item.assignee, agent.to_string());
    assert_eq!(item.summary, "Refund");
    assert!(
        item.description.contains("Helper: A person will help."),
        "{}",
        item.description
    );
    assert!(
        !item.description.contains("Hello!"),
        "the agent's part is not the AI part"
    );
    harness.stop().await;
}
