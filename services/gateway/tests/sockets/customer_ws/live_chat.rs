//! Live chat through the customer socket: asking for a person, the sign-in
//! rule, `support_team` mode, the queue position, an agent joining, the
//! fallback and the inactivity warning. The stand-in owner applies the
//! commands; what the router and the timer would send is published here.

use prost::Message;
use serde_json::{Value, json};
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    AssignAgent, ConversationCommand, ConversationEvent, Edition, InactivityWarning, QueuePosition,
    ReturnToAi, SupportMode,
};

use super::app::{Site, TestApp, spawn_app};
use crate::client::{Client, connect};

fn id_of(frame: &Value) -> ConversationId {
    frame["id"]
        .as_str()
        .expect("a conversation id")
        .parse()
        .expect("a uuid")
}

/// Publishes a command as another service (the router) would.
async fn command(app: &TestApp, site: &Site, conversation: ConversationId, command: Command) {
    let command = ConversationCommand {
        tenant: site.tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: 1,
        command_id: uuid::Uuid::new_v4().to_string(),
        command: Some(command),
    };
    let subject = subjects::command(site.tenant, conversation);
    app.state
        .bus
        .publish_durable(subject, &command.command_id, &command)
        .await
        .expect("command published");
}

/// The last command stored for the conversation.
async fn last_command(
    app: &TestApp,
    site: &Site,
    conversation: ConversationId,
) -> ConversationCommand {
    let stream = app
        .state
        .bus
        .js
        .get_stream(switchboard_contracts::streams::COMMANDS)
        .await
        .expect("command stream");
    let stored = stream
        .get_last_raw_message_by_subject(&subjects::command(site.tenant, conversation))
        .await
        .expect("a stored command");
    ConversationCommand::decode(stored.payload).expect("a command")
}

/// A signed-in customer whose conversation is with the team (`queued`).
async fn queued(app: &TestApp, mode: SupportMode) -> (Site, Client, ConversationId) {
    let site = app.seed_team(mode, Edition::Premium).await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({"token": site.identity("c-1")})).await;
    let opened = socket.say("c1", "My parcel is lost").await;
    let id = id_of(&opened[0]);
    if mode == SupportMode::AiAndTeam {
        socket.send(json!({"type": "request_human"})).await;
        assert_eq!(socket.expect("conversation").await["state"], "queued");
    } else {
        assert_eq!(opened[0]["state"], "queued");
    }
    (site, socket, id)
}

#[tokio::test]
async fn asking_for_a_person_on_a_standard_tenant_gets_the_fallback_and_changes_nothing() {
    let app = spawn_app().await;
    let site = app
        .seed_team(SupportMode::AiAndTeam, Edition::Standard)
        .await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({"token": site.identity("c-1")})).await;
    socket.say("c1", "hi").await;
    socket.send(json!({"type": "request_human"})).await;
    let fallback = socket.expect("fallback").await;
    assert!(
        fallback["text"]
            .as_str()
            .unwrap()
            .contains("contact options"),
        "{fallback}"
    );
    assert_eq!(app.commands_stored().await, 1, "only the message");
}

#[tokio::test]
async fn asking_for_a_person_on_a_premium_ai_and_team_experience_hands_the_conversation_over() {
    let app = spawn_app().await;
    let (site, _socket, id) = queued(&app, SupportMode::AiAndTeam).await;
    let stored = last_command(&app, &site, id).await;
    assert!(stored.command_id.starts_with(&format!("handoff:{id}:")));
    let Some(Command::Handoff(handoff)) = stored.command else {
        panic!("the stored command is a handoff: {stored:?}")
    };
    assert_eq!(handoff.reason, "customer_request");
}

#[tokio::test]
async fn an_anonymous_first_message_in_support_team_mode_asks_to_sign_in_and_stores_nothing() {
    let app = spawn_app().await;
    let site = app
        .seed_team(SupportMode::SupportTeam, Edition::Premium)
        .await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    socket
        .send(json!({"type": "message", "client_id": "c1", "text": "hi"}))
        .await;
    socket.expect("sign_in_required").await;
    assert_eq!(app.commands_stored().await, 0);

    socket
        .send(json!({"type": "sign_in", "token": site.identity("c-2")}))
        .await;
    assert_eq!(socket.expect("welcome").await["signed_in"], true);
    let frames = socket.say("c1", "hi").await;
    assert_eq!(frames[0]["state"], "queued");
    assert_eq!(frames[1]["message"]["author"]["id"], "user:c-2");
}

#[tokio::test]
async fn an_anonymous_request_for_a_person_shows_the_sign_in_notice_and_signing_in_continues_it() {
    let app = spawn_app().await;
    let site = app
        .seed_team(SupportMode::AiAndTeam, Edition::Premium)
        .await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let id = socket.say("c1", "hi").await[0]["id"].clone();
    socket.send(json!({"type": "request_human"})).await;
    let notice = socket.expect("message").await;
    assert_eq!(notice["message"]["notice"], "sign_in_required");
    assert_eq!(notice["message"]["author"]["role"], "system");
    socket.expect("sign_in_required").await;

    socket
        .send(json!({"type": "sign_in", "token": site.identity("c-3")}))
        .await;
    socket.expect("welcome").await;
    let same_thread = socket.expect("conversation").await;
    assert_eq!(
        (&same_thread["id"], &same_thread["state"]),
        (&id, &json!("ai"))
    );
    let handed_over = socket.expect("conversation").await;
    assert_eq!(
        (&handed_over["id"], &handed_over["state"]),
        (&id, &json!("queued"))
    );
}

#[tokio::test]
async fn a_queued_customer_sees_their_position_and_then_the_agent_joining() {
    let app = spawn_app().await;
    let (site, mut socket, id) = queued(&app, SupportMode::SupportTeam).await;
    let position = QueuePosition {
        tenant: site.tenant.to_string(),
        conversation: id.to_string(),
        position: 2,
    };
    let subject = subjects::queue_position(site.tenant, id);
    app.state
        .bus
        .publish_core(subject, &position)
        .await
        .unwrap();
    assert_eq!(
        socket.expect("queued").await,
        json!({"type": "queued", "position": 2})
    );

    let assign = AssignAgent {
        agent: "agent-1".into(),
        agent_name: "Grace".into(),
        offer_id: "offer-1".into(),
    };
    command(&app, &site, id, Command::Assign(assign)).await;
    assert_eq!(socket.expect("conversation").await["state"], "live");
    assert_eq!(
        socket.expect("message").await["message"]["notice"],
        "agent_joined"
    );
    assert_eq!(
        socket.expect("agent_joined").await,
        json!({"type": "agent_joined", "agent": {"name": "Grace"}})
    );
}

#[tokio::test]
async fn nobody_taking_the_conversation_shows_the_fallback_and_returns_it_to_the_ai() {
    let app = spawn_app().await;
    let (site, mut socket, id) = queued(&app, SupportMode::AiAndTeam).await;
    let back = ReturnToAi {
        reason: "no_agents_available".into(),
        fallback_text: "Write to help@acme.test.".into(),
    };
    command(&app, &site, id, Command::ReturnToAi(back)).await;
    let notice = socket.expect("message").await;
    assert_eq!(notice["message"]["notice"], "fallback");
    assert_eq!(
        socket.expect("fallback").await,
        json!({"type": "fallback", "text": "Write to help@acme.test."})
    );
    assert_eq!(socket.expect("conversation").await["state"], "ai");
}

#[tokio::test]
async fn an_inactivity_warning_reaches_the_customer_as_inactive() {
    let app = spawn_app().await;
    let (site, mut socket, id) = queued(&app, SupportMode::SupportTeam).await;
    let event = ConversationEvent {
        tenant: site.tenant.to_string(),
        conversation: id.to_string(),
        at_ms: 1,
        info: None,
        event: Some(Event::Inactive(InactivityWarning {
            ends_at_ms: 1_764_000_000_250,
        })),
    };
    let subject = subjects::event(site.tenant, id, EventKind::Inactive);
    app.state
        .bus
        .publish_durable(subject, &format!("inactive:{id}"), &event)
        .await
        .unwrap();
    assert_eq!(
        socket.expect("inactive").await,
        json!({"type": "inactive", "ends_at": "2025-11-24T16:00:00.250Z"})
    );
}
