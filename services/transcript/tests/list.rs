//! The conversation list over the bus: pages, the next cursor and refusals.

mod support;

use std::time::Duration;

use support::{Harness, post};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{ConversationList, ConversationListQuery};

async fn list(
    harness: &Harness,
    subject_tenant: TenantId,
    query: &ConversationListQuery,
) -> ConversationList {
    harness
        .bus
        .request(
            subjects::conversation_list_rpc(subject_tenant),
            query,
            Duration::from_secs(5),
        )
        .await
        .expect("the list answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_a_tenants_conversations_and_refuses_what_it_cannot_read() {
    let harness = Harness::start().await;
    let t = TenantId::new();
    let mut opened = Vec::new();
    for i in 0..3 {
        let c = ConversationId::new();
        let mut events = harness.events(t, c).await;
        harness
            .send(&post(t, c, &format!("c{i}"), true), &format!("post:{i}"))
            .await;
        events.next_message().await;
        opened.push(c.to_string());
    }

    let first = list(
        &harness,
        t,
        &ConversationListQuery {
            tenant: t.to_string(),
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(first.error, "");
    assert_eq!(first.items.len(), 2);
    assert!(!first.next_cursor.is_empty());
    let rest = list(
        &harness,
        t,
        &ConversationListQuery {
            tenant: t.to_string(),
            limit: 2,
            cursor: first.next_cursor.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next_cursor, "");
    let mut seen: Vec<String> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|item| item.info.as_ref().expect("info").id.clone())
        .collect();
    seen.sort();
    opened.sort();
    assert_eq!(seen, opened);

    let garbled = list(
        &harness,
        t,
        &ConversationListQuery {
            tenant: t.to_string(),
            cursor: "zz".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(garbled.error, "invalid");
    let elsewhere = list(
        &harness,
        TenantId::new(),
        &ConversationListQuery {
            tenant: t.to_string(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(elsewhere.error, "invalid");
    harness.stop().await;
}
