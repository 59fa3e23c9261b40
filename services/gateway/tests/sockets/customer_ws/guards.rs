//! Refusals: what the socket turns away, before and after the upgrade, and
//! that a refused frame changes nothing.

use serde_json::json;
use switchboard_contracts::v1::{Access, SupportMode, WidgetKind};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::app::{self, spawn_app};
use crate::client::{connect, try_connect};

#[tokio::test]
async fn a_message_before_hello_is_answered_hello_required() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket
        .send(json!({"type": "message", "client_id": "c1", "text": "hi"}))
        .await;
    socket.expect_error("hello_required").await;
    socket.hello(json!({})).await;
    assert_eq!(app.commands_stored().await, 0);
}

#[tokio::test]
async fn bad_frames_are_named_and_nothing_is_published() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let cases = [
        ("{not json".to_owned(), "JSON"),
        (json!({"type": "shout"}).to_string(), "type"),
        (
            json!({"type": "message", "client_id": "c1", "text": "a".repeat(4001)}).to_string(),
            "text",
        ),
        (
            json!({"type": "message", "client_id": "c1", "text": ""}).to_string(),
            "text",
        ),
        (
            json!({"type": "message", "text": "hi"}).to_string(),
            "client_id",
        ),
    ];
    for (frame, named) in cases {
        socket.send_text(frame.clone()).await;
        let error = socket.expect_error("invalid").await;
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named),
            "`{message}` should name {named} for {frame:.60}"
        );
    }
    assert_eq!(app.commands_stored().await, 0);
    // The socket still works.
    assert_eq!(socket.say("c1", "ok").await.len(), 2);
}

#[tokio::test]
async fn a_bad_identity_token_is_refused_as_unauthorized() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket
        .send(json!({"type": "hello", "token": "not.a.jwt"}))
        .await;
    let error = socket.expect_error("unauthorized").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("token:")
    );
    // Still waiting for a valid hello.
    socket
        .send(json!({"type": "message", "client_id": "c1", "text": "hi"}))
        .await;
    socket.expect_error("hello_required").await;
    let welcome = socket.hello(json!({"token": site.identity("c-1")})).await;
    assert_eq!(welcome["signed_in"], true);
}

#[tokio::test]
async fn an_embed_widget_refuses_a_disallowed_origin_before_the_upgrade() {
    let app = spawn_app().await;
    let site = app
        .seed(
            SupportMode::AiAgent,
            Access::Open,
            WidgetKind::Embed,
            &["https://shop.example.com"],
        )
        .await;
    let url = app.socket_url(site.widget);
    for origin in [Some("https://evil.example.com"), None] {
        let Err((status, body)) = try_connect(&url, origin).await else {
            panic!("{origin:?} was let in");
        };
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let mut socket = try_connect(&url, Some("https://SHOP.example.com"))
        .await
        .expect("allowed origin");
    socket.hello(json!({})).await;
}

#[tokio::test]
async fn an_unknown_widget_is_not_found() {
    let app = spawn_app().await;
    let unknown = switchboard_contracts::ids::WidgetId::new();
    let Err((status, body)) = try_connect(&app.socket_url(unknown), None).await else {
        panic!("an unknown widget was let in");
    };
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_flood_of_frames_is_rate_limited() {
    let app = app::spawn_app_with(|config| config.frames_per_second = 5).await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    // The burst is 10 frames; hello took one. Unattached `transcript` frames
    // are answered one for one, so every answer can be read back.
    for _ in 0..30 {
        socket.send(json!({"type": "transcript"})).await;
    }
    let mut limited = 0;
    for _ in 0..30 {
        let frame = socket.recv().await;
        if frame["type"] == "error" {
            assert_eq!(frame["code"], "rate_limited");
            limited += 1;
        }
    }
    assert!(limited >= 10, "only {limited} of 30 frames were limited");
}

#[tokio::test]
async fn a_frame_over_sixteen_kib_is_refused_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    let padding = "x".repeat(20 * 1024);
    socket
        .send(json!({"type": "typing", "on": true, "padding": padding}))
        .await;
    let error = socket.expect_error("invalid").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("too large"),
        "{error}"
    );
    assert_eq!(socket.say("c1", "still here").await.len(), 2);
}

#[tokio::test]
async fn an_identity_with_control_characters_is_refused_and_the_socket_lives_on() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket
        .send(json!({"type": "hello", "token": site.identity("c-42\nX-Evil: 1")}))
        .await;
    let error = socket.expect_error("unauthorized").await;
    assert_eq!(
        error["message"],
        "token: the token is not valid: sub must not contain control characters"
    );
    // The same socket, a good token: welcomed, and a conversation opens.
    let welcome = socket.hello(json!({"token": site.identity("c-42")})).await;
    assert_eq!(welcome["signed_in"], true);
    assert_eq!(socket.say("c1", "hi").await.len(), 2);

    // Signing in again with such a token on an attached socket (whose
    // identify command carries the customer key into a NATS header) is
    // refused the same way, and the socket still works.
    socket
        .send(json!({"type": "sign_in", "token": site.identity("c-42\r")}))
        .await;
    socket.expect_error("unauthorized").await;
    assert_eq!(socket.say("c2", "still here").await.len(), 1);
    assert_eq!(app.commands_stored().await, 2, "no identify was published");
}

#[tokio::test]
async fn a_resume_token_is_refused_on_a_widget_of_another_experience() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    let sales = app.seed_sibling(&site).await;
    let mut first = connect(&app.socket_url(site.widget)).await;
    first.hello(json!({})).await;
    let opened = first.say("c1", "my order is late").await;
    let (id, token) = (opened[0]["id"].clone(), opened[0]["resume_token"].clone());
    drop(first);

    let mut elsewhere = connect(&app.socket_url(sales)).await;
    elsewhere.hello(json!({"resume": token})).await;
    let error = elsewhere.expect_error("resume_invalid").await;
    assert_eq!(
        error["message"],
        "the resume token belongs to a conversation of another experience; \
         the next message starts a new conversation"
    );
    // The next message opens a new conversation there; the first is untouched.
    let frames = elsewhere.say("c1", "hello sales").await;
    assert_eq!(frames[0]["type"], "conversation");
    assert_ne!(frames[0]["id"], id);
    assert_eq!(frames[1]["message"]["seq"], 1);

    // On its own experience's widget the token still resumes.
    let mut home = connect(&app.socket_url(site.widget)).await;
    home.hello(json!({"resume": token})).await;
    assert_eq!(home.expect("conversation").await["id"], id);
}

#[tokio::test]
async fn an_open_socket_outlives_the_http_idle_and_header_timeouts() {
    let short = std::time::Duration::from_millis(200);
    let app = app::spawn_app_with(|config| {
        config.edge.header_timeout = short;
        config.edge.idle_timeout = short;
    })
    .await;
    let site = app.seed_ai_site().await;
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.hello(json!({})).await;
    // Nothing to await here: the point is that nothing happens while the
    // socket stays quiet for several times both timeouts.
    tokio::time::sleep(short * 4).await;
    assert_eq!(socket.say("c1", "still here?").await.len(), 2);
}
