//! AI chat end to end (SPEC §3–§4 for `ai_agent` experiences).

use serde_json::json;
use switchboard_e2e::admin::{self, PASSWORD_ANSWER, ai_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

async fn chat_resume_and_start_over(system: &System) {
    let tenant = ai_tenant(system, "standard").await;
    let ws = system.ws_url();
    let mut customer = Customer::hello(&ws, &tenant.widget, json!({"type": "hello"})).await;

    customer.say("c-1", "how do i reset my password").await;
    let conversation = customer.expect("conversation").await;
    assert_eq!(conversation["state"], "ai");
    let id = conversation["id"].as_str().unwrap().to_owned();
    let resume = conversation["resume_token"].as_str().unwrap().to_owned();
    assert!(!resume.is_empty());
    let echo = customer.expect_message_from("customer").await;
    assert_eq!(
        (echo["seq"].as_u64(), echo["client_id"].as_str()),
        (Some(1), Some("c-1"))
    );
    let answer = customer.expect_message_from("ai").await;
    assert_eq!(answer["text"], PASSWORD_ANSWER);
    assert_eq!(answer["seq"], 2);

    // A retried send (same client id) is stored and echoed once.
    customer.say("c-1", "how do i reset my password").await;
    customer.say("c-2", "what is your refund policy?").await;
    let second = customer.expect_message_from("customer").await;
    assert_eq!(
        (second["seq"].as_u64(), second["client_id"].as_str()),
        (Some(3), Some("c-2"))
    );
    customer.expect_message_from("ai").await;
    customer.send(json!({"type": "transcript"})).await;
    let transcript = customer.expect("transcript").await;
    let seqs: Vec<u64> = transcript["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    let echoes_of_c1 = customer
        .messages()
        .iter()
        .filter(|m| m["client_id"] == "c-1")
        .count();
    assert_eq!(echoes_of_c1, 1, "every message is echoed exactly once");
    customer.close().await;

    // A new socket resumes the same thread.
    let mut again = Customer::connect(&ws, &tenant.widget).await;
    again.send(json!({"type": "hello", "resume": resume})).await;
    again.expect("welcome").await;
    let resumed = again.expect("conversation").await;
    assert_eq!(resumed["id"], id.as_str());
    let thread = again.expect("transcript").await;
    assert_eq!(thread["messages"].as_array().unwrap().len(), 4);

    // Ending it, then writing again, starts a new conversation.
    again.send(json!({"type": "end"})).await;
    let ended = again.expect("ended").await;
    assert_eq!(ended["reason"], "customer_ended");
    again.say("c-3", "how long does shipping take?").await;
    let fresh = again.expect("conversation").await;
    assert_ne!(fresh["id"], id.as_str());
    assert_eq!(
        again.expect_message_from("ai").await["text"],
        "Three to five business days."
    );

    let stored = admin::transcript(system, &tenant, &id).await;
    assert_eq!(stored.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_chats_with_the_ai_resumes_on_a_new_socket_and_starts_over_after_ending() {
    let system = System::start().await;
    chat_resume_and_start_over(&system).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_chat_works_with_postgresql_as_the_database() {
    let Some(url) = switchboard_testkit::postgres_database().await else {
        return;
    };
    let system = System::start_with(Some(url), Vec::new()).await;
    chat_resume_and_start_over(&system).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_cannot_see_each_others_conversations() {
    let system = System::start().await;
    let a = ai_tenant(&system, "standard").await;
    let b = ai_tenant(&system, "standard").await;
    let mut customer = Customer::hello(&system.ws_url(), &a.widget, json!({"type": "hello"})).await;
    customer.say("x-1", "hello there").await;
    let conversation = customer.expect("conversation").await;
    let id = conversation["id"].as_str().unwrap();
    let resume = conversation["resume_token"].as_str().unwrap().to_owned();
    customer.expect_message_from("customer").await;

    let http = reqwest::Client::new();
    let api = format!("{}/api/v1/tenants", system.gateway_url());
    // B's admin on A's tenant: forbidden.
    let (status, body) = admin::call(
        http.get(format!("{api}/{}/conversations/{id}", a.id))
            .bearer_auth(&b.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    // B's admin asking for A's conversation under B's own tenant: not found.
    let (status, body) = admin::call(
        http.get(format!("{api}/{}/conversations/{id}/transcript", b.id))
            .bearer_auth(&b.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    // A's resume token does not open anything through B's widget.
    let mut intruder = Customer::connect(&system.ws_url(), &b.widget).await;
    intruder
        .send(json!({"type": "hello", "resume": resume}))
        .await;
    let error = intruder.expect("error").await;
    assert_eq!(error["code"], "resume_invalid");
}
