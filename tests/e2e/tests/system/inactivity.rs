//! Inactivity (SPEC §4): silence for SWITCHBOARD_INACTIVITY_WARN warns, more
//! silence for SWITCHBOARD_INACTIVITY_END ends; typing is not activity.

use serde_json::json;
use switchboard_e2e::admin::ai_tenant;
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_conversation_is_warned_then_ended_and_typing_does_not_keep_it_alive() {
    let env = vec![
        ("SWITCHBOARD_INACTIVITY_WARN".to_owned(), "1s".to_owned()),
        ("SWITCHBOARD_INACTIVITY_END".to_owned(), "1s".to_owned()),
    ];
    let system = System::start_with(None, env).await;
    let tenant = ai_tenant(&system, "standard").await;
    let mut customer =
        Customer::hello(&system.ws_url(), &tenant.widget, json!({"type": "hello"})).await;
    customer.say("q-1", "how do i reset my password").await;
    let reply = customer.expect_message_from("ai").await;
    // The silence counts from the last message as stored (its `at`), not from
    // when this client happened to read it.
    let last_at = OffsetDateTime::parse(reply["at"].as_str().unwrap(), &Rfc3339).unwrap();

    let warning = customer.expect("inactive").await;
    assert!(warning["ends_at"].is_string());
    let silence = OffsetDateTime::now_utc() - last_at;
    assert!(
        silence >= time::Duration::seconds(1),
        "warned after {silence}: never early"
    );
    customer.send(json!({"type": "typing", "on": true})).await;
    assert_eq!(customer.expect("ended").await["reason"], "inactivity");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_after_the_warning_keeps_the_conversation_going() {
    let env = vec![
        ("SWITCHBOARD_INACTIVITY_WARN".to_owned(), "1s".to_owned()),
        ("SWITCHBOARD_INACTIVITY_END".to_owned(), "2s".to_owned()),
    ];
    let system = System::start_with(None, env).await;
    let tenant = ai_tenant(&system, "standard").await;
    let mut customer =
        Customer::hello(&system.ws_url(), &tenant.widget, json!({"type": "hello"})).await;
    customer.say("r-1", "how do i reset my password").await;
    customer.expect_message_from("ai").await;
    customer.expect("inactive").await;
    customer.say("r-2", "what is your refund policy?").await;
    customer.expect_message_from("ai").await;
    // A fresh silence warns again before anything ends.
    let next = customer.expect("inactive").await;
    assert!(next["ends_at"].is_string());
    let ended_before_warning = customer
        .frames
        .iter()
        .rev()
        .take_while(|f| f["type"] != "inactive")
        .any(|f| f["type"] == "ended");
    assert!(!ended_before_warning);
}
