//! The customer WebSocket, with the stand-in transcript service owning
//! conversations.

mod app;
mod guards;
mod identity_secrets;
mod live_chat;
mod native_apps;

use serde_json::{Value, json};
use switchboard_contracts::v1::{Access, SupportMode, WidgetKind};

use crate::client::connect;
use app::spawn_app;

fn messages(frames: &[Value]) -> Vec<&Value> {
    frames.iter().filter(|f| f["type"] == "message").collect()
}

#[tokio::test]
async fn hello_is_answered_with_a_welcome_naming_the_support_mode() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    let welcome = socket.hello(json!({})).await;
    assert_eq!(
        welcome,
        json!({"type": "welcome", "signed_in": false, "support_mode": "ai_agent"})
    );
}

#[tokio::test]
async fn the_first_message_opens_a_conversation_and_is_echoed_exactly_once() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let frames = socket.say("c1", "Where is my order?").await;
    assert_eq!(frames.len(), 2, "conversation, then the echo: {frames:?}");
    assert_eq!(frames[0]["type"], "conversation");
    assert_eq!(frames[0]["state"], "ai");
    assert!(
        frames[0]["resume_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let message = &frames[1]["message"];
    assert_eq!(message["conversation"], frames[0]["id"]);
    assert_eq!(message["seq"], 1);
    assert_eq!(message["text"], "Where is my order?");
    assert_eq!(message["author"]["role"], "customer");
    assert_eq!(message["author"]["name"], "Guest");

    // The next frame is the next message's echo, not a second copy of the first.
    let frames = socket.say("c2", "Hello?").await;
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0]["message"]["seq"], 2);
}

#[tokio::test]
async fn a_retried_message_with_the_same_client_id_is_echoed_once() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    socket.say("c1", "hi").await;
    socket
        .send(json!({"type": "message", "client_id": "c1", "text": "hi"}))
        .await;
    let frames = socket.say("c2", "still there?").await;
    assert_eq!(
        messages(&frames).len(),
        1,
        "only c2's echo follows: {frames:?}"
    );
    assert_eq!(frames[0]["message"]["seq"], 2);
    assert_eq!(app.commands_stored().await, 2, "the retry was deduplicated");
}

/// A socket sends its messages without waiting for each one's ack; a
/// message the command stream does not take is still answered, each with
/// its own error naming the retry.
#[tokio::test]
async fn each_message_the_stream_does_not_take_is_answered_with_unavailable() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    socket.say("c1", "hello").await;
    app.state
        .bus
        .js
        .delete_stream(switchboard_contracts::streams::COMMANDS)
        .await
        .expect("the command stream deleted");
    for client_id in ["c2", "c3"] {
        socket
            .send(json!({"type": "message", "client_id": client_id, "text": "anyone?"}))
            .await;
    }
    for _ in ["c2", "c3"] {
        let error = socket.expect_error("unavailable").await;
        let message = error["message"].as_str().unwrap_or_default();
        assert_eq!(
            message, "the message could not be sent; retry shortly with the same frame",
            "{error}"
        );
    }
}

#[tokio::test]
async fn signed_in_access_asks_an_anonymous_customer_to_sign_in() {
    let app = spawn_app().await;
    let site = app
        .seed(
            SupportMode::AiAgent,
            Access::SignedIn,
            WidgetKind::SupportSite,
            &[],
        )
        .await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    socket
        .send(json!({"type": "message", "client_id": "c1", "text": "hi"}))
        .await;
    socket.expect("sign_in_required").await;
    assert_eq!(app.commands_stored().await, 0);

    socket
        .send(json!({"type": "sign_in", "token": site.identity("c-7")}))
        .await;
    let welcome = socket.expect("welcome").await;
    assert_eq!(welcome["signed_in"], true);
    let frames = socket.say("c1", "hi").await;
    assert_eq!(frames[1]["message"]["author"]["id"], "user:c-7");
}

#[tokio::test]
async fn a_new_socket_resumes_the_conversation_with_its_transcript() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut first = connect(&app.socket_url(site.widget)).await;
    first.hello(json!({})).await;
    let opened = first.say("c1", "one").await;
    first.say("c2", "two").await;
    let (id, token) = (opened[0]["id"].clone(), opened[0]["resume_token"].clone());
    drop(first);

    let mut second = connect(&app.socket_url(site.widget)).await;
    second.hello(json!({"resume": token})).await;
    let conversation = second.expect("conversation").await;
    assert_eq!(conversation["id"], id);
    assert_eq!(conversation["state"], "ai");
    let transcript = second.expect("transcript").await;
    let texts: Vec<&Value> = transcript["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["text"])
        .collect();
    assert_eq!(texts, vec!["one", "two"]);
    // The thread continues on the new socket.
    let frames = second.say("c3", "three").await;
    assert_eq!(frames, vec![frames[0].clone()]);
    assert_eq!(frames[0]["message"]["seq"], 3);
    assert_eq!(frames[0]["message"]["conversation"], id);
}

#[tokio::test]
async fn ending_the_conversation_sends_ended_and_the_next_message_opens_a_new_one() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let first = socket.say("c1", "hi").await[0]["id"].clone();
    socket.send(json!({"type": "end"})).await;
    let changed = socket.expect("conversation").await;
    assert_eq!(
        (changed["id"].clone(), changed["state"].clone()),
        (first.clone(), json!("ended"))
    );
    assert_eq!(socket.expect("ended").await["reason"], "customer_ended");
    socket.send(json!({"type": "end"})).await;
    socket.expect_error("not_in_conversation").await;

    let frames = socket.say("c1", "new question").await;
    assert_eq!(frames[0]["type"], "conversation");
    assert_ne!(frames[0]["id"], first);
    assert_eq!(frames[1]["message"]["seq"], 1);
}

#[tokio::test]
async fn asking_for_a_person_in_ai_agent_mode_gets_the_ai_agents_next_steps() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    socket.say("c1", "hi").await;
    socket.send(json!({"type": "request_human"})).await;
    let message = socket.expect("message").await["message"].clone();
    assert_eq!(message["author"]["role"], "ai");
    assert_eq!(message["author"]["name"], "Sam");
    assert_eq!(message["text"], "Write to help@acme.test.");
}

#[tokio::test]
async fn shutting_down_the_gateway_closes_open_sockets_as_going_away() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let open_sockets = app.state.counters.sockets.with(["customer"]);
    assert_eq!(open_sockets.get(), 1);
    app.shutdown.trigger();
    assert_eq!(socket.closed().await, Some(1001));
    switchboard_testkit::eventually(
        "the socket gauge to drop",
        std::time::Duration::from_secs(5),
        || {
            let open = open_sockets.get();
            async move { (open == 0).then_some(()) }
        },
    )
    .await;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.server)
        .await
        .expect("the server drains")
        .expect("the server task ends cleanly");
}

#[tokio::test]
async fn the_other_sides_typing_reaches_the_customer_and_the_customers_reaches_the_bus() {
    use futures::StreamExt;
    use prost::Message;
    use switchboard_contracts::subjects;
    use switchboard_contracts::v1::{Author, Role, TypingEvent};

    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let id: switchboard_contracts::ids::ConversationId = socket.say("c1", "hi").await[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let subject = subjects::typing(site.tenant, id);
    let mut typing = app
        .state
        .bus
        .client
        .subscribe(subject.clone())
        .await
        .unwrap();

    socket.send(json!({"type": "typing", "on": true})).await;
    let seen = tokio::time::timeout(std::time::Duration::from_secs(5), typing.next())
        .await
        .expect("the customer's typing is published")
        .unwrap();
    let event = TypingEvent::decode(seen.payload).unwrap();
    assert_eq!(event.author.unwrap().role(), Role::Customer);
    assert!(event.on);

    let ai_typing = TypingEvent {
        tenant: site.tenant.to_string(),
        conversation: id.to_string(),
        author: Some(Author {
            role: Role::Ai as i32,
            id: "ai".into(),
            name: "Sam".into(),
        }),
        on: true,
    };
    app.state
        .bus
        .publish_core(subject, &ai_typing)
        .await
        .unwrap();
    let frame = socket.expect("typing").await;
    assert_eq!(
        frame,
        json!({"type": "typing", "role": "ai", "name": "Sam", "on": true})
    );
}
