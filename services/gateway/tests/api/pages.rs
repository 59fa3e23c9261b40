//! The browser pages the gateway serves beside the API: the agent console,
//! and the security headers of every page.

use reqwest::StatusCode;
use switchboard_gateway::web::console::ASSETS;

use super::helpers::*;

#[tokio::test]
async fn the_agent_console_and_each_of_its_files_are_served_with_their_types() {
    let app = spawn_app().await;
    for asset in ASSETS {
        let response = app
            .http
            .get(format!("{}{}", app.base, asset.path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", asset.path);
        assert_eq!(response.headers()["content-type"], asset.content_type);
        assert_eq!(response.text().await.unwrap(), asset.body);
    }
    let console = app
        .http
        .get(format!("{}/console", app.base))
        .send()
        .await
        .unwrap();
    let html = console.text().await.unwrap();
    assert!(
        html.contains("/console.js"),
        "the page loads its entry module"
    );
}

#[tokio::test]
async fn the_favicon_is_no_content() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("{}/favicon.ico", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// The security headers every page carries (`web::policy`).
fn assert_page_headers(response: &reqwest::Response, policy: &str) {
    let headers = response.headers();
    let path = response.url().path();
    assert_eq!(headers["content-security-policy"], policy, "{path}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
}

#[tokio::test]
async fn the_support_page_and_both_consoles_carry_a_content_security_policy() {
    use switchboard_gateway::web::policy;

    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let ai = app.ai_agent(&tenant, true).await;
    let experience = app
        .create(
            &tenant,
            "/experiences",
            serde_json::json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": ai}),
        )
        .await;
    let widget = app
        .create(
            &tenant,
            &format!("/experiences/{experience}/widgets"),
            serde_json::json!({"kind": "support_site"}),
        )
        .await;
    let get = |path: String| {
        let request = app.http.get(format!("{}{path}", app.base));
        async move { request.send().await.unwrap() }
    };

    let support = get(format!("/support/{widget}")).await;
    assert_eq!(support.status(), StatusCode::OK);
    assert_page_headers(&support, &policy::SUPPORT);
    for path in ["/console", "/console.js", "/admin", "/admin/app.js"] {
        assert_page_headers(&get(path.to_owned()).await, &policy::CONSOLE);
    }
    for path in ["/", "/support/not-a-widget"] {
        assert_page_headers(&get(path.to_owned()).await, policy::PLAIN);
    }
    for path in ["/widget.js", "/support.js", "/support.css"] {
        let response = get(path.to_owned()).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
}
