//! Deleting configuration never loses a conversation (SPEC §10): the open
//! conversations that depend on a deleted widget, experience, space or
//! agent (or whose agent was deactivated) end with the fallback (reason
//! `no_agents_available`) and stay readable — whether the transcript service sees the delete live, was down
//! when it happened, or races other sweeps; and each ends once.

mod support;

use futures::TryStreamExt;
use prost::Message;
use support::commands::{ada, assign, handoff, open};
use support::{Harness, query, state_changed};
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{self, ConversationCommand, ConversationState, SupportMode};
use switchboard_runtime::metrics::Metrics;
use switchboard_transcript::handlers::Counters;
use switchboard_transcript::handlers::orphans::Orphans;
use switchboard_transcript::store::Store;

#[path = "orphans/setup.rs"]
mod setup;

use setup::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_widget_or_an_experience_ends_their_open_conversations_with_the_fallback() {
    let harness = Harness::start().await;
    let config = config(&harness).await;
    let mine = setup(&config, "Mail us at help@example.com.").await;
    let other = setup(&config, "Call us.").await;
    let (on_widget, mut widget_events) = opened(&harness, &mine).await;
    let (other_widget, mut other_events) = opened(&harness, &other).await;

    config.delete(&keys::widget(&mine.widget)).await.unwrap();
    assert_eq!(
        ends_with_the_fallback(&mut widget_events).await,
        "Mail us at help@example.com."
    );
    let (state, notices) = read(&harness, mine.tenant, on_widget).await;
    assert_eq!(
        (state, notices),
        (ConversationState::Ended, vec!["fallback".to_owned()])
    );
    assert_eq!(read(&harness, other.tenant, other_widget).await.0, AI);

    // The experience's own fallback, although the experience is gone.
    let (on_experience, mut experience_events) = opened(&harness, &other).await;
    config
        .delete(&keys::experience(&other.experience))
        .await
        .unwrap();
    assert_eq!(
        ends_with_the_fallback(&mut experience_events).await,
        "Call us."
    );
    // Every conversation of the experience ends, on any of its widgets.
    assert_eq!(ends_with_the_fallback(&mut other_events).await, "Call us.");
    assert_eq!(
        read(&harness, other.tenant, other_widget).await.0,
        ConversationState::Ended
    );
    let page = harness
        .read(other.tenant, query(other.tenant, on_experience))
        .await;
    assert_eq!(
        page.messages[0].text, "Where is my parcel?",
        "still readable"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_made_while_the_service_was_down_apply_at_start_and_racing_sweeps_end_each_once() {
    let mut harness = Harness::start().await;
    let config = config(&harness).await;
    let setup = setup(&config, "Mail us.").await;
    let (t, space, agent) = (setup.tenant, setup.space.clone(), setup.agent.clone());
    let (waiting, mut waiting_events) = opened(&harness, &setup).await;
    send(&harness, handoff(t, waiting, &format!("h:{waiting}"), "")).await;
    assert_eq!(
        state_changed(&waiting_events.next().await).to(),
        ConversationState::Queued
    );
    let (talking, mut talking_events) = opened(&harness, &setup).await;
    send(&harness, handoff(t, talking, &format!("h:{talking}"), "")).await;
    send(
        &harness,
        assign(t, talking, &format!("a:{talking}"), &agent, "Grace"),
    )
    .await;
    loop {
        let event = talking_events.next().await;
        if matches!(&event.event, Some(v1::conversation_event::Event::State(c)) if c.to() == ConversationState::Live)
        {
            break;
        }
    }
    // Still with the AI: its routed space matters only at a handoff.
    let (with_ai, _) = opened(&harness, &setup).await;

    let database_url = harness.database_url().to_owned();
    let bus = harness.bus.clone();
    harness
        .restart_around(async {
            config.delete(&keys::space(&space)).await.unwrap();
            config.delete(&keys::agent(&agent)).await.unwrap();
            // Two sweepers at once, as two instances would start.
            let store = Store::connect(&database_url).await.expect("store");
            let sweeper = || Orphans {
                store: store.clone(),
                bus: bus.clone(),
                config: config.clone(),
                counters: Counters::new(&Metrics::new()),
            };
            let (a, b) = (sweeper(), sweeper());
            let (a, b) = tokio::join!(a.sweep_all(), b.sweep_all());
            // The live one depends on both the space and the agent.
            assert_eq!((a.unwrap(), b.unwrap()), (3, 3));
            store.close().await;
        })
        .await;

    assert_eq!(
        ends_with_the_fallback(&mut waiting_events).await,
        "Mail us."
    );
    assert_eq!(
        ends_with_the_fallback(&mut talking_events).await,
        "Mail us."
    );
    for conversation in [waiting, talking] {
        let (state, notices) = read(&harness, t, conversation).await;
        assert_eq!(state, ConversationState::Ended);
        assert_eq!(
            notices.iter().filter(|n| *n == "fallback").count(),
            1,
            "ended once: {notices:?}"
        );
        assert_eq!(
            orphan_commands_stored(&harness, t, conversation).await,
            1,
            "one end command in the stream, however many asked"
        );
    }
    assert_eq!(read(&harness, t, with_ai).await.0, AI);

    // A sweep repeated later finds nothing left to end.
    let sweeper = Orphans {
        store: harness.store.clone(),
        bus: harness.bus.clone(),
        config,
        counters: Counters::new(&Metrics::new()),
    };
    assert_eq!(sweeper.sweep_all().await.unwrap(), 0);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_opened_on_a_widget_just_deleted_is_ended_too() {
    let harness = Harness::start().await;
    let config = config(&harness).await;
    let setup = setup(&config, "Mail us.").await;
    config.delete(&keys::widget(&setup.widget)).await.unwrap();
    // A socket opened before the delete may still send a first message.
    let (conversation, mut events) = opened(&harness, &setup).await;
    assert_eq!(ends_with_the_fallback(&mut events).await, "Mail us.");
    let page = harness
        .read(setup.tenant, query(setup.tenant, conversation))
        .await;
    assert_eq!(
        added_texts(&page.messages),
        ["Where is my parcel?", "Mail us."]
    );
    harness.stop().await;
}

fn added_texts(messages: &[v1::ChatMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.text.as_str()).collect()
}

/// How many `orphan:` end commands the command stream holds for the
/// conversation.
async fn orphan_commands_stored(
    harness: &Harness,
    tenant: TenantId,
    conversation: ConversationId,
) -> usize {
    let stream = harness
        .bus
        .js
        .get_stream(streams::COMMANDS)
        .await
        .expect("stream");
    let subject = subjects::command(tenant, conversation);
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            filter_subject: subject,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let info = consumer.cached_info().num_pending as usize;
    let messages: Vec<_> = consumer
        .fetch()
        .max_messages(info)
        .messages()
        .await
        .expect("fetch")
        .try_collect()
        .await
        .expect("messages");
    messages
        .iter()
        .filter_map(|m| ConversationCommand::decode(m.payload.clone()).ok())
        .filter(|c| c.command_id.starts_with("orphan:"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_ai_agent_ends_only_the_conversations_it_is_still_answering() {
    let harness = Harness::start().await;
    let config = config(&harness).await;
    let setup = setup(&config, "Mail us.").await;
    let ai_agent = id();
    let record = v1::AiAgent {
        id: ai_agent.clone(),
        tenant: setup.tenant.to_string(),
        ..Default::default()
    };
    let key = keys::ai_agent(&ai_agent);
    config.put(&key, &record).await.unwrap();
    let mut answered = Vec::new();
    for _ in 0..2 {
        let conversation = ConversationId::new();
        let mut events = harness.events(setup.tenant, conversation).await;
        let mut command = open(
            setup.tenant,
            conversation,
            ada(),
            AI,
            SupportMode::AiAndTeam,
            "Hello",
        );
        if let Some(Command::Post(post)) = &mut command.command {
            let start = post.start.as_mut().expect("start");
            start.experience = setup.experience.clone();
            start.ai_agent = ai_agent.clone();
            start.routed_space = setup.space.clone();
        }
        send(&harness, command).await;
        events.next_message().await;
        answered.push((conversation, events));
    }
    let (handed_on, mut handed_on_events) = answered.pop().expect("two");
    let (with_ai, mut with_ai_events) = answered.pop().expect("two");
    send(&harness, handoff(setup.tenant, handed_on, "h1", "")).await;
    assert_eq!(
        state_changed(&handed_on_events.next().await).to(),
        ConversationState::Queued
    );

    config.delete(&key).await.unwrap();
    assert_eq!(
        ends_with_the_fallback(&mut with_ai_events).await,
        "Mail us."
    );
    assert_eq!(
        read(&harness, setup.tenant, handed_on).await.0,
        ConversationState::Queued,
        "the AI agent is done with it"
    );
    assert_eq!(
        read(&harness, setup.tenant, with_ai).await.0,
        ConversationState::Ended
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_an_agent_ends_their_live_conversations_and_leaves_the_queue_alone() {
    let harness = Harness::start().await;
    let config = config(&harness).await;
    let setup = setup(&config, "Mail us.").await;
    let t = setup.tenant;
    let (waiting, mut waiting_events) = opened(&harness, &setup).await;
    send(&harness, handoff(t, waiting, &format!("h:{waiting}"), "")).await;
    assert_eq!(
        state_changed(&waiting_events.next().await).to(),
        ConversationState::Queued
    );
    let (talking, mut talking_events) = opened(&harness, &setup).await;
    send(&harness, handoff(t, talking, &format!("h:{talking}"), "")).await;
    send(
        &harness,
        assign(t, talking, &format!("a:{talking}"), &setup.agent, "Grace"),
    )
    .await;
    loop {
        let event = talking_events.next().await;
        if matches!(&event.event, Some(v1::conversation_event::Event::State(c)) if c.to() == ConversationState::Live)
        {
            break;
        }
    }

    let key = keys::agent(&setup.agent);
    let mut agent: v1::Agent = config.get(&key).expect("the agent");
    agent.deactivated = true;
    config.put(&key, &agent).await.unwrap();
    assert_eq!(
        ends_with_the_fallback(&mut talking_events).await,
        "Mail us."
    );
    let (state, notices) = read(&harness, t, talking).await;
    assert_eq!(
        (state, notices),
        (
            ConversationState::Ended,
            vec!["agent_joined".to_owned(), "fallback".to_owned()]
        )
    );
    assert_eq!(
        read(&harness, t, waiting).await.0,
        ConversationState::Queued,
        "a waiting conversation does not depend on any one agent"
    );
    harness.stop().await;
}
