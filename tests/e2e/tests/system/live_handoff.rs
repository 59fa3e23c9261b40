//! Where handoffs come from (SPEC §4): the customer asking the AI for a
//! person, the AI unsure twice in a row, and `support_team` mode, where the
//! first message goes to the team (signed-in customers only).

use serde_json::json;
use switchboard_e2e::admin::{customer_token, decisions, team_tenant};
use switchboard_e2e::customer::Customer;

use super::live::{available_agent, expect_state, signed_in_customer, system};

#[tokio::test(flavor = "multi_thread")]
async fn the_ai_hands_off_when_the_customer_asks_it_for_a_person() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "cust-k").await;
    customer
        .say("cust-k-2", "I want to talk to a real person please")
        .await;
    expect_state(&mut customer, "queued").await;
    let offer = alice.expect("offer").await;
    assert_eq!(offer["conversation"], conversation.as_str());
    // The router records why Alice got it; the record is stored alongside
    // the offer, so it may land a moment after Alice sees the offer.
    let record = switchboard_testkit::eventually(
        "the routing decision",
        std::time::Duration::from_secs(10),
        || async {
            let record = decisions(&system, &team.ai, &conversation).await;
            (!record.is_empty()).then_some(record)
        },
    )
    .await;
    assert_eq!(
        (&record[0]["kind"], &record[0]["agent"]),
        (&json!("offered"), &json!(team.agents[0].0))
    );
    assert_eq!(record[0]["offer_id"], offer["offer_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ai_hands_off_after_two_answers_it_was_not_sure_of() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "cust-l").await;
    customer
        .say("cust-l-2", "my parrot ate the router cable")
        .await;
    customer.expect_message_from("ai").await;
    customer
        .say("cust-l-3", "the purple elephant dances quietly")
        .await;
    expect_state(&mut customer, "queued").await;
    assert_eq!(
        alice.expect("offer").await["conversation"],
        conversation.as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn in_support_team_mode_the_first_message_goes_straight_to_an_agent() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "support_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let mut anonymous =
        Customer::hello(&system.ws_url(), &team.ai.widget, json!({"type": "hello"})).await;
    anonymous.say("anon-m", "hello?").await;
    anonymous.expect("sign_in_required").await;

    let token = customer_token(&team.ai, "cust-m", "Morgan");
    let mut customer = Customer::hello(
        &system.ws_url(),
        &team.ai.widget,
        json!({"type": "hello", "token": token}),
    )
    .await;
    customer.say("m-1", "I need help with my order").await;
    assert_eq!(customer.expect("conversation").await["state"], "queued");
    let offer = alice.expect("offer").await;
    assert_eq!(offer["summary"], "I need help with my order");
    alice
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    let assigned = alice.expect("assigned").await;
    assert_eq!(
        assigned["transcript"][0]["text"],
        "I need help with my order"
    );
}
