//! The admin list: newest first, keyset pages without loss or repeat, filters.

use std::collections::HashSet;

use super::*;
use crate::store::{Cursor, ListFilter};

const OTHER_EXPERIENCE: &str = "0190a0b0-0000-7000-8000-0000000000f1";
const SPACE: &str = "0190a0b0-0000-7000-8000-0000000000f2";

/// Starts `n` conversations for `tenant`, three to a millisecond so that ties
/// on created_at are ordered by id. Every fifth is of another experience and
/// routed to a space; every seventh is ended. Returns their ids.
async fn seed(store: &Store, tenant: TenantId, n: usize) -> Vec<ConversationId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let conversation = ConversationId::new();
        let mut message = post(tenant, conversation, &format!("c{i}"));
        message.at_ms = 1_700_000_000_000 + (i / 3) as i64;
        if i % 5 == 0 {
            let start = message.start.as_mut().expect("start");
            start.experience = OTHER_EXPERIENCE.into();
            start.routed_space = SPACE.into();
        }
        new_message(store, &message).await;
        if i % 7 == 0 {
            end(
                store,
                tenant,
                conversation,
                EndReason::CustomerEnded,
                &format!("end{i}"),
                message.at_ms + 1,
            )
            .await
            .expect("end");
        }
        ids.push(conversation);
    }
    ids
}

/// Every page of the list in order, each of `limit` at most.
async fn walk(store: &Store, tenant: TenantId, filter: &ListFilter, limit: u32) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = store
            .list(tenant, filter, limit, after.as_ref())
            .await
            .expect("list");
        assert!(page.items.len() <= limit as usize);
        seen.extend(page.items.iter().map(|item| item.info.id.clone()));
        match page.next {
            // The cursor survives the wire.
            Some(next) => after = Some(Cursor::decode(&next.encode()).expect("cursor")),
            None => return seen,
        }
    }
}

pub(super) async fn pages_of_fifty_walk_250_conversations_newest_first_without_loss_or_repeat(
    store: Store,
) {
    let tenant = TenantId::new();
    let ids = seed(&store, tenant, 250).await;
    seed(&store, TenantId::new(), 3).await;

    let seen = walk(&store, tenant, &ListFilter::default(), 50).await;
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 250);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>(),
        ids.iter()
            .map(|id| id.to_string())
            .collect::<HashSet<_>>()
            .iter()
            .collect()
    );
    let all = store
        .list(tenant, &ListFilter::default(), 200, None)
        .await
        .expect("list");
    let times: Vec<i64> = all
        .items
        .iter()
        .map(|item| item.info.created_at_ms)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(
        all.items
            .iter()
            .all(|item| item.updated_at_ms >= item.info.created_at_ms)
    );
    assert!(all.next.is_some(), "200 of 250 leaves a page");
}

pub(super) async fn filters_on_state_space_and_experience_apply_to_every_page(store: Store) {
    let tenant = TenantId::new();
    seed(&store, tenant, 60).await;
    let ended = ListFilter {
        state: Some(ConversationState::Ended),
        ..Default::default()
    };
    // i % 7 == 0 for i in 0..60: 9 of them.
    assert_eq!(walk(&store, tenant, &ended, 2).await.len(), 9);
    let spaced = ListFilter {
        space: Some(SPACE.into()),
        ..Default::default()
    };
    assert_eq!(walk(&store, tenant, &spaced, 5).await.len(), 12);
    let other = ListFilter {
        experiences: vec![OTHER_EXPERIENCE.into()],
        ..Default::default()
    };
    let listed = store.list(tenant, &other, 0, None).await.expect("list");
    assert_eq!(listed.items.len(), 12);
    assert!(
        listed
            .items
            .iter()
            .all(|item| item.info.experience == OTHER_EXPERIENCE)
    );
    let both = ListFilter {
        experiences: vec![OTHER_EXPERIENCE.into(), start().experience],
        state: Some(ConversationState::Ai),
        ..Default::default()
    };
    assert_eq!(walk(&store, tenant, &both, 50).await.len(), 51);
    let nobody = ListFilter {
        experiences: vec!["0190a0b0-0000-7000-8000-0000000000ff".into()],
        ..Default::default()
    };
    let empty = store.list(tenant, &nobody, 10, None).await.expect("list");
    assert!(empty.items.is_empty() && empty.next.is_none());
}

pub(super) async fn a_date_range_keeps_conversations_created_from_since_until_before_until(
    store: Store,
) {
    let tenant = TenantId::new();
    // Created at BASE + i / 3: three to each of the milliseconds 0 to 9.
    seed(&store, tenant, 30).await;
    const BASE: i64 = 1_700_000_000_000;
    let range = |since: Option<i64>, until: Option<i64>| ListFilter {
        since_ms: since.map(|ms| BASE + ms),
        until_ms: until.map(|ms| BASE + ms),
        ..Default::default()
    };
    let window = range(Some(2), Some(5));
    let page = store.list(tenant, &window, 50, None).await.expect("list");
    let times: HashSet<i64> = page
        .items
        .iter()
        .map(|item| item.info.created_at_ms - BASE)
        .collect();
    assert_eq!(
        times,
        HashSet::from([2, 3, 4]),
        "since inclusive, until not"
    );
    assert_eq!(walk(&store, tenant, &window, 2).await.len(), 9, "paged");
    assert_eq!(
        walk(&store, tenant, &range(Some(8), None), 4).await.len(),
        6
    );
    assert_eq!(
        walk(&store, tenant, &range(None, Some(1)), 1).await.len(),
        3
    );
    assert!(
        walk(&store, tenant, &range(Some(4), Some(4)), 5)
            .await
            .is_empty()
    );
    assert!(
        walk(&store, tenant, &range(Some(10), None), 5)
            .await
            .is_empty()
    );
    // With the other filters: of i = 6 to 14 (ms 2 to 4) only i = 10 is of
    // the other experience.
    let narrow = ListFilter {
        experiences: vec![OTHER_EXPERIENCE.into()],
        ..range(Some(2), Some(5))
    };
    let found = store.list(tenant, &narrow, 50, None).await.expect("list");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].info.created_at_ms, BASE + 3);
}

pub(super) async fn a_limit_of_zero_means_fifty_and_the_last_page_has_no_cursor(store: Store) {
    let tenant = TenantId::new();
    seed(&store, tenant, 55).await;
    let first = store
        .list(tenant, &ListFilter::default(), 0, None)
        .await
        .expect("list");
    assert_eq!(first.items.len(), 50);
    let rest = store
        .list(tenant, &ListFilter::default(), 0, first.next.as_ref())
        .await
        .expect("list");
    assert_eq!(rest.items.len(), 5);
    assert!(rest.next.is_none());
}

#[test]
fn a_cursor_is_opaque_hex_that_round_trips_and_garbage_is_refused() {
    let cursor = Cursor {
        created_at_ms: 1_700_000_000_000,
        id: "0190a0b0-0000-7000-8000-0000000000e1".into(),
    };
    let text = cursor.encode();
    assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(Cursor::decode(&text), Some(cursor));
    for garbage in ["", "zz", "abc", "3a", "313a", "é1"] {
        assert_eq!(Cursor::decode(garbage), None, "{garbage}");
    }
}
