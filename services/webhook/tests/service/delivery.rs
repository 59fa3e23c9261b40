//! Deliveries that go through: signed, logged, in order per conversation,
//! and on PostgreSQL as on SQLite.

use switchboard_contracts::ids::ConversationId;
use switchboard_testkit::{eventually, postgres_database};

use crate::support::{Db, Harness, WAIT, receiver};

async fn a_subscribed_event_arrives_signed_and_is_logged_as_delivered(db: Db) {
    let harness = Harness::start(db).await;
    let receiver = receiver().await;
    let hook = harness
        .subscribe(&receiver.url(), &["message.created"])
        .await;
    let other = harness
        .subscribe(&receiver.url(), &["conversation.started"])
        .await;
    let conversation = ConversationId::new();
    harness.message(conversation, 1, "hello").await;

    let arrivals = harness.arrivals(&receiver, 1).await;
    let arrival = &arrivals[0];
    assert!(arrival.verified, "the signature verifies: {arrival:?}");
    assert!(arrival.id.starts_with("msg_"), "{arrival:?}");
    assert_eq!(arrival.body["type"], "message.created");
    assert_eq!(arrival.body["data"]["message"]["text"], "hello");
    assert_eq!(
        arrival.body["data"]["conversation"],
        conversation.to_string()
    );
    let now = switchboard_runtime::clock::now_ms() / 1000;
    assert!((now - arrival.timestamp).abs() < 60, "{arrival:?}");

    let log = eventually("the delivery logged as delivered", WAIT, || async {
        let log = harness.log(&hook).await;
        log.first().filter(|d| d.status == "delivered").cloned()
    })
    .await;
    assert_eq!(log.id, arrival.id);
    assert_eq!((log.attempts, log.response_status), (1, 200));
    assert_eq!(log.event_type, "message.created");
    assert!(harness.log(&other).await.is_empty(), "not its event type");
    assert_eq!(receiver.arrivals().len(), 1);
}

#[tokio::test]
async fn a_subscribed_event_arrives_signed_and_is_logged_as_delivered_on_sqlite() {
    a_subscribed_event_arrives_signed_and_is_logged_as_delivered(Db::sqlite()).await;
}

#[tokio::test]
async fn a_subscribed_event_arrives_signed_and_is_logged_as_delivered_on_postgres() {
    let Some(url) = postgres_database().await else {
        return;
    };
    a_subscribed_event_arrives_signed_and_is_logged_as_delivered(Db::Postgres(url)).await;
}

/// The first message's first attempt fails: the second message of the same
/// conversation waits for it, while another conversation's goes out.
async fn a_conversations_next_event_waits_for_the_previous_delivery(db: Db) {
    let harness = Harness::start(db).await;
    let receiver = receiver().await;
    harness
        .subscribe(&receiver.url(), &["message.created"])
        .await;
    receiver.answer_with(&[500]);
    let (first, second) = (ConversationId::new(), ConversationId::new());
    harness.message(first, 1, "one").await;
    harness.message(first, 2, "two").await;
    harness.message(second, 1, "elsewhere").await;

    let arrivals = harness.arrivals(&receiver, 4).await;
    let texts: Vec<(String, u16)> = arrivals
        .iter()
        .map(|a| {
            let text = a.body["data"]["message"]["text"]
                .as_str()
                .unwrap()
                .to_owned();
            (text, a.answered)
        })
        .collect();
    let of_first: Vec<&(String, u16)> = texts.iter().filter(|(t, _)| t != "elsewhere").collect();
    assert_eq!(
        of_first,
        [
            &("one".to_owned(), 500),
            &("one".to_owned(), 200),
            &("two".to_owned(), 200)
        ],
        "{texts:?}"
    );
    let elsewhere = texts.iter().position(|(t, _)| t == "elsewhere").unwrap();
    let one_delivered = texts
        .iter()
        .position(|t| *t == ("one".to_owned(), 200))
        .unwrap();
    assert!(
        elsewhere < one_delivered,
        "another conversation does not wait for the retry: {texts:?}"
    );
    assert!(arrivals.iter().all(|a| a.verified));
}

#[tokio::test]
async fn a_conversations_next_event_waits_for_the_previous_delivery_on_sqlite() {
    a_conversations_next_event_waits_for_the_previous_delivery(Db::sqlite()).await;
}

#[tokio::test]
async fn a_conversations_next_event_waits_for_the_previous_delivery_on_postgres() {
    let Some(url) = postgres_database().await else {
        return;
    };
    a_conversations_next_event_waits_for_the_previous_delivery(Db::Postgres(url)).await;
}

#[tokio::test]
async fn work_item_changes_arrive_as_created_then_updated_in_order() {
    let harness = Harness::start(Db::sqlite()).await;
    let receiver = receiver().await;
    harness
        .subscribe(&receiver.url(), &["work_item.created", "work_item.updated"])
        .await;
    let conversation = ConversationId::new();
    harness
        .work_item_change(conversation, "created", "open")
        .await;
    harness
        .work_item_change(conversation, "status", "in_progress")
        .await;
    let arrivals = harness.arrivals(&receiver, 2).await;
    let seen: Vec<(&str, &str)> = arrivals
        .iter()
        .map(|a| {
            (
                a.body["type"].as_str().unwrap(),
                a.body["data"]["work_item"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("work_item.created", "open"),
            ("work_item.updated", "in_progress")
        ]
    );
    assert_eq!(arrivals[1].body["data"]["change"], "status");
    assert!(arrivals.iter().all(|a| a.verified));
}
