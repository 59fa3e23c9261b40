//! The browser pages the gateway serves beside the API: the agent console,
//! the widget script's compression and caching, and the security headers
//! of every page.

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

/// `/widget.js` goes gzipped to a client that accepts it, plain to one that
/// does not, both with an `ETag`; a revalidation with either tag is a 304
/// without a body; the support page's script is served the same way.
#[tokio::test]
async fn the_widget_script_is_gzipped_when_accepted_and_revalidated_by_its_etag() {
    use std::io::Read;

    let app = spawn_app().await;
    let get = |path: &str, headers: &[(&'static str, &str)]| {
        let mut request = app.http.get(format!("{}{path}", app.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move { request.send().await.expect("the gateway answers") }
    };

    let plain = get("/widget.js", &[]).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_tag = plain.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(plain.headers()["cache-control"], "public, max-age=300");
    assert_eq!(plain.headers()["vary"], "accept-encoding");
    let script = plain.bytes().await.unwrap();
    assert!(script.starts_with(b"(function () {"));

    let packed = get("/widget.js", &[("accept-encoding", "br, gzip;q=0.8")]).await;
    assert_eq!(packed.status(), StatusCode::OK);
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert_eq!(
        packed.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    let packed_tag = packed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(packed_tag, plain_tag, "each copy has its own tag");
    assert!(plain_tag.starts_with('"') && packed_tag.ends_with('"'));
    let body = packed.bytes().await.unwrap();
    assert!(body.len() * 2 < script.len(), "gzip more than halves it");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, script, "the gzip copy is the script");

    for (tag, encoding) in [(&plain_tag, "identity"), (&packed_tag, "gzip")] {
        let again = get(
            "/widget.js",
            &[("if-none-match", tag), ("accept-encoding", encoding)],
        )
        .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(again.headers()["etag"], tag.as_str());
        assert_eq!(again.headers()["cache-control"], "public, max-age=300");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let stale = get("/widget.js", &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(stale.status(), StatusCode::OK);

    let support = get("/support.js", &[("accept-encoding", "gzip")]).await;
    let tag = support.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(support.headers()["cache-control"], "no-cache");
    let again = get("/support.js", &[("if-none-match", &tag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
