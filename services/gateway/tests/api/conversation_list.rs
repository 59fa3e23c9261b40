//! The admin list of conversations: parameters, roles and the page's shape,
//! against a stand-in transcript list on the bus.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::v1::{
    ConversationInfo, ConversationList, ConversationListItem, ConversationState, Customer,
    EndReason,
};

use super::admins::{experience_admin, two_experiences};
use super::helpers::*;

fn page(tenant: &str, experience: &str) -> ConversationList {
    ConversationList {
        items: vec![ConversationListItem {
            info: Some(ConversationInfo {
                id: "0190a0b0-0000-7000-8000-000000000001".into(),
                tenant: tenant.into(),
                experience: experience.into(),
                state: ConversationState::Ended as i32,
                end_reason: EndReason::Inactivity as i32,
                customer: Some(Customer {
                    name: "Ada".into(),
                    ..Default::default()
                }),
                created_at_ms: 1_700_000_000_000,
                ..Default::default()
            }),
            updated_at_ms: 1_700_000_060_000,
        }],
        next_cursor: "abc".into(),
        error: String::new(),
    }
}

#[tokio::test]
async fn an_admin_lists_a_page_of_conversations_with_its_next_cursor() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let seen = super::fakes::serve_conversation_list(&app.state.bus, page(&tenant.id, &shop)).await;

    let path = format!("/conversations?state=live&experience={shop}&limit=2&cursor=xyz");
    let (status, body) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next_cursor"], json!("abc"));
    let item = &body["items"][0];
    assert_eq!(item["id"], json!("0190a0b0-0000-7000-8000-000000000001"));
    assert_eq!(item["state"], json!("ended"));
    assert_eq!(item["ended_reason"], json!("inactivity"));
    assert_eq!(item["space"], Value::Null);
    assert_eq!(
        item["customer"],
        json!({"name": "Ada", "email": null, "signed_in": false})
    );
    assert_eq!(item["created_at"], json!("2023-11-14T22:13:20.000Z"));
    assert_eq!(item["updated_at"], json!("2023-11-14T22:14:20.000Z"));
    let query = seen.lock().unwrap().last().cloned().expect("a query");
    assert_eq!(
        (
            query.tenant.as_str(),
            query.state.as_str(),
            query.limit,
            query.cursor.as_str()
        ),
        (tenant.id.as_str(), "live", 2, "xyz")
    );
    assert_eq!(query.experiences, vec![shop.clone()]);

    let (_, first) = app
        .admin(&tenant, "GET", "/conversations", Value::Null)
        .await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
    let query = seen.lock().unwrap().last().cloned().expect("a query");
    assert_eq!(query.limit, 50, "the default page");
    assert!(
        query.experiences.is_empty(),
        "a site admin sees every experience"
    );
}

#[tokio::test]
async fn a_bad_parameter_is_refused_naming_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    super::fakes::serve_conversation_list(&app.state.bus, ConversationList::default()).await;
    // The paging parameters are 400, as on every list; a filter's value 422.
    let paging = StatusCode::BAD_REQUEST;
    let filter = StatusCode::UNPROCESSABLE_ENTITY;
    for (query, field, status_wanted) in [
        ("limit=0", "limit", paging),
        ("limit=201", "limit", paging),
        ("limit=many", "limit", paging),
        ("state=sleeping", "state", filter),
        ("space=nope", "space", filter),
        ("experience=nope", "experience", filter),
        ("cursor=bad", "cursor", paging),
    ] {
        let (status, body) = app
            .admin(
                &tenant,
                "GET",
                &format!("/conversations?{query}"),
                Value::Null,
            )
            .await;
        assert_eq!((status, code(&body)), (status_wanted, "invalid"), "{query}");
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
    let (status, body) = app
        .admin(&tenant, "GET", "/conversations?limit=200", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next_cursor"], Value::Null, "null on the last page");
}

#[tokio::test]
async fn since_and_until_reach_the_list_as_epoch_milliseconds() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let seen =
        super::fakes::serve_conversation_list(&app.state.bus, ConversationList::default()).await;
    // 2023-11-14T22:13:20Z is 1_700_000_000_000 ms; an offset counts, and a
    // `+` sent unencoded (read as a space) still means `+`.
    for (query, since, until) in [
        (
            "since=2023-11-14T22:13:20Z&until=2023-11-14T22:13:20.250Z",
            Some(1_700_000_000_000),
            Some(1_700_000_000_250),
        ),
        (
            "since=2023-11-14T23:13:20%2B01:00",
            Some(1_700_000_000_000),
            None,
        ),
        (
            "until=2023-11-14T23:13:20+01:00",
            None,
            Some(1_700_000_000_000),
        ),
        (
            "since=2023-11-14T22:13:20Z&until=2023-11-14T22:13:20Z",
            Some(1_700_000_000_000),
            Some(1_700_000_000_000),
        ),
        ("since=&until=", None, None),
    ] {
        let path = format!("/conversations?{query}");
        let (status, body) = app.admin(&tenant, "GET", &path, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let sent = seen.lock().unwrap().last().cloned().expect("a query");
        assert_eq!((sent.since_ms, sent.until_ms), (since, until), "{query}");
    }
}

#[tokio::test]
async fn a_time_that_is_not_rfc_3339_or_a_range_that_runs_backwards_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let seen =
        super::fakes::serve_conversation_list(&app.state.bus, ConversationList::default()).await;
    for (query, field) in [
        ("since=yesterday", "since"),
        ("since=2026-11-24", "since"),
        ("since=2026-11-24T09:30:00", "since"),
        ("until=2026-13-01T00:00:00Z", "until"),
        ("until=1700000000000", "until"),
        (
            "since=2026-11-24T10:00:00Z&until=2026-11-24T09:59:59.999Z",
            "until",
        ),
        (
            "since=2026-11-24T10:00:00%2B01:00&until=2026-11-24T08:59:59Z",
            "until",
        ),
    ] {
        let path = format!("/conversations?{query}");
        let (status, body) = app.admin(&tenant, "GET", &path, Value::Null).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{query}"
        );
        assert!(
            message(&body).starts_with(&format!("{field}:")),
            "{query}: {body}"
        );
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing was asked");
}

#[tokio::test]
async fn an_experience_admin_lists_only_its_experiences_and_agents_not_at_all() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (shop, billing) = two_experiences(&app, &tenant).await;
    let (_, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let seen =
        super::fakes::serve_conversation_list(&app.state.bus, ConversationList::default()).await;

    let (status, _) = app
        .as_token(&tenant, &token, "GET", "/conversations", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    let query = seen.lock().unwrap().last().cloned().expect("a query");
    assert_eq!(query.experiences, vec![shop.clone()]);
    let other = format!("/conversations?experience={billing}");
    let (status, body) = app
        .as_token(&tenant, &token, "GET", &other, Value::Null)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));

    let space = app.space(&tenant, "Billing").await;
    let (_, agent_token) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let (status, _) = app
        .as_token(&tenant, &agent_token, "GET", "/conversations", Value::Null)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
