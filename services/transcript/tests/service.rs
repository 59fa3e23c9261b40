//! The transcript service end to end on a real nats-server and SQLite:
//! commands go in through `SB_COMMANDS` exactly as a gateway publishes them,
//! and the tests await the events on a core subscription, as a gateway does.

mod support;

use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use support::{Harness, added, end, post, query, rejected, state_changed};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{ConversationState, EndReason, TranscriptQuery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_post_opens_the_conversation_then_adds_message_one() {
    let harness = Harness::start().await;
    assert!(harness.health("/readyz").await.starts_with("HTTP/1.1 200"));
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;

    harness.send(&post(t, c, "c1", true), "post:c1").await;

    let opened = events.next().await;
    let change = state_changed(&opened);
    assert_eq!(change.from(), ConversationState::Unspecified);
    assert_eq!(change.to(), ConversationState::Ai);
    let info = opened
        .info
        .expect("the open event carries the conversation");
    assert_eq!((info.id, info.tenant), (c.to_string(), t.to_string()));
    assert_eq!(info.customer.expect("customer").name, "Ada");

    let first = events.next().await;
    let message = added(&first);
    assert_eq!(message.seq, 1);
    assert_eq!(message.text, "text of c1");
    assert_eq!(message.client_id, "c1");
    assert_eq!(first.info.expect("info").last_seq, 1);

    harness.send(&post(t, c, "c2", false), "post:c2").await;
    assert_eq!(events.next_message().await.0.seq, 2);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_published_twice_by_two_gateways_is_stored_once() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;

    // Different Nats-Msg-Ids, so the command stream keeps both copies: only
    // the transcript's client-id check stands between them and a double.
    let command = post(t, c, "c1", true);
    harness.send(&command, "gateway-a:1").await;
    harness.send(&command, "gateway-b:1").await;
    harness.send(&post(t, c, "c2", false), "gateway-a:2").await;

    let mut copies = Vec::new();
    let second = loop {
        let (message, _) = events.next_message().await;
        if message.client_id == "c2" {
            break message;
        }
        copies.push(message);
    };
    assert_eq!(
        copies.len(),
        2,
        "each delivery publishes the message event: {copies:?}"
    );
    assert_eq!(
        copies[0], copies[1],
        "the retry republishes the same message"
    );
    assert_eq!(copies[0].seq, 1);
    assert_eq!(second.seq, 2, "the duplicate took no seq");

    let page = harness.read(t, query(t, c)).await;
    let texts: Vec<_> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["text of c1", "text of c2"]);

    // The event stream itself holds each event once: open, c1, c2.
    let stored = harness
        .bus
        .js
        .get_stream(streams::EVENTS)
        .await
        .expect("events stream");
    let mut counts = stored
        .info_with_subjects(filter::conversation_events(t, c))
        .await
        .expect("counts");
    // One subject per event kind: the conversation's events are their sum.
    let mut count = 0;
    while let Some((_, n)) = counts.try_next().await.expect("count") {
        count += n;
    }
    assert_eq!(count, 3);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posting_after_the_end_is_rejected_with_conversation_ended() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness.send(&post(t, c, "c1", true), "post:c1").await;
    events.next_message().await;

    harness
        .send(&end(t, c, EndReason::CustomerEnded), "end")
        .await;
    let ended = events.next().await;
    let change = state_changed(&ended);
    assert_eq!(
        (change.from(), change.to(), change.reason()),
        (
            ConversationState::Ai,
            ConversationState::Ended,
            EndReason::CustomerEnded
        )
    );
    assert_eq!(ended.info.expect("info").state(), ConversationState::Ended);

    let late = post(t, c, "c2", false);
    harness.send(&late, "post:c2").await;
    let refusal = rejected(&events.next().await);
    assert_eq!(refusal.code, "conversation_ended");
    assert_eq!(
        (refusal.command_id, refusal.client_id),
        (late.command_id, "c2".to_owned())
    );

    let page = harness.read(t, query(t, c)).await;
    assert_eq!(page.messages.len(), 1, "the refused post changed nothing");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_into_a_conversation_that_does_not_exist_is_rejected() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness.send(&post(t, c, "c1", false), "post:c1").await;
    let event = events.next().await;
    assert_eq!(rejected(&event).code, "conversation_not_found");
    assert_eq!(event.info, None);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_returns_the_thread_in_seq_order_and_refuses_another_tenant() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    for (i, client_id) in ["c1", "c2", "c3"].into_iter().enumerate() {
        harness
            .send(&post(t, c, client_id, i == 0), client_id)
            .await;
    }
    while events.next_message().await.0.seq < 3 {}

    let page = harness.read(t, query(t, c)).await;
    assert_eq!(page.error, "");
    assert_eq!(page.info.expect("info").last_seq, 3);
    let seqs: Vec<u64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);

    let tail = TranscriptQuery {
        limit: 2,
        tail: true,
        ..query(t, c)
    };
    let seqs: Vec<u64> = harness
        .read(t, tail)
        .await
        .messages
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(seqs, [2, 3]);

    let intruder = TenantId::new();
    let theirs = harness.read(intruder, query(intruder, c)).await;
    assert_eq!(
        (theirs.error.as_str(), theirs.info, theirs.messages.len()),
        ("not_found", None, 0)
    );
    let forged = harness.read(intruder, query(t, c)).await;
    assert_eq!(
        (forged.error.as_str(), forged.messages.len()),
        ("invalid", 0)
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_payload_is_parked_and_does_not_block_the_next_command() {
    let harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    let subject = subjects::command(t, c);

    // A command for another conversation on this one's subject, then bytes
    // that are no command at all; both ahead of a good post in the same lane.
    let misaddressed = post(t, ConversationId::new(), "x", true);
    harness
        .send_raw(
            &subject,
            Bytes::from(prost::Message::encode_to_vec(&misaddressed)),
        )
        .await;
    harness
        .send_raw(&subject, Bytes::from_static(b"\xff\xffnot protobuf"))
        .await;
    harness.send(&post(t, c, "c1", true), "post:c1").await;
    assert_eq!(events.next_message().await.0.seq, 1);

    let parked_subject = subjects::parked(streams::COMMANDS, consumers::TRANSCRIPT_COMMANDS);
    let parked = harness
        .bus
        .js
        .get_stream(streams::PARKED)
        .await
        .expect("parked stream");
    // A batch's messages are settled after its posts' events are out: the
    // good post's event can come before the bad ones are parked.
    switchboard_testkit::eventually("both bad commands parked", Duration::from_secs(15), || {
        let parked = parked.clone();
        let parked_subject = parked_subject.clone();
        async move {
            let mut counts = parked.info_with_subjects(&parked_subject).await.ok()?;
            let count = counts.try_next().await.ok()??.1;
            (count == 2).then_some(())
        }
    })
    .await;
    let last = parked
        .get_last_raw_message_by_subject(&parked_subject)
        .await
        .expect("a parked message");
    assert_eq!(&last.payload[..], b"\xff\xffnot protobuf");
    let reason = last
        .headers
        .get("Switchboard-Parked-Reason")
        .expect("a reason")
        .to_string();
    assert!(reason.contains("undecodable"), "{reason}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_carries_on_after_nats_restarts() {
    let mut harness = Harness::start().await;
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut events = harness.events(t, c).await;
    harness.send(&post(t, c, "c1", true), "post:c1").await;
    assert_eq!(events.next_message().await.0.seq, 1);

    harness.nats.restart().await;
    harness.wait_connected().await;

    harness.send(&post(t, c, "c2", false), "post:c2").await;
    assert_eq!(events.next_message().await.0.seq, 2);
    let page =
        switchboard_testkit::eventually("a transcript answer", Duration::from_secs(15), || async {
            harness
                .bus
                .request(
                    subjects::transcript_rpc(t),
                    &query(t, c),
                    Duration::from_secs(1),
                )
                .await
                .ok()
        })
        .await;
    let page: switchboard_contracts::v1::TranscriptPage = page;
    assert_eq!(page.messages.len(), 2);
    harness.stop().await;
}
