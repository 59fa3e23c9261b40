//! A held conversation while it is live: typing both ways, the inactivity
//! warning, and a dropped socket that changes nothing.

use std::time::Duration;

use futures::StreamExt;
use prost::Message;
use serde_json::json;
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    Author, Availability, ConversationEvent, InactivityWarning, Role, TypingEvent,
};

use super::app::spawn_app;
use crate::client::connect;

#[tokio::test]
async fn typing_reaches_the_agent_from_the_customer_and_the_bus_from_the_agent() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let conversation = app.live_conversation(&seeded);
    let router = app.router(&seeded).await;
    router.view.lock().unwrap().live_conversations = vec![conversation.to_string()];
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let subject = subjects::typing(seeded.tenant, conversation);
    let mut typing = app
        .state
        .bus
        .client
        .subscribe(subject.clone())
        .await
        .unwrap();

    let id = conversation.to_string();
    console
        .send(json!({"type": "typing", "conversation": id, "on": true}))
        .await;
    let seen = tokio::time::timeout(Duration::from_secs(5), typing.next())
        .await
        .expect("the agent's typing is published")
        .unwrap();
    let event = TypingEvent::decode(seen.payload).unwrap();
    let author = event.author.unwrap();
    assert_eq!(
        (author.role(), author.id),
        (Role::Agent, seeded.agent.to_string())
    );

    let customer = TypingEvent {
        tenant: seeded.tenant.to_string(),
        conversation: id.clone(),
        author: Some(Author {
            role: Role::Customer as i32,
            id: "user:ada".into(),
            name: "Ada".into(),
        }),
        on: true,
    };
    app.state
        .bus
        .publish_core(subject, &customer)
        .await
        .unwrap();
    // The agent's own typing came back on the subject too, and was not shown.
    let frame = console.expect("typing").await;
    assert_eq!(
        frame,
        json!({"type": "typing", "conversation": id, "role": "customer", "name": "Ada", "on": true})
    );
}

#[tokio::test]
async fn an_inactivity_warning_is_shown_with_its_deadline() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let conversation = app.live_conversation(&seeded);
    let router = app.router(&seeded).await;
    router.view.lock().unwrap().live_conversations = vec![conversation.to_string()];
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let warning = ConversationEvent {
        tenant: seeded.tenant.to_string(),
        conversation: conversation.to_string(),
        event: Some(Event::Inactive(InactivityWarning {
            ends_at_ms: 1_700_000_000_000,
        })),
        ..Default::default()
    };
    app.state
        .bus
        .publish_durable(
            subjects::event(seeded.tenant, conversation, EventKind::Inactive),
            "inactive:1",
            &warning,
        )
        .await
        .unwrap();
    let frame = console.expect("inactive").await;
    assert_eq!(
        frame,
        json!({"type": "inactive", "conversation": conversation.to_string(),
               "ends_at": "2023-11-14T22:13:20.000Z"})
    );
}

#[tokio::test]
async fn a_dropped_connection_changes_no_availability() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut router = app.router(&seeded).await;
    let mut first = connect(&app.socket_url()).await;
    first.hello(json!({"token": seeded.token})).await;
    let open = app.state.counters.sockets.with(["agent"]);
    assert_eq!(open.get(), 1);
    drop(first);
    // The gateway has seen the socket go before anything else happens.
    switchboard_testkit::eventually("the socket to close", Duration::from_secs(5), || {
        let open = open.get();
        async move { (open == 0).then_some(()) }
    })
    .await;

    let mut second = connect(&app.socket_url()).await;
    second.hello(json!({"token": seeded.token})).await;
    second
        .send(json!({"type": "set_status", "status": "available"}))
        .await;
    let input = router.next_input().await;
    assert!(
        matches!(&input.input, Some(Input::SetStatus(set)) if set.status() == Availability::Available),
        "the first input after the drop is the agent's own: {input:?}"
    );
}
