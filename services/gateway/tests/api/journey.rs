//! The admin's journey through the API, every request and answer checked
//! against the OpenAPI document ([`Checked`]): a tenant, its settings,
//! spaces, agents, AI agents, experiences, widgets and admins, the lists and
//! reads (other services stood in for on the bus), refusals, then the deletes.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationInfo, ConversationList, ConversationListItem,
    ConversationState, Customer, Role, SpaceAgent, SpaceView, SupportMode, WaitingConversation,
    WorkItem,
};

use super::checked::Checked;
use super::fakes::{self, FakeWorkItems};
use super::helpers::OPERATOR;

fn id(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

fn token(body: &Value) -> String {
    body["token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn every_answer_of_the_admin_journey_matches_the_document() {
    let api = Checked::start().await;
    api.get("/api/v1/openapi.json", OPERATOR).await;
    let body = json!({"name": "Acme", "edition": "premium"});
    let tenant = api.post("/api/v1/tenants", OPERATOR, body, 201).await;
    let t = &format!("/api/v1/tenants/{}", id(&tenant));
    api.get(t, OPERATOR).await;
    api.get("/api/v1/tenants", OPERATOR).await;
    api.patch(t, OPERATOR, json!({"name": "Acme Ltd"})).await;
    let reissue = format!("{t}/admin-token");
    let admin = &token(&api.post(&reissue, OPERATOR, Value::Null, 200).await);

    api.get(&format!("{t}/chat-settings"), admin).await;
    let settings = json!({"maximum_conversations": 5});
    api.patch(&format!("{t}/chat-settings"), admin, settings)
        .await;
    api.get(&format!("{t}/default-texts"), admin).await;
    let overlap = json!({"overlap": "1h"});
    api.post(&format!("{t}/identity-secret"), admin, overlap, 201)
        .await;

    let name = json!({"name": "Billing"});
    let space = id(&api.post(&format!("{t}/spaces"), admin, name, 201).await);
    let s = &format!("{t}/spaces/{space}");
    api.get(&format!("{t}/spaces"), admin).await;
    api.get(s, admin).await;
    api.patch(s, admin, json!({"name": "Payments", "live_chat": true}))
        .await;
    let body = json!({"name": "Grace Hopper", "email": "grace@example.com", "spaces": [space]});
    let agent = id(&api.post(&format!("{t}/agents"), admin, body, 201).await);
    let g = &format!("{t}/agents/{agent}");
    api.get(&format!("{t}/agents"), admin).await;
    api.get(g, admin).await;
    api.patch(g, admin, json!({"name": "Grace"})).await;
    api.post(&format!("{g}/token"), admin, Value::Null, 200)
        .await;

    let knowledge = json!([{"question": "What are your hours?", "answer": "9 to 5."}]);
    let body = json!({"name": "Helper", "published": true, "knowledge": knowledge});
    let ai = id(&api.post(&format!("{t}/ai-agents"), admin, body, 201).await);
    let i = &format!("{t}/ai-agents/{ai}");
    api.get(&format!("{t}/ai-agents"), admin).await;
    api.get(i, admin).await;
    api.patch(i, admin, json!({"name": "Helper 2"})).await;
    let body = json!({"name": "Help", "support_mode": "ai_and_team",
        "ai_agent": ai, "routed_space": space});
    let experience = id(&api
        .post(&format!("{t}/experiences"), admin, body, 201)
        .await);
    let e = &format!("{t}/experiences/{experience}");
    api.get(&format!("{t}/experiences"), admin).await;
    api.get(e, admin).await;
    api.patch(e, admin, json!({"name": "Help desk"})).await;
    let body = json!({"kind": "embed", "allowed_origins": ["https://shop.example.com"]});
    let widget = id(&api.post(&format!("{e}/widgets"), admin, body, 201).await);
    let w = &format!("{e}/widgets/{widget}");
    api.get(w, admin).await;
    let origins = json!({"allowed_origins": ["https://shop.example.com", "https://example.org"]});
    api.patch(w, admin, origins).await;
    let kind = json!({"kind": "support_site"});
    let site = id(&api.post(&format!("{e}/widgets"), admin, kind, 201).await);
    let page = api.get(&format!("/support/{site}"), admin).await;
    assert!(page.as_str().unwrap().contains("<html"), "{page}");

    let body = json!({"name": "Erin", "email": "erin@example.com",
        "role": "experience_admin", "experiences": [experience]});
    let other = id(&api.post(&format!("{t}/admins"), admin, body, 201).await);
    let d = &format!("{t}/admins/{other}");
    api.get(&format!("{t}/admins"), admin).await;
    api.patch(d, admin, json!({"name": "Erin B"})).await;
    api.post(&format!("{d}/token"), admin, Value::Null, 200)
        .await;

    // Refusals have their documented shapes too.
    let missing = format!("{t}/spaces/00000000-0000-4000-8000-000000000000");
    api.call("GET", &missing, admin, None, StatusCode::NOT_FOUND)
        .await;
    api.call("GET", s, "not-a-token", None, StatusCode::UNAUTHORIZED)
        .await;

    for path in [w, e, i, g, d, s] {
        api.call("DELETE", path, admin, None, StatusCode::NO_CONTENT)
            .await;
    }
}

#[tokio::test]
async fn every_answer_of_the_lists_and_reads_matches_the_document() {
    let api = Checked::start().await;
    let bus = &api.app.state.bus;
    let tenant = api.app.tenant("premium").await;
    let (t, admin) = (&format!("/api/v1/tenants/{}", tenant.id), &tenant.admin);
    let space = api.app.space(&tenant, "Billing").await;
    let (agent, agent_token) = api.app.agent(&tenant, "grace@example.com", &[&space]).await;
    let ai = api.app.ai_agent(&tenant, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": ai});
    let experience = api.app.create(&tenant, "/experiences", body).await;

    let customer = Customer {
        key: "user:c-1".into(),
        name: "Ada".into(),
        email: "ada@example.com".into(),
        signed_in: true,
    };
    let conversation = ConversationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        experience: experience.clone(),
        widget: uuid::Uuid::now_v7().to_string(),
        state: ConversationState::Live as i32,
        support_mode: SupportMode::AiAndTeam as i32,
        ai_agent: ai.clone(),
        routed_space: space.clone(),
        customer: Some(customer.clone()),
        assignee: agent.clone(),
        assignee_name: "Grace Hopper".into(),
        created_at_ms: 1_764_000_000_000,
        ..Default::default()
    };
    let message = ChatMessage {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        author: Some(Author {
            role: Role::Customer as i32,
            id: "user:c-1".into(),
            name: "Ada".into(),
        }),
        seq: 1,
        text: "hello".into(),
        conversation: conversation.id.clone(),
        at_ms: 1_764_000_000_100,
        ..Default::default()
    };
    fakes::serve_transcripts(bus, vec![(conversation.clone(), vec![message])]).await;
    let page = ConversationList {
        items: vec![ConversationListItem {
            info: Some(conversation.clone()),
            updated_at_ms: 1_764_000_000_100,
        }],
        next_cursor: "next".into(),
        error: String::new(),
    };
    fakes::serve_conversation_list(bus, page).await;
    let view = SpaceView {
        live_chat: true,
        limit: 3,
        waiting: vec![WaitingConversation {
            conversation: conversation.id.clone(),
            experience: experience.clone(),
            customer: Some(customer.clone()),
            queued_at_ms: 1_764_000_000_050,
            position: 1,
            offered_to: agent.clone(),
            offer_expires_at_ms: 1_764_000_000_200,
        }],
        agents: vec![SpaceAgent {
            agent: agent.clone(),
            status: 1,
            load: 1,
        }],
        error: String::new(),
    };
    fakes::serve_space_view(bus, view).await;
    let work_items = FakeWorkItems::start(bus).await;
    let item = uuid::Uuid::now_v7().to_string();
    work_items.add(WorkItem {
        id: item.clone(),
        tenant: tenant.id.clone(),
        space: space.clone(),
        conversation: conversation.id.clone(),
        status: "open".into(),
        summary: "My parcel is lost".into(),
        reporter: Some(customer),
        created_at_ms: 1_764_000_000_250,
        updated_at_ms: 1_764_000_000_250,
        ..Default::default()
    });

    api.get(&format!("{t}/spaces/{space}/live"), admin).await;
    api.get(&format!("{t}/conversations?limit=1"), admin).await;
    let c = &format!("{t}/conversations/{}", conversation.id);
    api.get(c, admin).await;
    api.get(&format!("{c}/transcript"), admin).await;
    api.get(&format!("{c}/decisions"), admin).await;
    api.get(&format!("{t}/work-items"), &agent_token).await;
    let w = &format!("{t}/work-items/{item}");
    api.get(w, &agent_token).await;
    api.patch(w, &agent_token, json!({"status": "in_progress"}))
        .await;
}

#[tokio::test]
async fn every_page_and_the_refusals_off_the_journey_match_the_document() {
    let api = Checked::start().await;
    let tenant = api.app.tenant("premium").await;
    let pages = [
        "/",
        "/widget.js",
        "/support.css",
        "/support.js",
        "/console",
        "/console.css",
        "/console.js",
        "/console-ui.js",
        "/console-ws.js",
        "/console-convs.js",
        "/console-work.js",
        "/admin",
        "/admin/admin.css",
        "/admin/app.js",
    ];
    for page in pages {
        api.get(page, "").await;
    }
    let (no_content, not_found) = (StatusCode::NO_CONTENT, StatusCode::NOT_FOUND);
    api.call("GET", "/favicon.ico", "", None, no_content).await;
    api.call("GET", "/admin/nothing.js", "", None, not_found)
        .await;
    let nobody = "/support/00000000-0000-4000-8000-000000000000";
    api.call("GET", nobody, "", None, not_found).await;

    // A gateway without a NATS authority issues no platform credentials.
    let credentials = format!("/api/v1/tenants/{}/ai-platform-credentials", tenant.id);
    let unavailable = StatusCode::SERVICE_UNAVAILABLE;
    api.call("POST", &credentials, &tenant.admin, None, unavailable)
        .await;
    api.call("DELETE", &credentials, &tenant.admin, None, unavailable)
        .await;
    let invalid = json!({"edition": "gold"});
    let t = format!("/api/v1/tenants/{}", tenant.id);
    let bad_request = StatusCode::BAD_REQUEST;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    api.refused("PATCH", &t, OPERATOR, Some(invalid), Some(unprocessable))
        .await;
    let unknown = json!({"name": "Acme", "colour": "red"});
    api.refused("PATCH", &t, OPERATOR, Some(unknown), Some(bad_request))
        .await;
    let space = format!("{t}/spaces");
    api.refused(
        "POST",
        &space,
        &tenant.admin,
        Some(json!({})),
        Some(bad_request),
    )
    .await;
    api.call("GET", &t, "", None, StatusCode::UNAUTHORIZED)
        .await;
    api.get(&t, &tenant.admin).await;
    let stranger = api.app.tenant("standard").await;
    let forbidden = StatusCode::FORBIDDEN;
    api.call("GET", &t, &stranger.admin, None, forbidden).await;
}
