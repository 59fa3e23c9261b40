//! Work items through the API: an agent sees and moves on the items of
//! their own spaces; the work-item service (a stand-in here) is asked over
//! the bus and its refusals become the contract's errors.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::v1::work_item_request::Request;
use switchboard_contracts::v1::{Author, ChatMessage, Customer, Role, WorkItem};

use super::fakes::FakeWorkItems;
use super::helpers::*;

/// A premium tenant with spaces Billing and Sales, an agent in Billing and
/// a stand-in work-item service.
struct Team {
    tenant: Tenant,
    billing: String,
    sales: String,
    agent: String,
    token: String,
    work_items: FakeWorkItems,
}

async fn team(app: &TestApp) -> Team {
    let work_items = FakeWorkItems::start(&app.state.bus).await;
    let tenant = app.tenant("premium").await;
    let (billing, sales) = (
        app.space(&tenant, "Billing").await,
        app.space(&tenant, "Sales").await,
    );
    let (agent, token) = app.agent(&tenant, "grace@acme.test", &[&billing]).await;
    Team {
        tenant,
        billing,
        sales,
        agent,
        token,
        work_items,
    }
}

fn item(team: &Team, space: &str, status: &str) -> WorkItem {
    WorkItem {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: team.tenant.id.clone(),
        space: space.into(),
        conversation: uuid::Uuid::now_v7().to_string(),
        status: status.into(),
        summary: "My parcel is lost".into(),
        description: "AI: I could not find it.\nHandoff: customer_request".into(),
        reporter: Some(Customer {
            key: "user:c-1".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            signed_in: true,
        }),
        created_at_ms: 1_764_000_000_250,
        updated_at_ms: 1_764_000_000_250,
        ..Default::default()
    }
}

#[tokio::test]
async fn an_agent_lists_the_work_items_of_their_own_spaces_and_an_admin_all() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let (ours, theirs) = (
        item(&team, &team.billing, "open"),
        item(&team, &team.sales, "open"),
    );
    team.work_items.add(ours.clone());
    team.work_items.add(theirs);
    let (status, body) = app
        .as_token(&team.tenant, &team.token, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids: Vec<&Value> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, vec![&json!(ours.id)]);
    let Some(Request::Query(query)) = team.work_items.requests()[0].request.clone() else {
        panic!("a query")
    };
    assert_eq!(
        query.spaces,
        vec![team.billing.clone()],
        "the agent's spaces go along"
    );

    let (_, all) = app
        .admin(&team.tenant, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn work_item_filters_are_checked_and_another_space_shows_nothing() {
    let app = spawn_app().await;
    let team = team(&app).await;
    team.work_items.add(item(&team, &team.billing, "open"));
    team.work_items.add(item(&team, &team.billing, "resolved"));
    let get = |query: String| {
        let (tenant, token) = (&team.tenant, &team.token);
        let app = &app;
        async move {
            app.as_token(
                tenant,
                token,
                "GET",
                &format!("/work-items{query}"),
                Value::Null,
            )
            .await
        }
    };
    let (status, body) = get("?status=resolved".into()).await;
    assert_eq!(
        (status, body["items"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (status, body) = get("?status=done".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("status:"), "{body}");
    let (status, body) = get("?space=nope".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("space:"), "{body}");
    let (status, body) = get("?colour=red".into()).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid"));
    let (status, body) = get(format!("?space={}", team.sales)).await;
    assert_eq!((status, &body["items"]), (StatusCode::OK, &json!([])));
    let (status, body) = get("?assignee=me".into()).await;
    assert_eq!((status, &body["items"]), (StatusCode::OK, &json!([])));
}

#[tokio::test]
async fn a_work_item_renders_with_reporter_assignee_and_transcript() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let mut assigned = item(&team, &team.billing, "in_progress");
    assigned.assignee = team.agent.clone();
    assigned.assignee_name = "Grace Hopper".into();
    assigned.transcript = vec![ChatMessage {
        id: "m1".into(),
        conversation: assigned.conversation.clone(),
        seq: 1,
        author: Some(Author {
            role: Role::Customer as i32,
            id: "user:c-1".into(),
            name: "Ada".into(),
        }),
        text: "My parcel is lost".into(),
        at_ms: 1_764_000_000_250,
        ..Default::default()
    }];
    team.work_items.add(assigned.clone());
    let path = format!("/work-items/{}", assigned.id);
    let (status, body) = app
        .as_token(&team.tenant, &team.token, "GET", &path, Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "id": assigned.id, "space": team.billing, "conversation": assigned.conversation,
            "status": "in_progress", "summary": "My parcel is lost",
            "description": "AI: I could not find it.\nHandoff: customer_request",
            "reporter": {"name": "Ada", "email": "ada@example.com"},
            "assignee": {"id": team.agent, "name": "Grace Hopper"},
            "transcript": [{
                "id": "m1", "conversation": assigned.conversation, "seq": 1,
                "author": {"role": "customer", "id": "user:c-1", "name": "Ada"},
                "text": "My parcel is lost", "at": "2025-11-24T16:00:00.250Z",
            }],
            "created_at": "2025-11-24T16:00:00.250Z", "updated_at": "2025-11-24T16:00:00.250Z",
        })
    );
    let unassigned = item(&team, &team.billing, "open");
    team.work_items.add(unassigned.clone());
    let path = format!("/work-items/{}", unassigned.id);
    let (_, body) = app
        .as_token(&team.tenant, &team.token, "GET", &path, Value::Null)
        .await;
    assert_eq!(body["assignee"], Value::Null);
}

#[tokio::test]
async fn an_agent_moves_a_work_item_on_and_a_move_the_service_refuses_is_named() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let open = item(&team, &team.billing, "open");
    team.work_items.add(open.clone());
    let path = format!("/work-items/{}", open.id);
    let patch = |status: &str| {
        let body = json!({"status": status});
        let (app, tenant, token, path) = (&app, &team.tenant, &team.token, path.clone());
        async move { app.as_token(tenant, token, "PATCH", &path, body).await }
    };
    let (status, body) = patch("in_progress").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("in_progress"))
    );
    let requests = team.work_items.requests();
    let Some(Request::Update(update)) = requests.last().and_then(|r| r.request.clone()) else {
        panic!("an update")
    };
    assert_eq!(update.by, team.agent, "the move is recorded as the agent's");

    let (status, body) = patch("open").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert!(message(&body).starts_with("status"), "{body}");
    let (status, body) = patch("done").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("status:"), "{body}");
    team.work_items
        .refuse_next("conflict", "the work item kept changing; try again");
    let (status, body) = patch("resolved").await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
    team.work_items
        .refuse_next("unavailable", "the store is down");
    let (status, _) = patch("resolved").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn another_spaces_work_item_is_not_found_for_an_agent() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let theirs = item(&team, &team.sales, "open");
    team.work_items.add(theirs.clone());
    let path = format!("/work-items/{}", theirs.id);
    let (status, _) = app
        .as_token(&team.tenant, &team.token, "GET", &path, Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body = json!({"status": "resolved"});
    let (status, _) = app
        .as_token(&team.tenant, &team.token, "PATCH", &path, body)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .as_token(
            &team.tenant,
            &team.token,
            "GET",
            "/work-items/not-a-uuid",
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn work_items_are_unavailable_while_no_work_item_service_answers() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (status, body) = app.admin(&tenant, "GET", "/work-items", Value::Null).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    );
}
