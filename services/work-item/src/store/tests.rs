//! Store tests. Each body is generic over the backend and runs twice: on
//! SQLite in a temp file and on PostgreSQL (a fresh database from the run's
//! server; skipped without one unless `SWITCHBOARD_REQUIRE_POSTGRES=1`).

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::v1::{Author, ChatMessage, Customer, Role};
use uuid::Uuid;

use super::Store;
use crate::domain::{ListFilter, NewWorkItem, Status};

async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("work-item.db").display());
    (Store::connect(&url).await.expect("open SQLite"), dir)
}

async fn postgres_store() -> Option<Store> {
    let url = switchboard_testkit::postgres_database().await?;
    Some(Store::connect(&url).await.expect("open PostgreSQL"))
}

/// Each listed body becomes `sqlite::<name>` and `postgres::<name>`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, _dir) = super::sqlite_store().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(store) = super::postgres_store().await else { return };
                    super::$name(store).await;
                }
            )*
        }
    };
}

on_both_backends!(
    creating_twice_for_one_conversation_keeps_the_first_item,
    concurrent_creates_for_one_conversation_make_one_item,
    assigning_and_attaching_need_an_item_and_touch_only_their_fields,
    lists_filter_by_space_status_assignee_and_spaces_newest_first,
    pages_walk_every_item_once_while_items_are_created,
    another_tenant_reads_nothing_and_changes_nothing,
    a_status_change_applies_only_from_the_status_it_was_decided_from,
);

fn new_item(tenant: TenantId, space: SpaceId, at_ms: i64) -> NewWorkItem {
    NewWorkItem {
        tenant,
        space,
        conversation: ConversationId::new(),
        summary: "My invoice is wrong".into(),
        description: "AI conversation before the handoff:\n…".into(),
        reporter: Customer {
            key: "user:ada".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            signed_in: true,
        },
        at_ms,
    }
}

fn thread() -> Vec<ChatMessage> {
    [
        (1, Role::Customer, "Ada", ""),
        (2, Role::System, "", "agent_joined"),
        (3, Role::Agent, "Grace", ""),
    ]
    .into_iter()
    .map(|(seq, role, name, notice)| ChatMessage {
        id: format!("message-{seq}"),
        seq,
        author: Some(Author {
            role: role as i32,
            id: format!("{name}-id"),
            name: name.into(),
        }),
        text: format!("line {seq} with \"quotes\" and ünïcode"),
        at_ms: 1000 + seq as i64,
        notice: notice.into(),
        ..Default::default()
    })
    .collect()
}

async fn creating_twice_for_one_conversation_keeps_the_first_item(store: Store) {
    let first = new_item(TenantId::new(), SpaceId::new(), 10);
    let created = store.create(&first).await.unwrap();
    assert!(created.new);
    let item = &created.item;
    assert_eq!(item.status, "open");
    assert_eq!(item.summary, first.summary);
    assert_eq!(item.reporter.as_ref().unwrap().email, "ada@example.com");
    assert_eq!((item.created_at_ms, item.updated_at_ms), (10, 10));
    assert!(item.assignee.is_empty() && item.transcript.is_empty());

    let second = NewWorkItem {
        summary: "A second handoff".into(),
        space: SpaceId::new(),
        at_ms: 20,
        ..first.clone()
    };
    let again = store.create(&second).await.unwrap();
    assert!(!again.new);
    assert_eq!(again.item, created.item, "the first item stays as it was");
}

async fn concurrent_creates_for_one_conversation_make_one_item(store: Store) {
    let new = new_item(TenantId::new(), SpaceId::new(), 10);
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (store, new) = (store.clone(), new.clone());
            tokio::spawn(async move { store.create(&new).await.unwrap() })
        })
        .collect();
    let mut created = Vec::new();
    for racer in racers {
        created.push(racer.await.unwrap());
    }
    assert_eq!(created.iter().filter(|c| c.new).count(), 1);
    assert!(created.iter().all(|c| c.item.id == created[0].item.id));
}

async fn assigning_and_attaching_need_an_item_and_touch_only_their_fields(store: Store) {
    let new = new_item(TenantId::new(), SpaceId::new(), 10);
    let (t, c) = (new.tenant, new.conversation);
    assert!(!store.assign(t, c, "agent", "Grace", 11).await.unwrap());
    assert!(!store.attach(t, c, &thread(), 11).await.unwrap());
    assert!(store.by_conversation(t, c).await.unwrap().is_none());

    let id = store.create(&new).await.unwrap().item.id;
    let agent = AgentId::new().to_string();
    assert!(store.assign(t, c, &agent, "Grace", 12).await.unwrap());
    assert!(store.attach(t, c, &thread(), 13).await.unwrap());
    assert!(store.attach(t, c, &thread()[..1], 14).await.unwrap());
    assert!(store.attach(t, c, &thread(), 15).await.unwrap());

    let item = store.get(t, id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(
        (item.assignee.as_str(), item.assignee_name.as_str()),
        (agent.as_str(), "Grace")
    );
    assert_eq!(
        item.status, "open",
        "neither assigning nor attaching moves it"
    );
    assert_eq!(item.updated_at_ms, 15);
    let mut expected = thread();
    for message in &mut expected {
        message.tenant = t.to_string();
        message.conversation = c.to_string();
    }
    assert_eq!(item.transcript, expected, "the thread round-trips");
}

async fn lists_filter_by_space_status_assignee_and_spaces_newest_first(store: Store) {
    let t = TenantId::new();
    let (sales, billing) = (SpaceId::new(), SpaceId::new());
    let mut ids = Vec::new();
    for (at, space) in [(1, sales), (2, billing), (3, sales)] {
        ids.push(store.create(&new_item(t, space, at)).await.unwrap().item);
    }
    let agent = AgentId::new();
    store
        .assign(
            t,
            ids[2].conversation.parse().unwrap(),
            &agent.to_string(),
            "Grace",
            4,
        )
        .await
        .unwrap();
    let moved = ids[0].id.parse().unwrap();
    assert!(
        store
            .set_status(t, moved, Status::Open, Status::Resolved, "", 5)
            .await
            .unwrap()
    );

    let listed = |filter: ListFilter| {
        let store = store.clone();
        async move {
            let (items, _) = store.list(t, &filter).await.unwrap();
            items.into_iter().map(|i| i.id).collect::<Vec<_>>()
        }
    };
    let all = listed(ListFilter::default()).await;
    assert_eq!(
        all,
        vec![ids[2].id.clone(), ids[1].id.clone(), ids[0].id.clone()]
    );
    let in_sales = ListFilter {
        space: Some(sales),
        ..Default::default()
    };
    assert_eq!(
        listed(in_sales).await,
        vec![ids[2].id.clone(), ids[0].id.clone()]
    );
    let open = ListFilter {
        status: Some(Status::Open),
        ..Default::default()
    };
    assert_eq!(
        listed(open).await,
        vec![ids[2].id.clone(), ids[1].id.clone()]
    );
    let mine = ListFilter {
        assignee: Some(agent),
        ..Default::default()
    };
    assert_eq!(listed(mine).await, vec![ids[2].id.clone()]);
    let reachable = ListFilter {
        spaces: vec![billing, SpaceId::new()],
        ..Default::default()
    };
    assert_eq!(listed(reachable).await, vec![ids[1].id.clone()]);
    let outside = ListFilter {
        space: Some(sales),
        spaces: vec![billing],
        ..Default::default()
    };
    assert!(listed(outside).await.is_empty());
}

async fn another_tenant_reads_nothing_and_changes_nothing(store: Store) {
    let new = new_item(TenantId::new(), SpaceId::new(), 10);
    let item = store.create(&new).await.unwrap().item;
    let id: Uuid = item.id.parse().unwrap();
    let other = TenantId::new();
    assert!(store.get(other, id).await.unwrap().is_none());
    assert!(
        store
            .by_conversation(other, new.conversation)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .list(other, &ListFilter::default())
            .await
            .unwrap()
            .0
            .is_empty()
    );
    assert!(
        !store
            .assign(other, new.conversation, "a", "A", 11)
            .await
            .unwrap()
    );
    assert!(
        !store
            .attach(other, new.conversation, &thread(), 11)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_status(other, id, Status::Open, Status::Resolved, "", 11)
            .await
            .unwrap()
    );
    assert_eq!(store.get(new.tenant, id).await.unwrap().unwrap(), item);
}

async fn a_status_change_applies_only_from_the_status_it_was_decided_from(store: Store) {
    let new = new_item(TenantId::new(), SpaceId::new(), 10);
    let id: Uuid = store.create(&new).await.unwrap().item.id.parse().unwrap();
    let t = new.tenant;
    assert!(
        store
            .set_status(t, id, Status::Open, Status::InProgress, "agent-1", 11)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_status(t, id, Status::Open, Status::Resolved, "agent-2", 12)
            .await
            .unwrap(),
        "a decision taken on a stale status does not apply"
    );
    assert!(
        store
            .set_status(t, id, Status::InProgress, Status::Resolved, "agent-2", 13)
            .await
            .unwrap()
    );
    let item = store.get(t, id).await.unwrap().unwrap();
    assert_eq!((item.status.as_str(), item.updated_at_ms), ("resolved", 13));
    let pair = |by: &str, from: &str, to: &str| (by.to_owned(), from.to_owned(), to.to_owned());
    assert_eq!(
        store.changes(t, id).await.unwrap(),
        vec![
            pair("agent-1", "open", "in_progress"),
            pair("agent-2", "in_progress", "resolved")
        ]
    );
}

/// Keyset pages by `(created_at, id)`: items sharing a creation time are
/// split across pages, and items created during the walk (newer than the
/// first page) neither shift a page nor show up in it.
async fn pages_walk_every_item_once_while_items_are_created(store: Store) {
    let t = TenantId::new();
    let space = SpaceId::new();
    let mut before = Vec::new();
    for n in 0..23 {
        // Three items per millisecond.
        let item = store.create(&new_item(t, space, n / 3)).await.unwrap().item;
        before.push(item.id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter = ListFilter {
            limit: 4,
            after,
            ..ListFilter::default()
        };
        let (page, more) = store.list(t, &filter).await.unwrap();
        assert!(page.len() <= 4);
        seen.extend(page.iter().map(|i| i.id.clone()));
        store.create(&new_item(t, space, 100)).await.unwrap();
        match (more, page.last()) {
            (true, Some(last)) => after = Some((last.created_at_ms, last.id.parse().unwrap())),
            _ => break,
        }
    }
    assert_eq!(seen.len(), 23, "each item once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 23, "no repeats");
    let mut wanted = before;
    wanted.sort();
    assert_eq!(
        unique, wanted,
        "the items that existed, none of the new ones"
    );
}
