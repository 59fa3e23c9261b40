//! The gateway's HTTP API over real HTTP, against a real `nats-server`: each
//! test starts its own server and gateway (`spawn_app`), so tests share
//! nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_gateway::config::GatewayConfig;
use switchboard_gateway::server::Application;
use switchboard_testkit::NatsServer;

const OPERATOR: &str = "op-token";

struct TestApp {
    base: String,
    http: reqwest::Client,
    _nats: NatsServer,
}

/// A tenant made through the operator API.
struct Tenant {
    id: String,
    admin: String,
}

async fn spawn_app() -> TestApp {
    let nats = NatsServer::start().await;
    let app = Application::build(GatewayConfig::for_tests(&nats.url(), OPERATOR))
        .await
        .expect("gateway builds");
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        http: reqwest::Client::new(),
        _nats: nats,
    }
}

impl TestApp {
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn raw(&self, method: &str, path: &str, token: &str, body: &str) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn tenant(&self, edition: &str) -> Tenant {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/tenants",
                Some(OPERATOR),
                Some(json!({"name": "Acme", "edition": edition})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Tenant {
            id: body["id"].as_str().unwrap().to_owned(),
            admin: body["admin_token"].as_str().unwrap().to_owned(),
        }
    }

    /// POSTs as the tenant's admin to `/api/v1/tenants/{t}{path}`, expects 201, returns the id.
    async fn create(&self, tenant: &Tenant, path: &str, body: Value) -> String {
        let (status, body) = self.admin(tenant, "POST", path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn admin(
        &self,
        tenant: &Tenant,
        method: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let body = (!body.is_null()).then_some(body);
        let path = format!("/api/v1/tenants/{}{path}", tenant.id);
        self.send(method, &path, Some(&tenant.admin), body).await
    }

    async fn ai_agent(&self, tenant: &Tenant, published: bool) -> String {
        let knowledge = json!([{"question": "What are your hours?", "answer": "9 to 5."}]);
        let body = json!({"name": "Helper", "published": published, "knowledge": knowledge});
        self.create(tenant, "/ai-agents", body).await
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_operator_creates_a_tenant_and_gets_its_tokens() {
    let app = spawn_app().await;
    let (status, body) = app
        .send(
            "POST",
            "/api/v1/tenants",
            Some(OPERATOR),
            Some(json!({"name": "Acme", "edition": "premium"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["edition"], "premium");
    assert_eq!(body["maximum_conversations"], 3);
    assert!(
        body["admin_token"]
            .as_str()
            .unwrap()
            .starts_with("sb_admin_")
    );
    assert!(
        body["identity_secret"]
            .as_str()
            .unwrap()
            .starts_with("sb_idsec_")
    );
    let tenant = Tenant {
        id: body["id"].as_str().unwrap().to_owned(),
        admin: body["admin_token"].as_str().unwrap().to_owned(),
    };
    let (status, shown) = app.admin(&tenant, "GET", "", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["name"], "Acme");
    assert!(shown.get("admin_token").is_none() && shown.get("identity_secret").is_none());
}

#[tokio::test]
async fn a_request_without_a_token_or_with_a_wrong_one_is_unauthorized() {
    let app = spawn_app().await;
    let create = json!({"name": "Acme", "edition": "standard"});
    let (status, body) = app
        .send("POST", "/api/v1/tenants", None, Some(create.clone()))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, _) = app
        .send("POST", "/api/v1/tenants", Some("nope"), Some(create))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let tenant = app.tenant("standard").await;
    let path = format!("/api/v1/tenants/{}/spaces", tenant.id);
    let (status, body) = app.send("GET", &path, Some("sb_admin_wrong"), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // A tenant's admin token is not the operator's.
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/tenants/{}", tenant.id),
            Some(&tenant.admin),
            Some(json!({"edition": "enterprise"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_tenants_admin_token_is_forbidden_and_changes_nothing() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("premium").await, app.tenant("premium").await);
    let space = app
        .create(&ours, "/spaces", json!({"name": "Billing"}))
        .await;
    let intruder = Tenant {
        id: ours.id.clone(),
        admin: theirs.admin.clone(),
    };
    let (status, body) = app
        .admin(
            &intruder,
            "PATCH",
            &format!("/spaces/{space}"),
            json!({"live_chat": false}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = app
        .admin(&intruder, "POST", "/spaces", json!({"name": "Mine now"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, spaces) = app.admin(&ours, "GET", "/spaces", Value::Null).await;
    assert_eq!(
        spaces["spaces"],
        json!([{"id": space, "name": "Billing", "live_chat": true}])
    );
}

#[tokio::test]
async fn an_ai_agent_experience_with_a_published_ai_agent_is_created() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": agent});
    let (status, created) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["access"], "open");
    let id = created["id"].as_str().unwrap();
    let (status, shown) = app
        .admin(&tenant, "GET", &format!("/experiences/{id}"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (shown["ai_agent"].as_str(), &shown["widgets"]),
        (Some(agent.as_str()), &json!([]))
    );
}

#[tokio::test]
async fn an_experience_with_an_unpublished_ai_agent_is_invalid_naming_ai_agent() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, false).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": agent});
    let (status, body) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert!(message(&body).starts_with("ai_agent:"), "{body}");
    let (_, list) = app.admin(&tenant, "GET", "/experiences", Value::Null).await;
    assert_eq!(list["experiences"], json!([]));
}

#[tokio::test]
async fn another_tenants_ai_agent_cannot_be_used() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("standard").await, app.tenant("standard").await);
    let foreign = app.ai_agent(&theirs, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": foreign});
    let (status, body) = app.admin(&ours, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("ai_agent:"), "{body}");
}

#[tokio::test]
async fn support_team_on_a_standard_tenant_needs_an_edition_even_when_routed_space_is_missing() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    for mode in ["support_team", "ai_and_team"] {
        let body = json!({"support_mode": mode, "unknown_field": true});
        let (status, body) = app.admin(&tenant, "POST", "/experiences", body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "edition_required")
        );
        assert!(message(&body).contains("premium or enterprise"), "{body}");
        assert!(message(&body).contains("standard"), "{body}");
    }
}

#[tokio::test]
async fn support_team_on_premium_with_a_live_chat_space_is_created() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app
        .create(&tenant, "/spaces", json!({"name": "Billing"}))
        .await;
    let body = json!({"name": "Help", "support_mode": "support_team", "routed_space": space});
    let (status, created) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["routed_space"].as_str(), Some(space.as_str()));

    // Without live chat the space cannot take conversations.
    app.admin(
        &tenant,
        "PATCH",
        &format!("/spaces/{space}"),
        json!({"live_chat": false}),
    )
    .await;
    let body = json!({"name": "Help 2", "support_mode": "support_team", "routed_space": space});
    let (status, body) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("routed_space:"), "{body}");
}

#[tokio::test]
async fn a_downgraded_tenant_keeps_its_team_experience_but_cannot_configure_another() {
    let app = spawn_app().await;
    let tenant = app.tenant("enterprise").await;
    let space = app
        .create(&tenant, "/spaces", json!({"name": "Billing"}))
        .await;
    let body = json!({"name": "Help", "support_mode": "support_team", "routed_space": space});
    let experience = app.create(&tenant, "/experiences", body).await;
    let downgrade = json!({"edition": "standard"});
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/tenants/{}", tenant.id),
            Some(OPERATOR),
            Some(downgrade),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/experiences/{experience}");
    let (_, kept) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(kept["support_mode"], "support_team");
    let (status, renamed) = app
        .admin(&tenant, "PATCH", &path, json!({"name": "Help desk"}))
        .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (StatusCode::OK, Some("Help desk"))
    );
    let (status, body) = app
        .admin(
            &tenant,
            "PATCH",
            &path,
            json!({"support_mode": "ai_and_team"}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "edition_required")
    );
}

#[tokio::test]
async fn a_patch_is_validated_as_a_whole_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app
        .create(&tenant, "/spaces", json!({"name": "Billing"}))
        .await;
    let body = json!({"name": "Help", "support_mode": "support_team", "routed_space": space});
    let experience = app.create(&tenant, "/experiences", body).await;
    let path = format!("/experiences/{experience}");
    let (_, before) = app.admin(&tenant, "GET", &path, Value::Null).await;
    let (status, body) = app
        .admin(
            &tenant,
            "PATCH",
            &path,
            json!({"name": "New", "support_mode": "ai_and_team"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("ai_agent:"), "{body}");
    let (_, after) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_naming_the_problem() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let path = format!("/api/v1/tenants/{}/spaces", tenant.id);
    let (status, body) = app
        .raw("POST", &path, &tenant.admin, r#"{"name": "Billing""#)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid"));
    assert!(message(&body).contains("EOF"), "{body}");
    let (status, body) = app
        .raw(
            "POST",
            &path,
            &tenant.admin,
            r#"{"name": "B", "live_chat": "yes"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).starts_with("live_chat:"), "{body}");
    let (status, body) = app.raw("POST", &path, &tenant.admin, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("empty"), "{body}");
}

#[tokio::test]
async fn an_unknown_field_is_a_bad_request_naming_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (status, body) = app
        .admin(
            &tenant,
            "POST",
            "/spaces",
            json!({"name": "B", "colour": "red"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid"));
    assert!(message(&body).contains("colour"), "{body}");
    let knowledge = json!([{"question": "q", "answer": "a", "score": 1}]);
    let (status, body) = app
        .admin(
            &tenant,
            "POST",
            "/ai-agents",
            json!({"name": "A", "knowledge": knowledge}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message(&body).starts_with("knowledge[0]") && message(&body).contains("score"),
        "{body}"
    );
}

#[tokio::test]
async fn maximum_conversations_outside_1_to_20_is_invalid() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    for bad in [0, 21, -1] {
        let (status, body) = app
            .admin(
                &tenant,
                "PATCH",
                "/chat-settings",
                json!({"maximum_conversations": bad}),
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
        );
        assert!(
            message(&body).starts_with("maximum_conversations:"),
            "{body}"
        );
    }
    let (status, _) = app
        .admin(
            &tenant,
            "PATCH",
            "/chat-settings",
            json!({"maximum_conversations": 20}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, settings) = app
        .admin(&tenant, "GET", "/chat-settings", Value::Null)
        .await;
    assert_eq!(settings, json!({"maximum_conversations": 20}));
}

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

#[tokio::test]
async fn unknown_ids_and_ids_that_are_not_uuids_are_not_found() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    for path in [
        "/spaces/0190a0b0-0000-7000-8000-000000000001",
        "/spaces/x",
        "/ai-agents/x",
        "/experiences/x",
    ] {
        let (status, body) = app.admin(&tenant, "GET", path, Value::Null).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    let (status, _) = app
        .send("GET", "/api/v1/tenants/not-a-uuid", Some(OPERATOR), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.send("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_conversation_is_unavailable_while_no_transcript_service_answers() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (status, _) = app
        .admin(&tenant, "GET", "/conversations/nope", Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let id = "0190a0b0-0000-7000-8000-000000000001";
    let path = format!(
        "/api/v1/tenants/{}/conversations/{id}/transcript",
        tenant.id
    );
    let (status, _) = app.send("GET", &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let started = std::time::Instant::now();
    let (status, body) = app
        .admin(&tenant, "GET", &format!("/conversations/{id}"), Value::Null)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(6));
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let huge = json!({"name": "x".repeat(70 * 1024)});
    let (status, body) = app.admin(&tenant, "POST", "/spaces", huge).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "invalid")
    );
}

#[tokio::test]
async fn a_tenant_over_its_rate_limit_is_told_to_slow_down() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let requests = (0..300).map(|_| app.admin(&tenant, "GET", "/chat-settings", Value::Null));
    let statuses: Vec<StatusCode> = futures::future::join_all(requests)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert!(statuses.contains(&StatusCode::OK));
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS));
    // Another tenant is not slowed down.
    let other = app.tenant("standard").await;
    let (status, _) = app
        .admin(&other, "GET", "/chat-settings", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
}

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
