//! Cursor pagination on every list: `{items, next_cursor}`, `limit` and
//! `cursor` refused with 400 naming them, and walks that see each item once
//! while items are added between pages.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::v1::{ChatMessage, ConversationInfo};

use super::fakes::{FakeWorkItems, serve_transcripts};
use super::helpers::*;

/// Every list but the conversations (tested in `conversation_list`), as the
/// tenant's admin, path after `/api/v1/tenants/{t}`.
const TENANT_LISTS: &[&str] = &[
    "/spaces",
    "/agents",
    "/ai-agents",
    "/experiences",
    "/admins",
    "/work-items",
];

#[tokio::test]
async fn a_bad_limit_or_cursor_is_400_naming_it_on_every_list() {
    let app = spawn_app().await;
    let _work_items = FakeWorkItems::start(&app.state.bus).await;
    let tenant = app.tenant("enterprise").await;
    let conversation = uuid::Uuid::now_v7().to_string();
    let info = ConversationInfo {
        id: conversation.clone(),
        tenant: tenant.id.clone(),
        ..Default::default()
    };
    serve_transcripts(&app.state.bus, vec![(info, Vec::new())]).await;
    let transcript = format!("/conversations/{conversation}/transcript");
    let decisions = format!("/conversations/{conversation}/decisions");
    // A cursor of another list is no cursor here either.
    let (_, spaces) = app
        .admin(&tenant, "GET", "/spaces?limit=1", Value::Null)
        .await;
    app.space(&tenant, "One").await;
    app.space(&tenant, "Two").await;
    let (_, spaces_page) = app
        .admin(&tenant, "GET", "/spaces?limit=1", Value::Null)
        .await;
    let foreign = spaces_page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    assert_eq!(spaces["next_cursor"], Value::Null);
    let limits = ["0", "201", "-3", "many"];
    let cursors = ["%21%21", "bm9wZQ", foreign.as_str()];
    for path in TENANT_LISTS
        .iter()
        .copied()
        .chain([transcript.as_str(), decisions.as_str()])
    {
        for limit in limits {
            let (status, body) = app
                .admin(
                    &tenant,
                    "GET",
                    &format!("{path}?limit={limit}"),
                    Value::Null,
                )
                .await;
            if path == transcript && limit == "201" {
                assert_eq!(status, StatusCode::OK, "transcripts go to 1000: {body}");
                continue;
            }
            assert_eq!(
                (status, code(&body)),
                (StatusCode::BAD_REQUEST, "invalid"),
                "{path} {limit}"
            );
            assert!(message(&body).starts_with("limit:"), "{path}: {body}");
        }
        for cursor in cursors {
            if path == "/spaces" && cursor == foreign {
                continue;
            }
            let (status, body) = app
                .admin(
                    &tenant,
                    "GET",
                    &format!("{path}?cursor={cursor}"),
                    Value::Null,
                )
                .await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::BAD_REQUEST, "invalid"),
                "{path} {cursor}"
            );
            assert!(message(&body).starts_with("cursor:"), "{path}: {body}");
        }
        let (status, body) = app.admin(&tenant, "GET", path, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body["items"].is_array(), "{path}: {body}");
        assert_eq!(body["next_cursor"], Value::Null, "{path}: one page");
    }
    let (status, body) = app
        .send("GET", "/api/v1/tenants?limit=0", Some(OPERATOR), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// Follows `path`'s pages `limit` at a time; `between` runs after each page.
async fn walk(
    app: &TestApp,
    token: &str,
    path: &str,
    limit: u32,
    mut between: impl AsyncFnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for round in 0.. {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let (status, body) = app
            .send(
                "GET",
                &format!("{path}?limit={limit}{after}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        between(round).await;
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    unreachable!()
}

#[tokio::test]
async fn walking_spaces_and_admins_sees_each_once_while_more_are_created() {
    let app = spawn_app().await;
    let tenant = app.tenant("enterprise").await;
    let mut before = Vec::new();
    for n in 0..7 {
        before.push(app.space(&tenant, &format!("Space {n}")).await);
    }
    let path = format!("/api/v1/tenants/{}/spaces", tenant.id);
    let mut added = Vec::new();
    let seen = walk(&app, &tenant.admin, &path, 3, async |round| {
        if round < 2 {
            added.push(app.space(&tenant, &format!("Later {round}")).await);
        }
    })
    .await;
    // Oldest first: the spaces added during the walk come at its end.
    let expected: Vec<String> = before.iter().chain(&added).cloned().collect();
    assert_eq!(seen, expected);

    for n in 0..4 {
        let body = json!({"name": "Ed", "email": format!("ed{n}@acme.test"), "role": "site_admin"});
        let (status, body) = app.admin(&tenant, "POST", "/admins", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let path = format!("/api/v1/tenants/{}/admins", tenant.id);
    let seen = walk(&app, &tenant.admin, &path, 2, async |_| {}).await;
    assert_eq!(seen.len(), 5, "the first site admin and four more");
    assert_eq!(seen[0], "first");
    let (_, whole) = app.admin(&tenant, "GET", "/admins", Value::Null).await;
    assert_eq!(
        whole["admins"], whole["items"],
        "the old name holds the same page"
    );
}

#[tokio::test]
async fn a_transcript_is_read_in_pages_of_messages_by_seq() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let conversation = uuid::Uuid::now_v7().to_string();
    let messages: Vec<ChatMessage> = (1..=7)
        .map(|seq| ChatMessage {
            id: format!("m{seq}"),
            conversation: conversation.clone(),
            seq,
            text: format!("hello {seq}"),
            ..Default::default()
        })
        .collect();
    let info = ConversationInfo {
        id: conversation.clone(),
        tenant: tenant.id.clone(),
        last_seq: 7,
        ..Default::default()
    };
    serve_transcripts(&app.state.bus, vec![(info, messages)]).await;
    let path = format!(
        "/api/v1/tenants/{}/conversations/{conversation}/transcript",
        tenant.id
    );
    let seen = walk(&app, &tenant.admin, &path, 3, async |_| {}).await;
    let expected: Vec<String> = (1..=7).map(|seq| format!("m{seq}")).collect();
    assert_eq!(seen, expected);
    let (status, whole) = app.send("GET", &path, Some(&tenant.admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        whole["items"].as_array().unwrap().len(),
        7,
        "the default page holds them all"
    );
    assert_eq!(whole["messages"], whole["items"]);
    assert_eq!(whole["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_decision_record_is_read_in_pages_with_later_decisions_at_its_end() {
    use switchboard_contracts::ids::{ConversationId, TenantId};
    use switchboard_contracts::subjects;
    use switchboard_contracts::v1::RoutingDecision;

    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let info = ConversationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        ..Default::default()
    };
    serve_transcripts(&app.state.bus, vec![(info.clone(), Vec::new())]).await;
    let tenant_id: TenantId = tenant.id.parse().unwrap();
    let conversation: ConversationId = info.id.parse().unwrap();
    let bus = &app.state.bus;
    let record = async |n: usize| {
        let decision = RoutingDecision {
            tenant: tenant_id.to_string(),
            conversation: conversation.to_string(),
            input_id: format!("input-{n}"),
            at_ms: 1_764_000_000_000 + n as i64,
            ..Default::default()
        };
        bus.publish_durable(
            subjects::decision(tenant_id, conversation),
            &format!("d{n}"),
            &decision,
        )
        .await
        .expect("decision stored");
    };
    for n in 0..5 {
        record(n).await;
    }
    let path = format!(
        "/api/v1/tenants/{}/conversations/{}/decisions",
        tenant.id, info.id
    );
    let http = &app.http;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 5;
    loop {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let response = http
            .get(format!("{}{path}?limit=2{after}", app.base))
            .bearer_auth(&tenant.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["decisions"], body["items"]);
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["at"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        if added < 7 {
            record(added).await;
            added += 1;
        }
    }
    assert_eq!(
        seen.len(),
        7,
        "the five, then the two recorded meanwhile: {seen:?}"
    );
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in the order recorded, none twice");
}
