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
    // Kept five minutes, then revalidated by its ETag (web::WIDGET_CACHE).
    assert_eq!(script.headers()["cache-control"], "public, max-age=300");
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

#[tokio::test]
async fn an_embed_widget_lists_apps_which_are_read_back_and_replaced_on_their_own() {
    let app = spawn_app().await;
    let (tenant, cx) = experience(&app, "Help").await;
    let path = format!("/experiences/{cx}/widgets");
    let body = json!({"kind": "embed", "allowed_origins": ["https://shop.example.com"],
        "allowed_apps": ["Com.Example.Support", "com.example.support", "com.example.ios"]});
    let (status, widget) = app.admin(&tenant, "POST", &path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{widget}");
    assert_eq!(
        widget["allowed_apps"],
        json!(["com.example.support", "com.example.ios"])
    );
    let one = format!("{path}/{}", widget["id"].as_str().unwrap());
    let (_, shown) = app.admin(&tenant, "GET", &one, Value::Null).await;
    assert_eq!(shown["allowed_apps"], widget["allowed_apps"]);

    // Replacing the apps keeps the origins, and the other way round.
    let (status, changed) = app
        .admin(
            &tenant,
            "PATCH",
            &one,
            json!({"allowed_apps": ["com.example.android"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["allowed_apps"], json!(["com.example.android"]));
    assert_eq!(
        changed["allowed_origins"],
        json!(["https://shop.example.com"])
    );
    let (_, changed) = app
        .admin(&tenant, "PATCH", &one, json!({"allowed_origins": []}))
        .await;
    assert_eq!(changed["allowed_origins"], json!([]));
    assert_eq!(changed["allowed_apps"], json!(["com.example.android"]));
    // Taking the last app away as well would leave nothing that can use it.
    let (status, body) = app
        .admin(&tenant, "PATCH", &one, json!({"allowed_apps": []}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("allowed_origins:"), "{body}");
    let (_, kept) = app.admin(&tenant, "GET", &one, Value::Null).await;
    assert_eq!(kept["allowed_apps"], json!(["com.example.android"]));

    // A support site, with the widget list of its experience, shows no apps.
    let (_, site) = app
        .admin(&tenant, "POST", &path, json!({"kind": "support_site"}))
        .await;
    assert_eq!(site["allowed_apps"], json!([]));
}

#[tokio::test]
async fn a_bad_app_id_is_invalid_naming_the_entry_and_nothing_changes() {
    let app = spawn_app().await;
    let (tenant, cx) = experience(&app, "Help").await;
    let path = format!("/experiences/{cx}/widgets");
    let origins = json!(["https://shop.example.com"]);
    for (apps, named) in [
        (json!(["ab"]), "allowed_apps[0]:"),
        (json!(["com.example.ok", "com/example"]), "allowed_apps[1]:"),
        (json!(["com example"]), "allowed_apps[0]:"),
        (json!(["a".repeat(101)]), "allowed_apps[0]:"),
    ] {
        let body = json!({"kind": "embed", "allowed_origins": origins, "allowed_apps": apps});
        let (status, body) = app.admin(&tenant, "POST", &path, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{apps}");
        assert!(message(&body).starts_with(named), "{body}");
    }
    let (status, body) = app
        .admin(
            &tenant,
            "POST",
            &path,
            json!({"kind": "support_site", "allowed_apps": ["com.example.support"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("allowed_apps:"), "{body}");
    let (_, shown) = app
        .admin(&tenant, "GET", &format!("/experiences/{cx}"), Value::Null)
        .await;
    assert_eq!(shown["widgets"], json!([]), "nothing was created");

    let body = json!({"kind": "embed", "allowed_origins": origins});
    let (_, widget) = app.admin(&tenant, "POST", &path, body).await;
    let one = format!("{path}/{}", widget["id"].as_str().unwrap());
    let (status, body) = app
        .admin(&tenant, "PATCH", &one, json!({"allowed_apps": ["x"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("allowed_apps[0]:"), "{body}");
    let (status, body) = app.admin(&tenant, "PATCH", &one, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("allowed_apps"), "{body}");
    let (_, kept) = app.admin(&tenant, "GET", &one, Value::Null).await;
    assert_eq!(kept["allowed_apps"], json!([]));
}
