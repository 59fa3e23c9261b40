//! Posts racing through the batched write path on a real nats-server and
//! SQLite: many conversations posting at once, every post sent twice under
//! different stream ids (so only the transcript can tell), a restart in the
//! middle and old posts sent again afterwards (a redelivery as the handler
//! sees it). Each message must be stored once, seqs gap-free and in each
//! conversation's sending order, and each event in `SB_EVENTS` once, in order.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use futures::StreamExt;
use prost::Message;
use support::{Harness, WAIT, post};
use switchboard_bus::Bus;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::v1::ConversationEvent;
use switchboard_contracts::v1::conversation_event::Event;

const CONVERSATIONS: usize = 12;
const MESSAGES: usize = 25;

/// Sends posts `from..to` of `conversation`, each twice, as its own sender.
async fn send_posts(
    bus: Bus,
    tenant: TenantId,
    conversation: ConversationId,
    from: usize,
    to: usize,
) {
    for n in from..to {
        let command = post(tenant, conversation, &format!("c{n}"), n == 0);
        let subject = switchboard_contracts::subjects::command(tenant, conversation);
        for copy in ["a", "b"] {
            bus.publish_durable(
                subject.clone(),
                &format!("{conversation}:{n}:{copy}"),
                &command,
            )
            .await
            .expect("command stored");
        }
    }
}

/// Every conversation's senders at once; returns when all posts are in the stream.
async fn send_all(bus: &Bus, tenant: TenantId, ids: &[ConversationId], from: usize, to: usize) {
    let senders: Vec<_> = ids
        .iter()
        .map(|&c| tokio::spawn(send_posts(bus.clone(), tenant, c, from, to)))
        .collect();
    for sender in senders {
        sender.await.expect("sender");
    }
}

/// Waits until the transcript's consumer has acked everything in the stream.
async fn settled(bus: &Bus) {
    let js = bus.js.clone();
    switchboard_testkit::eventually("every command acked", WAIT * 4, || {
        let js = js.clone();
        async move {
            let stream = js.get_stream(streams::COMMANDS).await.ok()?;
            let info = stream
                .consumer_info(consumers::TRANSCRIPT_COMMANDS)
                .await
                .ok()?;
            (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
        }
    })
    .await;
}

/// The tenant's events in stream order.
async fn events_of(bus: &Bus, tenant: TenantId) -> Vec<ConversationEvent> {
    let stream = bus
        .js
        .get_stream(streams::EVENTS)
        .await
        .expect("events stream");
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: format!("sb.evt.{tenant}.>"),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let pending = consumer.cached_info().num_pending as usize;
    let mut messages = consumer
        .fetch()
        .max_messages(pending)
        .messages()
        .await
        .expect("fetch");
    let mut events = Vec::with_capacity(pending);
    while let Some(message) = messages.next().await {
        let message = message.expect("event");
        events.push(ConversationEvent::decode(message.payload.clone()).expect("an event"));
    }
    assert_eq!(events.len(), pending);
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_posts_are_stored_once_gap_free_with_one_event_each() {
    let mut harness = Harness::start().await;
    let tenant = TenantId::new();
    let ids: Vec<ConversationId> = (0..CONVERSATIONS).map(|_| ConversationId::new()).collect();

    send_all(&harness.bus, tenant, &ids, 0, MESSAGES / 2).await;
    // The first half stored before the restart: a post in flight at a kill
    // comes back only after the ack wait, behind the posts sent meanwhile,
    // and this test checks the sending order.
    settled(&harness.bus).await;
    // Posts sent while the service is down wait in the stream for its return.
    let bus = harness.bus.clone();
    let meanwhile = {
        let ids = ids.clone();
        async move { send_all(&bus, tenant, &ids, MESSAGES / 2, MESSAGES).await }
    };
    harness.restart_around(meanwhile).await;
    settled(&harness.bus).await;
    // Stored posts again: the handler finds them and republishes their
    // events under the same ids, which the events stream drops.
    send_all(&harness.bus, tenant, &ids[..3], 0, 3).await;
    settled(&harness.bus).await;

    for &conversation in &ids {
        let stored = harness
            .store
            .messages(tenant, conversation, 0, 0, false)
            .await
            .expect("read");
        let seqs: Vec<u64> = stored.iter().map(|m| m.seq).collect();
        assert_eq!(
            seqs,
            (1..=MESSAGES as u64).collect::<Vec<_>>(),
            "{conversation}"
        );
        let clients: Vec<&str> = stored.iter().map(|m| m.client_id.as_str()).collect();
        let sent: Vec<String> = (0..MESSAGES).map(|n| format!("c{n}")).collect();
        assert_eq!(clients, sent, "stored in sending order");
    }

    let mut by_conversation: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut opened = HashSet::new();
    for event in events_of(&harness.bus, tenant).await {
        match event.event {
            Some(Event::Message(added)) => {
                let message = added.message.expect("message");
                by_conversation
                    .entry(message.conversation)
                    .or_default()
                    .push(message.seq);
            }
            Some(Event::State(_)) => {
                assert!(opened.insert(event.conversation.clone()), "opened twice");
                assert!(
                    !by_conversation.contains_key(&event.conversation),
                    "opened after a message"
                );
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(opened.len(), CONVERSATIONS);
    assert_eq!(by_conversation.len(), CONVERSATIONS);
    for (conversation, seqs) in by_conversation {
        assert_eq!(
            seqs,
            (1..=MESSAGES as u64).collect::<Vec<_>>(),
            "events of {conversation}"
        );
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_ended_mid_batch_refuses_the_posts_after_the_end() {
    let harness = Harness::start().await;
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(tenant, conversation).await;
    // Published back to back, so they tend to arrive in one batch.
    harness
        .send(&post(tenant, conversation, "c0", true), "p0")
        .await;
    harness
        .send(&post(tenant, conversation, "c1", false), "p1")
        .await;
    harness
        .send(
            &support::end(
                tenant,
                conversation,
                switchboard_contracts::v1::EndReason::CustomerEnded,
            ),
            "end",
        )
        .await;
    harness
        .send(&post(tenant, conversation, "c2", false), "p2")
        .await;
    let mut seen = Vec::new();
    while seen.len() < 5 {
        let event = tokio::time::timeout(Duration::from_secs(15), events.next())
            .await
            .expect("an event in time");
        seen.push(event.event.expect("an event"));
    }
    assert!(matches!(seen[0], Event::State(_)));
    assert!(matches!(&seen[1], Event::Message(m) if m.message.as_ref().unwrap().seq == 1));
    assert!(matches!(&seen[2], Event::Message(m) if m.message.as_ref().unwrap().seq == 2));
    assert!(matches!(seen[3], Event::State(_)), "{:?}", seen[3]);
    assert!(
        matches!(&seen[4], Event::Rejected(r) if r.code == "conversation_ended"),
        "{:?}",
        seen[4]
    );
    harness.stop().await;
}

/// Commands of every kind, many conversations interleaved, waiting in the
/// stream while the service is down so they come back in shared batches:
/// posts are stored together while other conversations' handoffs and
/// assignments run beside them, and each conversation's events must still
/// follow its commands' order exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_commands_of_many_conversations_in_one_batch_keep_each_conversations_order() {
    use support::commands::{ada, assign, handoff, open, say};
    use switchboard_contracts::v1::{ConversationState, Role, SupportMode};

    let mut harness = Harness::start().await;
    let tenant = TenantId::new();
    let ids: Vec<ConversationId> = (0..CONVERSATIONS).map(|_| ConversationId::new()).collect();
    let bus = harness.bus.clone();
    let meanwhile = {
        let ids = ids.clone();
        async move {
            let steps: [&dyn Fn(ConversationId) -> _; 6] = [
                &|c| {
                    open(
                        tenant,
                        c,
                        ada(),
                        ConversationState::Ai,
                        SupportMode::AiAndTeam,
                        "Where is my parcel?",
                    )
                },
                &|c| say(tenant, c, Role::Customer, "c2", "Hello?"),
                &|c| handoff(tenant, c, &format!("h:{c}"), "parcel"),
                &|c| say(tenant, c, Role::Customer, "c3", "Anyone there?"),
                &|c| assign(tenant, c, &format!("a:{c}"), "agent-1", "Ada"),
                &|c| say(tenant, c, Role::Customer, "c4", "Thanks"),
            ];
            for (n, step) in steps.iter().enumerate() {
                for &c in &ids {
                    let command = step(c);
                    bus.publish_durable(
                        switchboard_contracts::subjects::command(tenant, c),
                        &format!("{c}:{n}"),
                        &command,
                    )
                    .await
                    .expect("command stored");
                }
            }
        }
    };
    harness.restart_around(meanwhile).await;
    settled(&harness.bus).await;

    let mut by_conversation: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in events_of(&harness.bus, tenant).await {
        let seen = match event.event.expect("an event") {
            Event::Message(added) => {
                let message = added.message.expect("message");
                format!("{} {}", message.seq, message.text)
            }
            Event::State(change) => format!("{:?}->{:?}", change.from(), change.to()),
            other => panic!("unexpected event {other:?}"),
        };
        by_conversation
            .entry(event.conversation)
            .or_default()
            .push(seen);
    }
    // The assignment posts its notice, then changes the state.
    let expected = [
        "Unspecified->Ai",
        "1 Where is my parcel?",
        "2 Hello?",
        "Ai->Queued",
        "3 Anyone there?",
        "4 Ada joined the chat",
        "Queued->Live",
        "5 Thanks",
    ];
    assert_eq!(by_conversation.len(), CONVERSATIONS);
    for (conversation, seen) in &by_conversation {
        assert_eq!(seen, &expected, "events of {conversation}");
    }
    harness.stop().await;
}
