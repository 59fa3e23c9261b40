//! Widgets: embed snippets, allowed origins and the hosted support page.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

/// An ai_agent experience of a fresh standard tenant.
async fn experience(app: &TestApp, name: &str) -> (Tenant, String) {
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, true).await;
    let body = json!({"name": name, "support_mode": "ai_agent", "ai_agent": agent});
    let experience = app.create(&tenant, "/experiences", body).await;
    (tenant, experience)
}

#[tokio::test]
async fn an_embed_widget_without_allowed_origins_is_invalid() {
    let app = spawn_app().await;
    let (tenant, cx) = experience(&app, "Help").await;
    let path = format!("/experiences/{cx}/widgets");
    for body in [
        json!({"kind": "embed"}),
        json!({"kind": "embed", "allowed_origins": []}),
    ] {
        let (status, body) = app.admin(&tenant, "POST", &path, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message(&body).starts_with("allowed_origins:"), "{body}");
    }
    let with_path =
        json!({"kind": "embed", "allowed_origins": ["https://shop.example.com/checkout"]});
    let (status, body) = app.admin(&tenant, "POST", &path, with_path).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("allowed_origins[0]:"), "{body}");
}

#[tokio::test]
async fn the_embed_snippet_contains_the_widget_id_and_the_widget_script() {
    let app = spawn_app().await;
    let (tenant, cx) = experience(&app, "Help").await;
    let body = json!({"kind": "embed", "allowed_origins": ["https://Shop.example.com"]});
    let (status, widget) = app
        .admin(&tenant, "POST", &format!("/experiences/{cx}/widgets"), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{widget}");
    let snippet = widget["snippet"].as_str().unwrap();
    assert!(snippet.contains(&format!(r#"widget: "{}""#, widget["id"].as_str().unwrap())));
    assert!(snippet.contains(&format!(
        r#"<script async src="{}/widget.js"></script>"#,
        app.base
    )));
    assert_eq!(
        widget["allowed_origins"],
        json!(["https://shop.example.com"])
    );
    let (_, shown) = app
        .admin(&tenant, "GET", &format!("/experiences/{cx}"), Value::Null)
        .await;
    assert_eq!(shown["widgets"][0]["id"], widget["id"]);

    let script = app
        .http
        .get(format!("{}/widget.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        script.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    assert_eq!(script.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn the_support_page_renders_with_the_experience_name_escaped() {
    let app = spawn_app().await;
    let (tenant, cx) = experience(&app, "Tom & <Jerry>").await;
    let path = format!("/experiences/{cx}/widgets");
    let (_, site) = app
        .admin(&tenant, "POST", &path, json!({"kind": "support_site"}))
        .await;
    let url = site["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/support/{}", app.base, site["id"].as_str().unwrap())
    );
    let page = app.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Tom &amp; &lt;Jerry&gt;") && !html.contains("<Jerry>"));
    assert!(html.contains(site["id"].as_str().unwrap()) && !html.contains("{{"));

    let embed = json!({"kind": "embed", "allowed_origins": ["https://shop.example.com"]});
    let (_, embed) = app.admin(&tenant, "POST", &path, embed).await;
    for widget in [
        embed["id"].as_str().unwrap(),
        "0190a0b0-0000-7000-8000-000000000001",
        "nope",
    ] {
        let page = app
            .http
            .get(format!("{}/support/{widget}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
}
