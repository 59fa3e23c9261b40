//! The browser pages the gateway serves beside the API: the agent console.

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
