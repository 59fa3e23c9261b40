//! Walking long lists through the public API, a page at a time, while items
//! are added between pages: 2,500 work items, 2,500 conversations and a
//! transcript of 2,500 messages, each item seen exactly once. The whole
//! system runs (gateway, transcript and work-item services on a secured
//! nats-server and a real database, SQLite and PostgreSQL); the histories
//! are written straight into the services' tables, since making 2,500
//! conversations over WebSockets would test the chat, not the pages.

use std::collections::HashSet;

use serde_json::Value;
use sqlx::AnyPool;
use switchboard_e2e::admin::{AiTenant, ai_tenant, call};
use switchboard_e2e::system::System;
use uuid::Uuid;

const HISTORY: usize = 2_500;
/// Items added after each page.
const ADDED_PER_PAGE: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lists_walk_page_by_page_on_sqlite_seeing_each_item_once() {
    let system = System::start().await;
    let url = format!(
        "sqlite://{}",
        system.data_dir.path().join("switchboard.db").display()
    );
    walk_every_kind(&system, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lists_walk_page_by_page_on_postgresql_seeing_each_item_once() {
    let Some(url) = switchboard_testkit::postgres_database().await else {
        return;
    };
    let system = System::start_with(Some(url.clone()), Vec::new()).await;
    walk_every_kind(&system, &url).await;
}

async fn walk_every_kind(system: &System, url: &str) {
    sqlx::any::install_default_drivers();
    let db = AnyPool::connect(url).await.expect("the services' database");
    let tenant = ai_tenant(system, "enterprise").await;
    let space = Uuid::now_v7().to_string();
    let t0 = 1_700_000_000_000_i64;

    // Work items, newest first: items created during the walk are newer
    // than the first page, so they never enter it.
    let before: Vec<String> = (0..HISTORY).map(|_| Uuid::now_v7().to_string()).collect();
    let mut tx = db.begin().await.unwrap();
    for (n, id) in before.iter().enumerate() {
        // Three items a millisecond: pages split ties.
        work_item(&mut tx, &tenant, &space, id, t0 + (n / 3) as i64).await;
    }
    tx.commit().await.unwrap();
    let mut later = t0 + HISTORY as i64;
    let seen = walk(system, &tenant, "/work-items", 200, async || {
        for _ in 0..ADDED_PER_PAGE {
            later += 1;
            let mut tx = db.begin().await.unwrap();
            work_item(&mut tx, &tenant, &space, &Uuid::now_v7().to_string(), later).await;
            tx.commit().await.unwrap();
        }
    })
    .await;
    assert_each_once(&seen, &before, "work items");

    // Conversations, newest first, the same way.
    let before: Vec<String> = (0..HISTORY).map(|_| Uuid::now_v7().to_string()).collect();
    let mut tx = db.begin().await.unwrap();
    for (n, id) in before.iter().enumerate() {
        conversation(&mut tx, &tenant, id, t0 + (n / 3) as i64, 0).await;
    }
    tx.commit().await.unwrap();
    let mut later = t0 + HISTORY as i64;
    let seen = walk(system, &tenant, "/conversations", 200, async || {
        let mut tx = db.begin().await.unwrap();
        for _ in 0..ADDED_PER_PAGE {
            later += 1;
            conversation(&mut tx, &tenant, &Uuid::now_v7().to_string(), later, 0).await;
        }
        tx.commit().await.unwrap();
    })
    .await;
    assert_each_once(&seen, &before, "conversations");

    // A transcript, oldest first: messages posted during the walk come
    // after every page read so far, so the walk ends with them too.
    let thread = Uuid::now_v7().to_string();
    let mut tx = db.begin().await.unwrap();
    conversation(&mut tx, &tenant, &thread, t0, HISTORY as i64).await;
    for seq in 1..=HISTORY as i64 {
        message(&mut tx, &tenant, &thread, seq).await;
    }
    tx.commit().await.unwrap();
    let mut last_seq = HISTORY as i64;
    let path = format!("/conversations/{thread}/transcript");
    let seen = walk(system, &tenant, &path, 200, async || {
        let mut tx = db.begin().await.unwrap();
        for _ in 0..ADDED_PER_PAGE {
            last_seq += 1;
            message(&mut tx, &tenant, &thread, last_seq).await;
        }
        sqlx::query("UPDATE conversations SET last_seq = $1 WHERE id = $2")
            .bind(last_seq)
            .bind(thread.as_str())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    })
    .await;
    let every: Vec<String> = (1..=last_seq).map(|seq| message_id(&thread, seq)).collect();
    assert_eq!(seen.len(), every.len(), "each message once");
    assert_eq!(
        seen, every,
        "every message, in seq order, the late ones too"
    );
}

/// Follows the list's pages `limit` at a time, running `between` after each
/// page that has a next one; the ids seen, in order.
async fn walk(
    system: &System,
    tenant: &AiTenant,
    path: &str,
    limit: u32,
    mut between: impl AsyncFnMut(),
) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        // Cursors are opaque but URL-safe (base64url or hex).
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let url = format!(
            "{}/api/v1/tenants/{}{path}?limit={limit}{after}",
            system.gateway_url(),
            tenant.id
        );
        let (status, body) = call(http.get(url).bearer_auth(&tenant.admin_token), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = body["items"].as_array().expect("items");
        assert!(
            items.len() <= limit as usize,
            "{path}: a page over its limit"
        );
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match &body["next_cursor"] {
            Value::String(next) => cursor = Some(next.clone()),
            Value::Null => return seen,
            other => panic!("{path}: next_cursor {other}"),
        }
        between().await;
    }
}

/// Every item of `before` seen exactly once, and nothing seen twice.
fn assert_each_once(seen: &[String], before: &[String], what: &str) {
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "{what}: an item seen twice");
    let missing = before.iter().filter(|id| !unique.contains(id)).count();
    assert_eq!(missing, 0, "{what}: items lost between pages");
    assert_eq!(
        seen.len(),
        before.len(),
        "{what}: newer items entered the walk"
    );
}

async fn work_item(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &AiTenant,
    space: &str,
    id: &str,
    at: i64,
) {
    sqlx::query(
        "INSERT INTO work_items (id, tenant, space, conversation, status, summary, \
         description, reporter_signed_in, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'open', 'Help', 'Asked for help', 0, $5, $5)",
    )
    .bind(id)
    .bind(tenant.id.as_str())
    .bind(space)
    .bind(Uuid::now_v7().to_string())
    .bind(at)
    .execute(&mut **tx)
    .await
    .expect("a work item row");
}

async fn conversation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &AiTenant,
    id: &str,
    at: i64,
    last_seq: i64,
) {
    sqlx::query(
        "INSERT INTO conversations (id, tenant, experience, customer_name, state, \
         end_reason, last_seq, created_at, updated_at) \
         VALUES ($1, $2, $3, 'Ada', 'ended', 'customer_ended', $4, $5, $5)",
    )
    .bind(id)
    .bind(tenant.id.as_str())
    .bind(tenant.experience.as_str())
    .bind(last_seq)
    .bind(at)
    .execute(&mut **tx)
    .await
    .expect("a conversation row");
}

fn message_id(conversation: &str, seq: i64) -> String {
    format!("{conversation}-{seq}")
}

async fn message(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &AiTenant,
    conversation: &str,
    seq: i64,
) {
    sqlx::query(
        "INSERT INTO messages (conversation, seq, id, tenant, role, author_name, text, at) \
         VALUES ($1, $2, $3, $4, 'customer', 'Ada', $5, $6)",
    )
    .bind(conversation)
    .bind(seq)
    .bind(message_id(conversation, seq))
    .bind(tenant.id.as_str())
    .bind(format!("message {seq}"))
    .bind(1_700_000_000_000_i64 + seq)
    .execute(&mut **tx)
    .await
    .expect("a message row");
}
