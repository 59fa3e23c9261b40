//! The router's answers and the notices around them: accept, return to the
//! AI, an end with the fallback, plain notices, and commands racing posts.

use std::collections::BTreeSet;

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationState, EndConversation, EndReason, PostNotice};

use super::change as change_of;
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

/// A batch of state changes in one transaction, as the command consumer
/// applies a round: each sees the record as the commands before it left it,
/// a refusal and a replay in the middle change nothing for the others, and
/// everything stored is what the same commands one by one would store.
pub(super) async fn a_batch_of_state_changes_applies_in_order_in_one_transaction(store: Store) {
    use switchboard_contracts::v1::{AssignAgent, RequestHandoff, Role};

    use crate::domain::{handoff, team};
    use crate::store::Change;

    let (tenant, first, _) = open(&store, true).await;
    let (tenant_s, second, _) = open(&store, true).await;
    let second = (tenant_s, second);
    let (tenant_b, other, _) = open(&store, true).await;
    // Applied earlier: the batch's copy of it is a replay.
    request_handoff(&store, second, "h2", "").await.unwrap();

    let request = RequestHandoff {
        reason: "customer_asked".into(),
        summary: String::new(),
        requested_by: Role::Customer as i32,
    };
    let assign = |agent: &str| AssignAgent {
        agent: agent.into(),
        agent_name: format!("Agent {agent}"),
        offer_id: format!("offer-{agent}"),
    };
    let at = 1_700_000_500_000;
    let handing_off = |(tenant, conversation), command_id: &'static str| Change {
        target: target(tenant, conversation, command_id, at),
        needs_first_text: true,
        decide: Box::new(|record, facts| {
            handoff::handoff(record, &request, facts.first_customer_text.as_deref(), at)
        }),
    };
    let accepting = |(tenant, conversation), command_id: &'static str, agent| {
        let assign = assign(agent);
        Change {
            target: target(tenant, conversation, command_id, at),
            needs_first_text: false,
            decide: Box::new(move |record, _| team::assign(record, &assign, at)),
        }
    };
    let replaying = |(tenant, conversation), command_id: &'static str| Change {
        target: target(tenant, conversation, command_id, at),
        needs_first_text: false,
        decide: Box::new(|_, _| unreachable!("a replay decides nothing")),
    };
    let changes = vec![
        handing_off((tenant, first), "h1"),
        accepting((tenant, first), "a1", "agent-1"),
        // Someone else's accept of the same conversation: refused.
        accepting((tenant, first), "a2", "agent-2"),
        handing_off(second, "h2"),
        // Another tenant's conversation under this tenant: not found.
        accepting((tenant, other), "x1", "agent-1"),
    ];
    let results = store.apply_all(changes).await.expect("one transaction");
    assert_eq!(results.len(), 5);
    let mut results = results.into_iter();
    let mut next = || results.next().unwrap();

    let handed = &next().unwrap();
    assert_eq!(
        change_of(handed),
        Some((ConversationState::Ai, ConversationState::Queued))
    );
    assert_eq!(handed.record.info.summary, "hello from c1");
    let accepted = &next().unwrap();
    assert_eq!(notices(accepted), ["agent_joined"]);
    assert_eq!(accepted.record.info.assignee, "agent-1");
    assert_eq!(
        accepted.record.info.last_seq,
        handed.record.info.last_seq + 1,
        "the accept's notice follows the handoff's messages"
    );
    assert_eq!(refusal(next()).code(), "conflict");
    assert!(next().unwrap().replayed);
    assert_eq!(refusal(next()).code(), "conversation_not_found");

    let info = store.conversation(tenant, first).await.unwrap().unwrap();
    assert_eq!(
        (info.state(), info.assignee.as_str(), info.last_seq),
        (
            ConversationState::Live,
            "agent-1",
            accepted.record.info.last_seq
        )
    );
    let seqs: Vec<u64> = store
        .messages(tenant, first, 0, 0, false)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq)
        .collect();
    let expected: Vec<u64> = (1..=info.last_seq).collect();
    assert_eq!(seqs, expected, "gap-free seqs");
    let untouched = store.conversation(tenant_b, other).await.unwrap().unwrap();
    assert_eq!(untouched.state(), ConversationState::Ai);

    // Redelivered together, the batch replays every applied command.
    let again = vec![
        replaying((tenant, first), "h1"),
        replaying((tenant, first), "a1"),
    ];
    let replayed = store.apply_all(again).await.unwrap();
    assert!(replayed.iter().all(|r| r.as_ref().unwrap().replayed));
    assert_eq!(
        replayed[1].as_ref().unwrap().publications,
        accepted.publications
    );
}
