//! Deliveries that fail: retried under the same `webhook-id` (after a 500,
//! and across a restart of the service), a subscription paused after a run
//! of failures and resumed by an admin, and loopback targets refused
//! without the allow flag.

use switchboard_contracts::ids::ConversationId;
use switchboard_testkit::{eventually, postgres_database};

use crate::support::{Db, Harness, WAIT, receiver};

#[tokio::test]
async fn a_delivery_answered_500_is_retried_and_delivered_under_the_same_id() {
    let harness = Harness::start(Db::sqlite()).await;
    let receiver = receiver().await;
    let hook = harness
        .subscribe(&receiver.url(), &["message.created"])
        .await;
    receiver.answer_with(&[500, 503]);
    harness.message(ConversationId::new(), 1, "hello").await;

    let arrivals = harness.arrivals(&receiver, 3).await;
    let answered: Vec<u16> = arrivals.iter().map(|a| a.answered).collect();
    assert_eq!(answered, [500, 503, 200]);
    assert!(
        arrivals.iter().all(|a| a.id == arrivals[0].id),
        "{arrivals:?}"
    );
    assert!(arrivals.iter().all(|a| a.verified));
    let logged = eventually("delivered after retries", WAIT, || async {
        harness
            .log(&hook)
            .await
            .pop()
            .filter(|d| d.status == "delivered")
    })
    .await;
    assert_eq!(logged.attempts, 3);
}

async fn a_delivery_pending_at_a_restart_goes_out_after_it_under_the_same_id(db: Db) {
    let mut harness = Harness::start(db).await;
    let receiver = receiver().await;
    let hook = harness
        .subscribe(&receiver.url(), &["message.created"])
        .await;
    receiver.answer_with(&[500]);
    harness.message(ConversationId::new(), 1, "hello").await;
    let first = harness.arrivals(&receiver, 1).await;
    eventually("the failure logged", WAIT, || async {
        harness
            .log(&hook)
            .await
            .pop()
            .filter(|d| d.status == "failed")
    })
    .await;
    harness.stop_service().await;
    harness.start_service().await;

    let arrivals = harness.arrivals(&receiver, 2).await;
    assert_eq!(
        arrivals[1].id, first[0].id,
        "a receiver can drop the repeat by id"
    );
    assert_eq!(arrivals[1].answered, 200);
    assert!(arrivals[1].verified);
    eventually("delivered after the restart", WAIT, || async {
        harness
            .log(&hook)
            .await
            .pop()
            .filter(|d| d.status == "delivered")
    })
    .await;
    assert_eq!(receiver.arrivals().len(), 2, "delivered once it succeeded");
}

#[tokio::test]
async fn a_delivery_pending_at_a_restart_goes_out_after_it_under_the_same_id_on_sqlite() {
    a_delivery_pending_at_a_restart_goes_out_after_it_under_the_same_id(Db::sqlite()).await;
}

#[tokio::test]
async fn a_delivery_pending_at_a_restart_goes_out_after_it_under_the_same_id_on_postgres() {
    let Some(url) = postgres_database().await else {
        return;
    };
    a_delivery_pending_at_a_restart_goes_out_after_it_under_the_same_id(Db::Postgres(url)).await;
}

#[tokio::test]
async fn a_run_of_failures_pauses_the_subscription_until_an_admin_resumes_it() {
    let harness = Harness::start(Db::sqlite()).await;
    let receiver = receiver().await;
    let hook = harness
        .subscribe(&receiver.url(), &["message.created"])
        .await;
    // The test configuration pauses after 3 consecutive failures.
    receiver.answer_with(&[500, 500, 500]);
    let conversation = ConversationId::new();
    harness.message(conversation, 1, "one").await;
    harness.arrivals(&receiver, 3).await;
    let state = eventually("the pause recorded", WAIT, || async {
        harness.state(&hook).await.filter(|s| s.paused)
    })
    .await;
    assert_eq!(state.consecutive_failures, 3);
    assert!(state.paused_reason.contains("3 consecutive"), "{state:?}");
    let logged = harness.log(&hook).await.pop().unwrap();
    assert!(logged.error.contains("paused"), "{logged:?}");
    assert_eq!(harness.counter("webhook_subscriptions_paused_total"), 1);

    // While paused, nothing more is attempted, new events included.
    harness.message(conversation, 2, "two").await;
    eventually("the new event recorded", WAIT, || async {
        (harness.log(&hook).await.len() == 2).then_some(())
    })
    .await;
    let attempts = harness.counter("webhook_attempts_total");
    assert_eq!(attempts, 3);

    harness.resume(&hook).await;
    let arrivals = harness.arrivals(&receiver, 5).await;
    let texts: Vec<&str> = arrivals[3..]
        .iter()
        .map(|a| a.body["data"]["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two"], "in order after the resume");
    let state = harness.state(&hook).await.unwrap();
    assert!(!state.paused);
    assert_eq!(state.consecutive_failures, 0);
}

#[tokio::test]
async fn a_loopback_target_is_refused_without_the_allow_flag() {
    let harness = Harness::start_with(Db::sqlite(), false).await;
    let receiver = receiver().await;
    let hook = harness
        .subscribe(&receiver.url(), &["message.created"])
        .await;
    harness.message(ConversationId::new(), 1, "hello").await;
    let logged = eventually("the refusal logged", WAIT, || async {
        harness
            .log(&hook)
            .await
            .pop()
            .filter(|d| d.status == "failed")
    })
    .await;
    assert!(logged.error.contains("loopback"), "{logged:?}");
    assert_eq!(logged.response_status, 0);
    assert!(
        receiver.arrivals().is_empty(),
        "nothing reached the receiver"
    );
}
