//! Inactivity (SPEC §4) through the transcript service: the timer it keeps
//! in the timers bucket, checks driven by hand, and the whole flow with the
//! real timer service firing, on short durations from the config.

mod support;

use std::time::Duration;

use prost::Message;
use support::commands::{ada, agent_says, assign, open, say};
use support::{Events, Harness, WAIT, added, state_changed};
use switchboard_bus::timers::Timers;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ConversationCommand, ConversationEvent, ConversationState, EndReason, Role,
    SupportMode, Timer, TypingEvent,
};
use switchboard_testkit::eventually;
use switchboard_transcript::handlers::inactivity::{check_command, timer_id};

const AI: ConversationState = ConversationState::Ai;

/// The conversation's pending inactivity timer once it has `due_ms`.
async fn timer_due(timers: &Timers, conversation: ConversationId, due_ms: i64) -> Timer {
    eventually(
        &format!("the inactivity timer due at {due_ms}"),
        WAIT,
        || async {
            let pending = timers.get(&timer_id(conversation)).await.expect("timers");
            pending
                .map(|(timer, _)| timer)
                .filter(|timer| timer.due_ms == due_ms as u64)
        },
    )
    .await
}

/// Waits for the next event that is not a message.
async fn next_non_message(events: &mut Events) -> ConversationEvent {
    loop {
        let event = events.next().await;
        if !matches!(event.event, Some(Event::Message(_))) {
            return event;
        }
    }
}

/// Waits until this machine's clock has reached `at_ms`: a check judged
/// before then would (rightly) find nothing due.
async fn wall_clock_reaches(at_ms: i64) {
    let now = switchboard_runtime::clock::now_ms();
    if at_ms > now {
        tokio::time::sleep(Duration::from_millis((at_ms - now) as u64 + 5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_schedules_one_check_and_messages_do_not_touch_it() {
    let harness = Harness::start().await;
    let timers = Timers::open(&harness.bus).await.expect("timers bucket");
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness
        .send(&open(t, c, ada(), AI, SupportMode::AiAgent, "Hi"), "open")
        .await;
    let (first, _) = events.next_message().await;
    let due = first.at_ms + 20 * 60 * 1000;

    let timer = timer_due(&timers, c, due).await;
    assert_eq!(timer.subject, subjects::command(t, c));
    let check = ConversationCommand::decode(timer.payload.as_slice()).expect("a command");
    assert_eq!(check, check_command(t, c, due));
    assert_eq!(timer.msg_id, format!("inact:{c}:{due}"));
    let (_, revision) = timers.get(&timer_id(c)).await.unwrap().expect("pending");

    harness
        .send(&say(t, c, Role::Ai, "a1", "Hello!"), "a1")
        .await;
    events.next_message().await;
    let (_, still) = timers.get(&timer_id(c)).await.unwrap().expect("pending");
    assert_eq!(still, revision, "a message costs no timer call");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_by_hand_warn_once_then_end_with_reason_inactivity() {
    let warn = Duration::from_millis(300);
    let end = Duration::from_millis(300);
    let harness = Harness::start_with(
        |config| {
            config.inactivity_warn = warn;
            config.inactivity_end = end;
        },
        false,
    )
    .await;
    let timers = Timers::open(&harness.bus).await.expect("timers bucket");
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness
        .send(&open(t, c, ada(), AI, SupportMode::AiAgent, "Hi"), "open")
        .await;
    let (first, _) = events.next_message().await;
    let warn_at = first.at_ms + 300;
    let ends_at = warn_at + 300;

    // An early check (a timer that came too soon) only re-arms.
    let early = check_command(t, c, first.at_ms);
    harness.send(&early, &early.command_id).await;
    timer_due(&timers, c, warn_at).await;

    wall_clock_reaches(warn_at).await;
    let check = check_command(t, c, warn_at);
    harness.send(&check, &check.command_id).await;
    let warned = events.next().await;
    match warned.event {
        Some(Event::Inactive(warning)) => assert_eq!(warning.ends_at_ms, ends_at),
        other => panic!("expected the inactivity warning, got {other:?}"),
    }
    timer_due(&timers, c, ends_at).await;

    wall_clock_reaches(ends_at).await;
    let check = check_command(t, c, ends_at);
    harness.send(&check, &check.command_id).await;
    let ended = state_changed(&events.next().await);
    assert_eq!(
        (ended.from(), ended.to(), ended.reason()),
        (AI, ConversationState::Ended, EndReason::Inactivity)
    );
    eventually("the timer cancelled", WAIT, || async {
        timers
            .get(&timer_id(c))
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_timer_service_silence_warns_then_ends_and_typing_changes_nothing() {
    let harness = Harness::start_with(
        |config| {
            config.inactivity_warn = Duration::from_millis(300);
            config.inactivity_end = Duration::from_millis(300);
        },
        true,
    )
    .await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness
        .send(&open(t, c, ada(), AI, SupportMode::AiAgent, "Hi"), "open")
        .await;
    let (first, _) = events.next_message().await;
    // Typing is ephemeral and never reaches the transcript: the clock runs
    // from the message, typing or not.
    let typing = TypingEvent {
        tenant: t.to_string(),
        conversation: c.to_string(),
        author: Some(Author {
            role: Role::Customer as i32,
            ..Default::default()
        }),
        on: true,
    };
    harness
        .bus
        .publish_core(subjects::typing(t, c), &typing)
        .await
        .expect("typing");

    let warned = next_non_message(&mut events).await;
    let Some(Event::Inactive(warning)) = warned.event else {
        panic!("expected the inactivity warning, got {warned:?}");
    };
    assert_eq!(warning.ends_at_ms, first.at_ms + 600);
    assert!(warned.at_ms >= first.at_ms + 300, "never early");
    let ended = next_non_message(&mut events).await;
    let change = state_changed(&ended);
    assert_eq!(
        (change.to(), change.reason()),
        (ConversationState::Ended, EndReason::Inactivity)
    );
    assert!(ended.at_ms >= warning.ends_at_ms, "never early");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_timer_service_a_message_after_the_warning_starts_the_clock_again() {
    let harness = Harness::start_with(
        |config| {
            // A long end gives the agent's reply ample time to land first.
            config.inactivity_warn = Duration::from_millis(500);
            config.inactivity_end = Duration::from_millis(1500);
        },
        true,
    )
    .await;
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
    harness
        .send(&assign(t, c, "a1", "agent-1", "Grace"), "a1")
        .await;
    let joined = added(&events.next().await);
    let live = events.next().await;
    assert_eq!(state_changed(&live).to(), ConversationState::Live);

    let first = next_non_message(&mut events).await;
    let Some(Event::Inactive(warning)) = first.event else {
        panic!("expected a warning, got {first:?}");
    };
    assert_eq!(
        warning.ends_at_ms,
        joined.at_ms + 2000,
        "counted from when the agent joined"
    );
    harness
        .send(&agent_says(t, c, "agent-1", "g1", "Still there?"), "g1")
        .await;
    let (reply, _) = events.next_message().await;

    let second = next_non_message(&mut events).await;
    let Some(Event::Inactive(again)) = second.event else {
        panic!("expected a second warning, got {second:?}");
    };
    assert_eq!(
        again.ends_at_ms,
        reply.at_ms + 2000,
        "the message reset the clock"
    );
    let ended = state_changed(&next_non_message(&mut events).await);
    assert_eq!(
        (ended.from(), ended.reason()),
        (ConversationState::Live, EndReason::Inactivity)
    );
    harness.stop().await;
}
