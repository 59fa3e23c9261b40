//! The agent WebSocket (CONTRACT.md §3) against a real nats-server and a
//! real gateway, with stand-ins playing the router (its view, its inputs
//! stream and its events) and the transcript service (reads and commands).

mod app;
mod fake_router;
mod live;
mod presence;
mod refusals;

use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::ids::ExperienceId;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    AcceptRefused, AgentView, Assigned, Availability, Customer, EndReason, Experience, Offer, Role,
    SpaceStatus,
};

use crate::client::connect;
use app::spawn_app;

fn texts(messages: &Value) -> Vec<&str> {
    messages
        .as_array()
        .expect("a list of messages")
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect()
}

#[tokio::test]
async fn the_welcome_lists_the_agents_spaces_with_their_status_from_the_router() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let router = app.router(&seeded).await;
    router.view.lock().unwrap().spaces = vec![SpaceStatus {
        space: seeded.spaces[1].to_string(),
        status: Availability::Available as i32,
        ..Default::default()
    }];
    let mut console = connect(&app.socket_url()).await;
    let welcome = console.hello(json!({"token": seeded.token})).await;
    assert_eq!(
        welcome["agent"],
        json!({"id": seeded.agent.to_string(), "name": "Grace"})
    );
    assert_eq!(
        welcome["spaces"],
        json!([
            {"id": seeded.spaces[0].to_string(), "name": "Billing", "status": "unavailable"},
            {"id": seeded.spaces[1].to_string(), "name": "Returns", "status": "available"},
        ])
    );
    assert_eq!(welcome["conversations"], json!([]));
}

#[tokio::test]
async fn without_a_router_answering_every_space_is_welcomed_unavailable() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut console = connect(&app.socket_url()).await;
    let welcome = console.hello(json!({"token": seeded.token})).await;
    let statuses: Vec<&Value> = welcome["spaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["status"])
        .collect();
    assert_eq!(statuses, vec!["unavailable", "unavailable"]);
}

#[tokio::test]
async fn set_status_goes_to_the_router_and_the_status_frame_comes_back_from_it() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut router = app.router(&seeded).await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let billing = seeded.spaces[0].to_string();
    console
        .send(json!({"type": "set_status", "status": "available", "space": billing}))
        .await;
    let input = router.next_input().await;
    assert_eq!(input.tenant, seeded.tenant.to_string());
    assert!(!input.input_id.is_empty());
    let Some(Input::SetStatus(set)) = input.input else {
        panic!("a set_status input")
    };
    assert_eq!(set.agent, seeded.agent.to_string());
    assert_eq!(
        (set.space.as_str(), set.status()),
        (billing.as_str(), Availability::Available)
    );
    let status = console.expect("status").await;
    assert_eq!(
        status,
        json!({"type": "status", "space": billing, "status": "available"})
    );

    // No space: every space of the agent, one status frame each.
    console
        .send(json!({"type": "set_status", "status": "unavailable"}))
        .await;
    let Some(Input::SetStatus(set)) = router.next_input().await.input else {
        panic!("a set_status input")
    };
    assert_eq!(set.space, "");
    for space in seeded.spaces {
        let status = console.expect("status").await;
        assert_eq!(
            (status["space"].clone(), status["status"].clone()),
            (json!(space.to_string()), json!("unavailable"))
        );
    }
}

#[tokio::test]
async fn an_offer_shows_with_its_expiry_and_accepting_it_publishes_an_accept() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut router = app.router(&seeded).await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let conversation = app.live_conversation(&seeded);
    let experience = ExperienceId::new();
    let record = Experience {
        id: experience.to_string(),
        tenant: seeded.tenant.to_string(),
        name: "Acme Help Center".into(),
        ..Default::default()
    };
    app.state
        .config_cache
        .put(&keys::experience(experience), &record)
        .await
        .unwrap();
    let offer = Offer {
        offer_id: format!("{conversation}:1"),
        experience: experience.to_string(),
        conversation: conversation.to_string(),
        space: seeded.spaces[0].to_string(),
        customer: Some(Customer {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            ..Default::default()
        }),
        summary: "My invoice is wrong".into(),
        expires_at_ms: 1_700_000_120_000,
    };
    app.agent_event(&seeded, Event::Offer(offer)).await;
    let frame = console.expect("offer").await;
    assert_eq!(frame["offer_id"], format!("{conversation}:1"));
    assert_eq!(frame["conversation"], conversation.to_string());
    assert_eq!(frame["space"], seeded.spaces[0].to_string());
    assert_eq!(
        frame["experience"],
        json!({"id": experience.to_string(), "name": "Acme Help Center"}),
        "the offer names the customer experience (SPEC §7)"
    );
    assert_eq!(
        frame["customer"],
        json!({"name": "Ada", "email": "ada@example.com"})
    );
    assert_eq!(frame["summary"], "My invoice is wrong");
    assert_eq!(frame["expires_at"], "2023-11-14T22:15:20.000Z");

    console
        .send(json!({"type": "accept", "offer_id": frame["offer_id"]}))
        .await;
    let Some(Input::Accept(accept)) = router.next_input().await.input else {
        panic!("an accept input")
    };
    assert_eq!(accept.offer_id, format!("{conversation}:1"));
    assert_eq!(accept.agent, seeded.agent.to_string());
}

#[tokio::test]
async fn an_assigned_conversation_arrives_with_its_whole_transcript_and_messages_flow_both_ways() {
    let mut app = spawn_app().await;
    let seeded = app.seed().await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let conversation = app.live_conversation(&seeded);
    let assigned = Assigned {
        conversation: conversation.to_string(),
        offer_id: format!("{conversation}:1"),
    };
    app.agent_event(&seeded, Event::Assigned(assigned)).await;
    let frame = console.expect("assigned").await;
    assert_eq!(frame["conversation"], conversation.to_string());
    assert_eq!(
        texts(&frame["transcript"]),
        vec!["My invoice is wrong", "Let me get you a person."]
    );
    assert_eq!(
        frame["transcript"][1]["author"]["role"], "ai",
        "the AI part is included"
    );

    app.customer_says(&seeded, conversation, "Hello?").await;
    app.owner.next_command().await;
    let message = console.expect("message").await["message"].clone();
    assert_eq!(
        (message["seq"].clone(), message["text"].clone()),
        (json!(3), json!("Hello?"))
    );
    assert_eq!(message["author"]["role"], "customer");

    console
        .send(
            json!({"type": "message", "conversation": conversation.to_string(),
                     "client_id": "a1", "text": "Hi Ada, I'm Grace."}),
        )
        .await;
    let command = app.owner.next_command().await;
    assert_eq!(command.command_id, format!("post:{conversation}:a1"));
    let Some(Command::Post(post)) = command.command else {
        panic!("a post")
    };
    let author = post.author.expect("an author");
    assert_eq!(
        (author.role(), author.id, author.name),
        (Role::Agent, seeded.agent.to_string(), "Grace".into())
    );
    assert!(post.start.is_none());
    let echo = console.expect("message").await["message"].clone();
    assert_eq!(
        (echo["seq"].clone(), echo["client_id"].clone()),
        (json!(4), json!("a1"))
    );
    assert_eq!(echo["author"]["role"], "agent");
}

/// The console's accepts are sent without waiting for each one's ack; an
/// accept the routing stream does not take is still answered, each with
/// an `unavailable` error naming its own offer.
#[tokio::test]
async fn each_accept_the_stream_does_not_take_is_answered_naming_its_offer() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let mut offers = Vec::new();
    for _ in 0..2 {
        let conversation = app.live_conversation(&seeded);
        let offer = Offer {
            offer_id: format!("{conversation}:1"),
            conversation: conversation.to_string(),
            space: seeded.spaces[0].to_string(),
            expires_at_ms: 1_700_000_120_000,
            ..Default::default()
        };
        app.agent_event(&seeded, Event::Offer(offer)).await;
        offers.push(console.expect("offer").await["offer_id"].clone());
    }
    app.state
        .bus
        .js
        .delete_stream(switchboard_contracts::streams::ROUTING)
        .await
        .expect("the routing stream deleted");
    for offer_id in &offers {
        console
            .send(json!({"type": "accept", "offer_id": offer_id}))
            .await;
    }
    for offer_id in &offers {
        let error = console.expect_error("unavailable").await;
        assert_eq!(&error["offer_id"], offer_id, "{error}");
    }
}

#[tokio::test]
async fn a_refused_accept_is_a_conflict_naming_the_offer() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let refused = AcceptRefused {
        offer_id: "c:1".into(),
        code: "conflict".into(),
        message: "taken".into(),
    };
    app.agent_event(&seeded, Event::Refused(refused)).await;
    let error = console.expect_error("conflict").await;
    assert_eq!(error["message"], "That conversation is no longer available");
    assert_eq!(error["offer_id"], "c:1");
}

#[tokio::test]
async fn ending_publishes_agent_ended_and_the_ended_event_releases_the_conversation() {
    let mut app = spawn_app().await;
    let seeded = app.seed().await;
    let conversation = app.live_conversation(&seeded);
    let router = app.router(&seeded).await;
    router.view.lock().unwrap().live_conversations = vec![conversation.to_string()];
    let mut console = connect(&app.socket_url()).await;
    let welcome = console.hello(json!({"token": seeded.token})).await;
    let listed = &welcome["conversations"][0];
    assert_eq!(listed["id"], conversation.to_string());
    assert_eq!(listed["state"], "live");
    assert_eq!(
        listed["customer"],
        json!({"name": "Ada", "email": "ada@example.com"})
    );
    assert_eq!(texts(&listed["transcript"]).len(), 2);

    let id = conversation.to_string();
    console
        .send(json!({"type": "end", "conversation": id}))
        .await;
    let command = app.owner.next_command().await;
    assert_eq!(command.command_id, format!("end:{conversation}"));
    let Some(Command::End(end)) = command.command else {
        panic!("an end")
    };
    assert_eq!(end.reason(), EndReason::AgentEnded);
    assert_eq!(end.by.map(|by| by.role()), Some(Role::Agent));
    let ended = console.expect("ended").await;
    assert_eq!(
        ended,
        json!({"type": "ended", "conversation": id, "reason": "agent_ended"})
    );

    console
        .send(json!({"type": "message", "conversation": id, "client_id": "late", "text": "bye"}))
        .await;
    console.expect_error("forbidden").await;
}

#[tokio::test]
async fn the_welcome_is_followed_by_the_pending_offers() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let router = app.router(&seeded).await;
    *router.view.lock().unwrap() = AgentView {
        offers: vec![Offer {
            offer_id: "c:9".into(),
            space: seeded.spaces[1].to_string(),
            expires_at_ms: 1_700_000_000_000,
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let offer = console.expect("offer").await;
    assert_eq!(offer["offer_id"], "c:9");
    assert_eq!(offer["space_name"], "Returns");
}
