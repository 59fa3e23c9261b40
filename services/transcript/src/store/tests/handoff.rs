//! Handoff and the sign-in rule in the store: what is written, what is
//! published, and what a redelivery gets.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationState, Role};

use super::commands::{give_back, identify_as, open, request_handoff};
use super::{change, notices, refusal};
use crate::store::Store;
use switchboard_contracts::texts::SIGN_IN_REQUIRED as SIGN_IN_TEXT;

pub(super) async fn an_anonymous_handoff_waits_for_sign_in_and_identify_carries_it_on(
    store: Store,
) {
    let (tenant, conversation, _) = open(&store, false).await;
    let ids = (tenant, conversation);
    let asked = request_handoff(&store, ids, "h1", "").await.unwrap();
    assert_eq!(notices(&asked), ["sign_in_required"]);
    assert_eq!(change(&asked), None, "the conversation stays with the AI");
    assert!(asked.record.info.handoff_pending);
    let messages = store
        .messages(tenant, conversation, 0, 0, false)
        .await
        .unwrap();
    let notice = &messages[1];
    assert_eq!((notice.seq, notice.text.as_str()), (2, SIGN_IN_TEXT));
    assert_eq!(notice.author.as_ref().unwrap().role(), Role::System);
    assert_eq!(notice.notice, "sign_in_required");

    let signed_in = identify_as(&store, ids, "i1", "user:ada").await.unwrap();
    assert!(matches!(
        signed_in.publications[0].event.event,
        Some(Event::Identified(_))
    ));
    assert_eq!(
        signed_in.publications[0].msg_id,
        format!("identified:{conversation}")
    );
    assert_eq!(
        change(&signed_in),
        Some((ConversationState::Ai, ConversationState::Queued))
    );
    let info = store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state(), ConversationState::Queued);
    assert!(!info.handoff_pending);
    assert_eq!(info.summary, "hello from c1");
    assert_eq!(info.handoff_reason, "customer_asked");
    let customer = info.customer.unwrap();
    assert!(customer.signed_in);
    assert_eq!(
        (customer.key.as_str(), customer.email.as_str()),
        ("user:ada", "ada@example.com")
    );
    let someone_else = identify_as(&store, ids, "i2", "user:bob").await;
    assert_eq!(refusal(someone_else).code(), "conflict");
}

pub(super) async fn a_signed_in_handoff_queues_with_the_first_customer_message(store: Store) {
    let (tenant, conversation, _) = open(&store, true).await;
    let queued = request_handoff(&store, (tenant, conversation), "h1", "")
        .await
        .unwrap();
    assert_eq!(queued.publications.len(), 1);
    assert_eq!(
        queued.publications[0].msg_id,
        format!("handoff:{conversation}:1")
    );
    let info = queued.publications[0].event.info.clone().unwrap();
    assert_eq!(info.state(), ConversationState::Queued);
    assert_eq!(info.summary, "hello from c1");
    assert_eq!(
        store
            .conversation(tenant, conversation)
            .await
            .unwrap()
            .unwrap(),
        info
    );
    let again = request_handoff(&store, (tenant, conversation), "h2", "")
        .await
        .unwrap();
    assert!(again.publications.is_empty(), "already queued: a no-op");
}

pub(super) async fn a_redelivered_command_republishes_what_it_published_the_first_time(
    store: Store,
) {
    let (tenant, conversation, _) = open(&store, false).await;
    let ids = (tenant, conversation);
    let first = request_handoff(&store, ids, "h1", "").await.unwrap();
    let identified = identify_as(&store, ids, "i1", "user:ada").await.unwrap();

    // The conversation has moved on (queued), yet each redelivery gets its
    // own first outcome back, byte for byte, and writes nothing.
    let again = request_handoff(&store, ids, "h1", "").await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.publications, first.publications);
    assert_eq!(again.record.state(), ConversationState::Queued);
    let again = identify_as(&store, ids, "i1", "user:ada").await.unwrap();
    assert_eq!(again.publications, identified.publications);
    let stored = store
        .messages(tenant, conversation, 0, 0, false)
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        2,
        "one sign-in notice, however often redelivered"
    );
}

pub(super) async fn a_second_handoff_after_a_return_gets_a_new_event_id(store: Store) {
    let (tenant, conversation, _) = open(&store, true).await;
    let ids = (tenant, conversation);
    let first = request_handoff(&store, ids, "h1", "").await.unwrap();
    let back = give_back(&store, ids, "r1", "Nobody is free.")
        .await
        .unwrap();
    let second = request_handoff(&store, ids, "h2", "Second try")
        .await
        .unwrap();
    let msg_ids = |applied: &crate::store::Applied| {
        applied
            .publications
            .iter()
            .map(|p| p.msg_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(msg_ids(&first), [format!("handoff:{conversation}:1")]);
    assert_eq!(msg_ids(&back)[1], format!("return:{conversation}:2"));
    assert_eq!(msg_ids(&second), [format!("handoff:{conversation}:3")]);
    assert_eq!(second.record.info.summary, "Second try");
}
