//! Appending: seqs, duplicates, concurrency, what a start records.

use std::collections::BTreeSet;

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{Author, ConversationState, EndReason, Role, SupportMode};

use super::{new_message, post, start};
use crate::domain::NewMessage;
use crate::store::{Appended, Store};

pub(super) async fn seq_counts_one_two_three_within_each_conversation(store: Store) {
    let tenant = TenantId::new();
    let (a, b) = (ConversationId::new(), ConversationId::new());
    for (expected, client_id) in [(1, "a1"), (2, "a2"), (3, "a3")] {
        assert_eq!(
            new_message(&store, &post(tenant, a, client_id)).await.0,
            expected
        );
    }
    assert_eq!(new_message(&store, &post(tenant, b, "b1")).await.0, 1);
    let stored = store.messages(tenant, a, 0, 0, false).await.unwrap();
    let seqs: Vec<u64> = stored.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(stored[1].text, "hello from a2");
    assert_eq!(stored[1].client_id, "a2");
}

/// A batch whose INSERT fails partway keeps none of its rows, not even those
/// the failing statement wrote before the conflict (SQLite's `OR FAIL` keeps
/// them until the whole transaction rolls back), and the writer stores the
/// next batch as if nothing happened. The conflict: a row already holds the
/// seq the batch gives its second post.
pub(super) async fn a_batch_failing_partway_keeps_nothing_and_the_writer_goes_on(store: Store) {
    let tenant = TenantId::new();
    let (a, b) = (ConversationId::new(), ConversationId::new());
    new_message(&store, &post(tenant, a, "a1")).await;
    new_message(&store, &post(tenant, b, "b1")).await;
    let stray = |sql: &'static str| {
        sqlx::query(sql)
            .bind(b.to_string())
            .bind(tenant.to_string())
            .execute(&store.pool)
    };
    stray(
        "INSERT INTO messages (conversation, seq, id, tenant, role, text, at) \
         VALUES ($1, 2, 'stray', $2, 'customer', 'stray', 0)",
    )
    .await
    .expect("the stray row");
    let batch = [post(tenant, a, "a2"), post(tenant, b, "b2")];
    assert!(
        store.append_batch(&batch).await.is_err(),
        "b's seq 2 is taken"
    );
    assert_eq!(
        seqs(&store, tenant, a).await,
        vec![1],
        "a's row, written first, is gone too"
    );
    let info = store.conversation(tenant, a).await.unwrap().unwrap();
    assert_eq!(info.last_seq, 1);

    stray("DELETE FROM messages WHERE conversation = $1 AND tenant = $2 AND id = 'stray'")
        .await
        .expect("the stray row removed");
    for result in store.append_batch(&batch).await.expect("the next batch") {
        match result.expect("stored") {
            Appended::New(message, _) => assert_eq!(message.seq, 2),
            other => panic!("expected a new message, got {other:?}"),
        }
    }
    assert_eq!(seqs(&store, tenant, a).await, vec![1, 2]);
    assert_eq!(seqs(&store, tenant, b).await, vec![1, 2]);
}

async fn seqs(store: &Store, tenant: TenantId, conversation: ConversationId) -> Vec<u64> {
    let stored = store.messages(tenant, conversation, 0, 0, false).await;
    stored.unwrap().iter().map(|m| m.seq).collect()
}

pub(super) async fn a_duplicate_client_id_returns_the_stored_message_and_takes_no_seq(
    store: Store,
) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let (_, first_id) = new_message(&store, &post(tenant, conversation, "c1")).await;
    let mut retry = post(tenant, conversation, "c1");
    retry.text = "a retry may even differ".into();
    retry.at_ms += 5_000;
    match store.append(&retry).await.unwrap() {
        Appended::Duplicate(message, info) => {
            assert_eq!((message.id.as_str(), message.seq), (first_id.as_str(), 1));
            assert_eq!(message.text, "hello from c1");
            assert_eq!(info.last_seq, 1);
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert_eq!(
        new_message(&store, &post(tenant, conversation, "c2"))
            .await
            .0,
        2
    );
    assert_eq!(
        store
            .messages(tenant, conversation, 0, 0, false)
            .await
            .unwrap()
            .len(),
        2
    );
}

pub(super) async fn concurrent_appends_to_one_conversation_get_gap_free_unique_seqs(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = store.clone();
            // Every post may open the conversation: the creation races too.
            let post = post(tenant, conversation, &format!("c{i}"));
            tokio::spawn(async move { store.append(&post).await })
        })
        .collect();
    let mut seqs = BTreeSet::new();
    for task in tasks {
        match task.await.expect("task").expect("append") {
            Appended::New(message, _) => {
                assert!(seqs.insert(message.seq), "seq {} twice", message.seq);
            }
            other => panic!("expected a new message, got {other:?}"),
        }
    }
    assert_eq!(seqs, (1..=50).collect::<BTreeSet<u64>>());
    let info = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.last_seq, 50);
}

pub(super) async fn a_notice_without_a_client_id_is_stored_once_per_command(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    new_message(&store, &post(tenant, conversation, "c1")).await;
    let notice = |command_id: &str| NewMessage {
        author: Author {
            role: Role::System as i32,
            ..Default::default()
        },
        client_id: None,
        command_id: command_id.to_owned(),
        start: None,
        ..post(tenant, conversation, "unused")
    };
    let (seq, id) = new_message(&store, &notice("notice-1")).await;
    assert_eq!(seq, 2);
    match store.append(&notice("notice-1")).await.unwrap() {
        Appended::Duplicate(message, _) => {
            assert_eq!((message.id, message.seq), (id, 2));
            assert_eq!(message.client_id, "");
        }
        other => panic!("a redelivered notice must be a duplicate, got {other:?}"),
    }
    assert_eq!(new_message(&store, &notice("notice-2")).await.0, 3);
}

pub(super) async fn the_conversation_keeps_what_its_start_said(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    new_message(&store, &post(tenant, conversation, "c1")).await;
    let info = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    let start = start();
    assert_eq!(info.id, conversation.to_string());
    assert_eq!(info.tenant, tenant.to_string());
    assert_eq!(
        (info.experience.as_str(), info.widget.as_str()),
        (start.experience.as_str(), start.widget.as_str())
    );
    assert_eq!(info.customer, start.customer);
    assert_eq!(info.support_mode(), SupportMode::AiAndTeam);
    assert_eq!(info.ai_agent, start.ai_agent);
    assert_eq!(
        (info.routed_space.as_str(), info.assignee.as_str()),
        ("", "")
    );
    assert_eq!(info.created_at_ms, 1_700_000_000_000);
    assert_eq!(info.end_reason(), EndReason::Unspecified);
}

pub(super) async fn posts_move_the_activity_clock_and_system_messages_do_not(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let opening = post(tenant, conversation, "c1");
    let t0 = opening.at_ms;
    new_message(&store, &opening).await;
    let activity = |store: Store| async move {
        let info = store.conversation(tenant, conversation).await.unwrap();
        info.unwrap().last_activity_ms
    };
    assert_eq!(activity(store.clone()).await, t0);
    let mut reply = post(tenant, conversation, "c2");
    reply.author.role = Role::Ai as i32;
    reply.at_ms = t0 + 10;
    new_message(&store, &reply).await;
    assert_eq!(activity(store.clone()).await, t0 + 10);
    let system = NewMessage {
        author: Author {
            role: Role::System as i32,
            ..Default::default()
        },
        at_ms: t0 + 20,
        ..post(tenant, conversation, "c3")
    };
    new_message(&store, &system).await;
    assert_eq!(
        activity(store.clone()).await,
        t0 + 10,
        "system messages are not activity"
    );
}

pub(super) async fn a_support_team_conversation_opens_queued_with_its_first_message_as_summary(
    store: Store,
) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let mut opening = post(tenant, conversation, "c1");
    let start = opening.start.as_mut().unwrap();
    start.initial_state = ConversationState::Queued as i32;
    start.support_mode = SupportMode::SupportTeam as i32;
    opening.text = "  My invoice is wrong ".into();
    new_message(&store, &opening).await;
    let info = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state(), ConversationState::Queued);
    assert_eq!(info.summary, "My invoice is wrong");
    assert_eq!(info.handoff_reason, "support_team");
    assert!(!info.handoff_pending);
}
