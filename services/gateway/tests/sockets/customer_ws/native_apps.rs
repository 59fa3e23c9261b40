//! Native apps: a client without `Origin` may use an embed widget only by
//! naming an app the widget lists (`app=`); with `Origin`, the origin rules
//! apply and `app` is ignored.

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::app::spawn_app;
use crate::client::try_connect;

const SHOP: &str = "https://shop.example.com";
const APP: &str = "com.example.support";

fn refused(result: Result<crate::client::Client, (StatusCode, Value)>, case: &str) -> Value {
    let Err((status, body)) = result else {
        panic!("{case} was let in");
    };
    assert_eq!(status, StatusCode::FORBIDDEN, "{case}");
    assert_eq!(body["error"]["code"], "forbidden", "{case}");
    assert!(body["error"]["message"].is_string(), "{case}: {body}");
    body
}

#[tokio::test]
async fn an_app_the_embed_widget_lists_connects_without_an_origin() {
    let app = spawn_app().await;
    let site = app.seed_embed(&[SHOP], &[APP]).await;
    let base = app.socket_url(site.widget);
    for named in [APP, "Com.Example.Support"] {
        let mut socket = try_connect(&format!("{base}&app={named}"), None)
            .await
            .unwrap_or_else(|(s, b)| panic!("{named}: {s} {b}"));
        let welcome = socket.hello(json!({})).await;
        assert_eq!(welcome["type"], "welcome");
        assert_eq!(socket.say("c1", "hi from the app").await.len(), 2);
    }
}

#[tokio::test]
async fn without_an_origin_a_missing_or_unlisted_app_is_refused_as_before() {
    let app = spawn_app().await;
    let site = app.seed_embed(&[SHOP], &[APP]).await;
    let base = app.socket_url(site.widget);
    let before = refused(try_connect(&base, None).await, "no app");
    assert_eq!(
        before["error"]["message"],
        "this widget needs an Origin header"
    );
    for url in [
        format!("{base}&app="),
        format!("{base}&app=com.example.other"),
        format!("{base}&app=com.example.support.extra"),
    ] {
        refused(try_connect(&url, None).await, &url);
    }
    // A widget listing no app lets no client without Origin in.
    let origins_only = app.seed_embed(&[SHOP], &[]).await;
    let url = format!("{}&app={APP}", app.socket_url(origins_only.widget));
    refused(try_connect(&url, None).await, "a widget without apps");
    assert_eq!(app.commands_stored().await, 0);
}

#[tokio::test]
async fn with_an_origin_the_origin_rules_apply_and_the_app_is_ignored() {
    let app = spawn_app().await;
    let site = app.seed_embed(&[SHOP], &[APP]).await;
    let url = format!("{}&app={APP}", app.socket_url(site.widget));
    refused(
        try_connect(&url, Some("https://evil.example.com")).await,
        "an unlisted origin naming a listed app",
    );
    let unknown_app = format!("{}&app=com.example.other", app.socket_url(site.widget));
    let mut socket = try_connect(&unknown_app, Some(SHOP))
        .await
        .expect("a listed origin, whatever the app");
    socket.hello(json!({})).await;

    // An app-only embed widget still refuses every browser page.
    let app_only = app.seed_embed(&[], &[APP]).await;
    let url = format!("{}&app={APP}", app.socket_url(app_only.widget));
    refused(
        try_connect(&url, Some(SHOP)).await,
        "a page on an app-only widget",
    );
    let mut native = try_connect(&url, None).await.expect("the app itself");
    native.hello(json!({})).await;
}
