//! Two gateways on one NATS, each with its own configuration cache, as two
//! gateway processes behind a load balancer: concurrent edits of one record
//! all land or are answered 409, and an agent's email address stays unique
//! in its tenant when both gateways add or change agents at once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::v1::{Agent, AiAgent};
use switchboard_gateway::api::agent_emails;
use switchboard_testkit::eventually;

use super::helpers::*;

#[tokio::test]
async fn two_gateways_editing_one_ai_agent_at_once_lose_neither_edit() {
    let first = spawn_app().await;
    let second = first.beside().await;
    let tenant = first.tenant("premium").await;
    let id = first.ai_agent(&tenant, true).await;
    let path = format!("/ai-agents/{id}");

    for round in 0..12 {
        let name = format!("Helper {round}");
        let steps = format!("Write to us, round {round}.");
        let ((renamed, body_a), (reworded, body_b)) = tokio::join!(
            first.admin(&tenant, "PATCH", &path, json!({"name": name})),
            second.admin(&tenant, "PATCH", &path, json!({"next_steps": steps})),
        );
        for (status, body) in [(renamed, &body_a), (reworded, &body_b)] {
            assert!(
                status == StatusCode::OK
                    || (status == StatusCode::CONFLICT && code(body) == "conflict"),
                "round {round}: {status} {body}"
            );
        }
        // As stored: a gateway's cache may not have seen the other's write yet.
        let (stored, _) = first
            .state
            .config_cache
            .latest::<AiAgent>(&keys::ai_agent(&id))
            .await
            .unwrap()
            .expect("the AI agent");
        if renamed == StatusCode::OK {
            assert_eq!(stored.name, name, "round {round}: the rename was kept");
        }
        if reworded == StatusCode::OK {
            assert_eq!(
                stored.next_steps, steps,
                "round {round}: the steps were kept"
            );
        }
    }
}

#[tokio::test]
async fn two_gateways_adding_agents_with_one_address_at_once_create_exactly_one() {
    let first = spawn_app().await;
    let second = first.beside().await;
    let tenant = first.tenant("premium").await;
    let space = first.space(&tenant, "Billing").await;

    for round in 0..6 {
        let email = format!("grace{round}@acme.test");
        let body = |email: &str| json!({"name": "Grace", "email": email, "spaces": [space]});
        let ((a, body_a), (b, body_b)) = tokio::join!(
            first.admin(&tenant, "POST", "/agents", body(&email)),
            second.admin(&tenant, "POST", "/agents", body(&email.to_uppercase())),
        );
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "round {round}: {body_a} {body_b}"
        );
        let loser = if a == StatusCode::CONFLICT {
            &body_a
        } else {
            &body_b
        };
        assert_eq!(code(loser), "conflict");
        assert!(message(loser).starts_with("email:"), "{loser}");
    }
    let list = eventually("six agents", Duration::from_secs(5), || async {
        let (_, list) = second.admin(&tenant, "GET", "/agents", Value::Null).await;
        (list["agents"].as_array()?.len() == 6).then_some(list)
    })
    .await;

    // Deleting an agent frees its address, on any gateway.
    let agent = list["agents"][0]["id"].as_str().unwrap();
    let email = list["agents"][0]["email"].as_str().unwrap();
    let (status, _) = first
        .admin(&tenant, "DELETE", &format!("/agents/{agent}"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    second.agent(&tenant, email, &[&space]).await;
}

#[tokio::test]
async fn two_agents_moving_to_one_address_at_once_leave_one_there_and_the_other_as_it_was() {
    let first = spawn_app().await;
    let second = first.beside().await;
    let tenant = first.tenant("premium").await;
    let space = first.space(&tenant, "Billing").await;

    for round in 0..4 {
        let (ada, _) = first
            .agent(&tenant, &format!("ada{round}@acme.test"), &[&space])
            .await;
        let (bob, _) = first
            .agent(&tenant, &format!("bob{round}@acme.test"), &[&space])
            .await;
        let wanted = json!({"email": format!("shared{round}@acme.test")});
        let (ada_path, bob_path) = (format!("/agents/{ada}"), format!("/agents/{bob}"));
        let ((a, _), (b, _)) = tokio::join!(
            first.admin(&tenant, "PATCH", &ada_path, wanted.clone()),
            second.admin(&tenant, "PATCH", &bob_path, wanted.clone()),
        );
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );

        let (winner, loser, loser_was) = if a == StatusCode::OK {
            (&ada, &bob, format!("bob{round}@acme.test"))
        } else {
            (&bob, &ada, format!("ada{round}@acme.test"))
        };
        // As stored: a gateway's cache may not have seen the other's write yet.
        let email_of = async |id: &str| {
            let key = keys::agent(id);
            let stored = first.state.config_cache.latest::<Agent>(&key).await;
            stored.unwrap().expect("the agent").0.email
        };
        assert_eq!(email_of(winner).await, format!("shared{round}@acme.test"));
        assert_eq!(
            email_of(loser).await,
            loser_was,
            "the refused change was undone"
        );
        // The winner's old address is free again.
        let old = if winner == &ada { "ada" } else { "bob" };
        second
            .agent(&tenant, &format!("{old}{round}@acme.test"), &[&space])
            .await;
    }
}

#[tokio::test]
async fn a_claim_left_by_an_agent_that_no_longer_exists_is_taken_over() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    // What a gateway that crashed between deleting an agent and releasing
    // its address leaves behind.
    app.state
        .config_cache
        .create(
            &agent_emails::key(&tenant.id, "grace@acme.test"),
            &"0190a0b0-0000-7000-8000-00000000dead".to_owned(),
        )
        .await
        .unwrap();
    app.agent(&tenant, "Grace@acme.test", &[&space]).await;
    let body = json!({"name": "Other", "email": "grace@acme.test", "spaces": [space]});
    let (status, _) = app.admin(&tenant, "POST", "/agents", body).await;
    assert_eq!(status, StatusCode::CONFLICT, "now it is held");
}
