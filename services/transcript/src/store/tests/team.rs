//! The router's answers and the notices around them: accept, return to the
//! AI, an end with the fallback, plain notices, and commands racing posts.

use std::collections::BTreeSet;

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationState, EndConversation, EndReason, PostNotice};

use super::commands::{accept, give_back, open, request_handoff};
use super::{change, new_message, notices, post, refusal, target};
use crate::domain::lifecycle;
use crate::store::{Appended, Store};

pub(super) async fn an_accept_makes_it_live_once_and_a_second_agent_conflicts(store: Store) {
    let (tenant, conversation, _) = open(&store, true).await;
    let ids = (tenant, conversation);
    request_handoff(&store, ids, "h1", "").await.unwrap();
    let accepted = accept(&store, ids, "a1", "agent-1").await.unwrap();
    assert_eq!(notices(&accepted), ["agent_joined"]);
    assert_eq!(
        change(&accepted),
        Some((ConversationState::Queued, ConversationState::Live))
    );
    let info = accepted.publications[1].event.info.clone().unwrap();
    assert_eq!(
        (info.assignee.as_str(), info.assignee_name.as_str()),
        ("agent-1", "Agent agent-1")
    );
    let messages = store
        .messages(tenant, conversation, 0, 0, false)
        .await
        .unwrap();
    assert_eq!(
        messages.last().unwrap().text,
        "Agent agent-1 joined the chat"
    );

    let second = accept(&store, ids, "a2", "agent-2").await;
    assert_eq!(refusal(second).code(), "conflict");
    let same = accept(&store, ids, "a3", "agent-1").await.unwrap();
    assert!(same.publications.is_empty(), "the same agent again: no-op");
    let info = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.assignee, "agent-1");
}

pub(super) async fn a_return_to_the_ai_stores_the_fallback_then_changes_state(store: Store) {
    let (tenant, conversation, _) = open(&store, true).await;
    let ids = (tenant, conversation);
    request_handoff(&store, ids, "h1", "").await.unwrap();
    let back = give_back(&store, ids, "r1", "Email help@example.com.")
        .await
        .unwrap();
    assert_eq!(notices(&back), ["fallback"]);
    assert!(matches!(
        back.publications[0].event.event,
        Some(Event::Message(_))
    ));
    let first_info = back.publications[0].event.info.clone().unwrap();
    assert_eq!(
        first_info.state(),
        ConversationState::Queued,
        "before the change"
    );
    assert_eq!(
        change(&back),
        Some((ConversationState::Queued, ConversationState::Ai))
    );
    let info = back.record.info;
    assert_eq!((info.state(), info.last_seq), (ConversationState::Ai, 2));
    assert_eq!(info.summary, "hello from c1", "the summary is kept");
    let late = accept(&store, ids, "a1", "agent-1").await;
    assert_eq!(refusal(late).code(), "conflict");
}

pub(super) async fn an_end_with_fallback_text_stores_the_notice_then_ends(store: Store) {
    let (tenant, conversation, _) = open(&store, true).await;
    request_handoff(&store, (tenant, conversation), "h1", "")
        .await
        .unwrap();
    let end = EndConversation {
        reason: EndReason::AcceptTimeout as i32,
        fallback_text: "Nobody could take your chat. Email us.".into(),
        ..Default::default()
    };
    let ended = store
        .apply(target(tenant, conversation, "e1", 9), false, |record, _| {
            lifecycle::end(record, &end, "e1", 9)
        })
        .await
        .unwrap();
    assert_eq!(notices(&ended), ["fallback"]);
    assert_eq!(
        change(&ended),
        Some((ConversationState::Queued, ConversationState::Ended))
    );
    let info = ended.record.info;
    assert_eq!(info.end_reason(), EndReason::AcceptTimeout);
    let messages = store
        .messages(tenant, conversation, 0, 0, false)
        .await
        .unwrap();
    let last = messages.last().unwrap();
    assert_eq!((last.seq, last.notice.as_str()), (2, "fallback"));
    let late = store.append(&post(tenant, conversation, "c9")).await;
    assert_eq!(refusal(late).code(), "conversation_ended");
}

pub(super) async fn a_notice_is_a_system_message_that_does_not_count_as_activity(store: Store) {
    let (tenant, conversation, opened_at) = open(&store, true).await;
    let notice = PostNotice {
        kind: "fallback".into(),
        text: "We are closed today.".into(),
    };
    let later = opened_at + 60_000;
    let posted = store
        .apply(
            target(tenant, conversation, "n1", later),
            false,
            |record, _| lifecycle::notice(record, &notice, later),
        )
        .await
        .unwrap();
    assert_eq!(notices(&posted), ["fallback"]);
    assert_eq!(posted.record.info.last_activity_ms, opened_at);
    let info = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.last_seq, info.last_activity_ms), (2, opened_at));
}

pub(super) async fn commands_race_with_posts_without_breaking_the_seq(store: Store) {
    let (tenant, conversation, _) = open(&store, true).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store_a = store.clone();
        let message = post(tenant, conversation, &format!("p{i}"));
        tasks.push(tokio::spawn(async move {
            match store_a.append(&message).await.expect("append") {
                Appended::New(message, _) => message.seq,
                other => panic!("expected a new message, got {other:?}"),
            }
        }));
        let store_b = store.clone();
        tasks.push(tokio::spawn(async move {
            let command_id = format!("n{i}");
            let notice = PostNotice {
                kind: "info".into(),
                text: format!("notice {i}"),
            };
            let applied = store_b
                .apply(
                    target(tenant, conversation, &command_id, 5),
                    false,
                    |record, _| lifecycle::notice(record, &notice, 5),
                )
                .await
                .expect("notice");
            applied.record.info.last_seq
        }));
    }
    let mut seqs = BTreeSet::new();
    for task in tasks {
        assert!(seqs.insert(task.await.expect("task")), "a seq taken twice");
    }
    assert_eq!(seqs, (2..=41).collect::<BTreeSet<u64>>());
    let extra = new_message(&store, &post(tenant, conversation, "last")).await;
    assert_eq!(extra.0, 42);
}
