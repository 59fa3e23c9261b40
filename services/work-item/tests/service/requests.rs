//! The work-item RPC as the gateway calls it: list, get, move; tenants and
//! spaces kept apart; moves outside the lifecycle refused.

use switchboard_contracts::ids::{SpaceId, TenantId};
use switchboard_contracts::v1::work_item_request::Request;
use switchboard_contracts::v1::{Role, SupportMode, WorkItem, WorkItemQuery};

use crate::support::{Chat, Harness};

/// A conversation handed off in `tenant`, and its item.
async fn handed_off(harness: &Harness, tenant: TenantId, text: &str) -> (Chat, WorkItem) {
    let mut chat = Chat::new(tenant, SupportMode::AiAndTeam);
    chat.say(Role::Customer, "Ada", text);
    chat.hand_off(harness, text, "customer asked", "queued")
        .await;
    let item = harness.item_where(&chat, |_| true).await;
    (chat, item)
}

fn get(id: &str) -> WorkItemQuery {
    WorkItemQuery {
        id: id.to_owned(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_get_and_move_items_through_the_lifecycle() {
    let harness = Harness::start().await;
    let tenant = TenantId::new();
    let (first_chat, first) = handed_off(&harness, tenant, "first").await;
    let (_, second) = handed_off(&harness, tenant, "second").await;

    let all = harness.list(tenant).await;
    let ids: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![second.id.as_str(), first.id.as_str()],
        "newest first"
    );
    let in_space = harness
        .query(
            tenant,
            WorkItemQuery {
                space: first_chat.space.to_string(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(in_space.items, vec![first.clone()]);
    let fetched = harness.query(tenant, get(&first.id)).await;
    assert_eq!(fetched.items, vec![first.clone()]);

    for status in ["in_progress", "in_progress", "resolved", "open", "resolved"] {
        let moved = harness.update(tenant, &first.id, status, &[]).await;
        assert_eq!(moved.error, "", "{status}: {}", moved.message);
        assert_eq!(moved.items[0].status, status);
    }
    let resolved = harness
        .query(
            tenant,
            WorkItemQuery {
                status: "resolved".into(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(resolved.items.len(), 1);
    assert_eq!(resolved.items[0].id, first.id);
    assert!(resolved.items[0].updated_at_ms >= first.updated_at_ms);
    let open = harness
        .query(
            tenant,
            WorkItemQuery {
                status: "open".into(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(open.items, vec![second]);
    assert_eq!(
        harness
            .counter_reaches("work_item_status_changes_total", 4)
            .await,
        4,
        "a repeat is no change"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_outside_the_lifecycle_are_refused_naming_the_transition() {
    let harness = Harness::start().await;
    let tenant = TenantId::new();
    let (_, item) = handed_off(&harness, tenant, "help").await;
    harness.update(tenant, &item.id, "in_progress", &[]).await;

    let back = harness.update(tenant, &item.id, "open", &[]).await;
    assert_eq!(back.error, "invalid");
    assert!(
        back.message.contains("from in_progress to open"),
        "{}",
        back.message
    );
    assert!(back.items.is_empty());
    harness.update(tenant, &item.id, "resolved", &[]).await;
    let sideways = harness.update(tenant, &item.id, "in_progress", &[]).await;
    assert!(
        sideways.message.contains("from resolved to in_progress"),
        "{}",
        sideways.message
    );

    let unknown = harness.update(tenant, &item.id, "done", &[]).await;
    assert_eq!(unknown.error, "invalid");
    assert!(
        unknown.message.starts_with("status must be one of"),
        "{}",
        unknown.message
    );
    let bad_filter = harness
        .query(
            tenant,
            WorkItemQuery {
                space: "sales".into(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(bad_filter.error, "invalid");
    assert!(
        bad_filter.message.starts_with("space"),
        "{}",
        bad_filter.message
    );
    let missing = harness.query(tenant, get(&uuid_like())).await;
    assert_eq!(missing.error, "not_found");

    let unchanged = harness.query(tenant, get(&item.id)).await;
    assert_eq!(unchanged.items[0].status, "resolved");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_can_neither_see_nor_move_an_item() {
    let harness = Harness::start().await;
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let (_, item) = handed_off(&harness, tenant, "private").await;

    assert!(harness.list(other).await.is_empty());
    assert_eq!(harness.query(other, get(&item.id)).await.error, "not_found");
    let moved = harness.update(other, &item.id, "resolved", &[]).await;
    assert_eq!(moved.error, "not_found");

    // Naming the tenant in the body is not enough: the subject decides.
    let smuggled = WorkItemQuery {
        tenant: tenant.to_string(),
        ..get(&item.id)
    };
    let refused = harness.ask(other, Request::Query(smuggled)).await;
    assert_eq!(refused.error, "invalid");
    assert!(refused.items.is_empty());

    let unchanged = harness.query(tenant, get(&item.id)).await;
    assert_eq!(unchanged.items[0].status, "open");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_limited_to_some_spaces_sees_and_moves_only_items_in_them() {
    let harness = Harness::start().await;
    let tenant = TenantId::new();
    let (mine_chat, mine) = handed_off(&harness, tenant, "mine").await;
    let (_, theirs) = handed_off(&harness, tenant, "theirs").await;
    let spaces = vec![mine_chat.space.to_string(), SpaceId::new().to_string()];

    let listed = harness
        .query(
            tenant,
            WorkItemQuery {
                spaces: spaces.clone(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(listed.items, vec![mine.clone()]);
    let hidden = harness
        .query(
            tenant,
            WorkItemQuery {
                spaces: spaces.clone(),
                ..get(&theirs.id)
            },
        )
        .await;
    assert_eq!(hidden.error, "not_found");
    assert_eq!(
        harness
            .update(tenant, &theirs.id, "resolved", &spaces)
            .await
            .error,
        "not_found"
    );
    let moved = harness.update(tenant, &mine.id, "resolved", &spaces).await;
    assert_eq!(moved.items[0].status, "resolved");
    harness.stop().await;
}

fn uuid_like() -> String {
    SpaceId::new().to_string()
}
