//! The rest of a conversation's life: ending, refusals, tenants, reading.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{ChatMessage, ConversationState, EndReason};

use super::{change, end, new_message, post, refusal};
use crate::store::{Appended, Store};

pub(super) async fn posting_into_an_ended_conversation_is_refused_and_changes_nothing(
    store: Store,
) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    new_message(&store, &post(tenant, conversation, "c1")).await;
    let ended = end(
        &store,
        tenant,
        conversation,
        EndReason::CustomerEnded,
        "end-1",
        2_000,
    )
    .await
    .unwrap();
    assert_eq!(
        change(&ended),
        Some((ConversationState::Ai, ConversationState::Ended))
    );
    let before = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.state(), ConversationState::Ended);
    assert_eq!(before.end_reason(), EndReason::CustomerEnded);

    let refused = refusal(store.append(&post(tenant, conversation, "c2")).await);
    assert_eq!(refused.code(), "conversation_ended");
    let after = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(
        store
            .messages(tenant, conversation, 0, 0, false)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub(super) async fn a_message_stored_before_the_end_is_still_a_duplicate_after_it(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let (_, id) = new_message(&store, &post(tenant, conversation, "c1")).await;
    end(
        &store,
        tenant,
        conversation,
        EndReason::Inactivity,
        "end-1",
        2_000,
    )
    .await
    .unwrap();
    match store
        .append(&post(tenant, conversation, "c1"))
        .await
        .unwrap()
    {
        Appended::Duplicate(message, info) => {
            assert_eq!(message.id, id);
            assert_eq!(info.state(), ConversationState::Ended);
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

pub(super) async fn a_post_without_start_into_a_missing_conversation_is_refused(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    let mut lone = post(tenant, conversation, "c1");
    lone.start = None;
    assert_eq!(
        refusal(store.append(&lone).await).code(),
        "conversation_not_found"
    );
    assert_eq!(
        store.conversation(tenant, conversation).await.unwrap(),
        None
    );
    let ended = end(&store, tenant, conversation, EndReason::AgentEnded, "e", 1).await;
    assert_eq!(refusal(ended).code(), "conversation_not_found");
}

pub(super) async fn another_tenant_can_neither_read_nor_post_to_a_conversation(store: Store) {
    let (owner, intruder, conversation) = (TenantId::new(), TenantId::new(), ConversationId::new());
    new_message(&store, &post(owner, conversation, "c1")).await;
    assert_eq!(
        store.conversation(intruder, conversation).await.unwrap(),
        None
    );
    assert!(
        store
            .messages(intruder, conversation, 0, 0, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .read(intruder, conversation, 0, 0, false)
            .await
            .unwrap(),
        None
    );
    // Even a post that carries a start cannot take the conversation over.
    let refused = refusal(store.append(&post(intruder, conversation, "x1")).await);
    assert_eq!(refused.code(), "conversation_not_found");
    let refused = refusal(
        end(
            &store,
            intruder,
            conversation,
            EndReason::AgentEnded,
            "e",
            1,
        )
        .await,
    );
    assert_eq!(refused.code(), "conversation_not_found");
    let info = store
        .conversation(owner, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.last_seq, info.state()), (1, ConversationState::Ai));
}

pub(super) async fn tail_returns_the_last_n_messages_in_seq_order(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    for i in 1..=10 {
        new_message(&store, &post(tenant, conversation, &format!("c{i}"))).await;
    }
    let seqs = |messages: Vec<ChatMessage>| messages.iter().map(|m| m.seq).collect::<Vec<_>>();
    let tail = store
        .messages(tenant, conversation, 0, 3, true)
        .await
        .unwrap();
    assert_eq!(seqs(tail), vec![8, 9, 10]);
    let head = store
        .messages(tenant, conversation, 0, 3, false)
        .await
        .unwrap();
    assert_eq!(seqs(head), vec![1, 2, 3]);
    let after = store
        .messages(tenant, conversation, 7, 0, false)
        .await
        .unwrap();
    assert_eq!(seqs(after), vec![8, 9, 10]);
    assert!(
        store
            .messages(tenant, conversation, u64::MAX, 0, true)
            .await
            .unwrap()
            .is_empty()
    );
}

pub(super) async fn ending_twice_tells_a_repeat_from_a_second_end(store: Store) {
    let (tenant, conversation) = (TenantId::new(), ConversationId::new());
    new_message(&store, &post(tenant, conversation, "c1")).await;
    let first = end(
        &store,
        tenant,
        conversation,
        EndReason::AgentEnded,
        "end-1",
        2_000,
    )
    .await
    .unwrap();
    assert_eq!(
        change(&first),
        Some((ConversationState::Ai, ConversationState::Ended))
    );
    assert_eq!(first.publications[0].msg_id, format!("end:{conversation}"));
    let repeat = end(
        &store,
        tenant,
        conversation,
        EndReason::AgentEnded,
        "end-1",
        3_000,
    )
    .await
    .unwrap();
    assert!(repeat.replayed);
    assert_eq!(
        repeat.publications, first.publications,
        "the identical event again"
    );
    let second = end(
        &store,
        tenant,
        conversation,
        EndReason::Inactivity,
        "end-2",
        4_000,
    )
    .await
    .unwrap();
    assert!(second.publications.is_empty(), "{second:?}");
    assert_eq!(second.record.info.end_reason(), EndReason::AgentEnded);
}
