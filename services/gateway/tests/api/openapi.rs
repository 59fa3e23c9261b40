//! The OpenAPI document against the routes actually served.

use reqwest::StatusCode;

use super::helpers::*;

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_only_those() {
    let app = spawn_app().await;
    let (status, doc) = app.send("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let served: Vec<(String, String)> = switchboard_gateway::api::registered()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_lowercase(), p.to_owned()))
        .chain(
            switchboard_gateway::web::PAGES
                .iter()
                .map(|(m, p)| (m.to_lowercase(), (*p).to_owned())),
        )
        .collect();
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    for route in &served {
        assert!(
            documented.contains(route),
            "{route:?} is served but not documented"
        );
    }
    for route in &documented {
        assert!(
            served.contains(route),
            "{route:?} is documented but not served"
        );
    }
}
