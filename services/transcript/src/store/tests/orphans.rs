//! Open conversations by what they refer to: each kind of record finds the
//! conversations that depend on it in their current state, of one tenant,
//! never an ended one; pages walk them all; the queries read the partial
//! indexes of open conversations, never every conversation.

use std::collections::BTreeSet;

use sqlx::Row;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::EndReason;

use super::commands::{accept, request_handoff};
use super::{end, new_message, post};
use crate::domain::orphans::{Kind, Reference};
use crate::store::Store;
use crate::store::orphans::{referenced_sql, referencing_sql};

const EXPERIENCE: &str = "0190a0b0-0000-7000-8000-00000000a0e1";
const WIDGET: &str = "0190a0b0-0000-7000-8000-00000000a0e2";
const AI_AGENT: &str = "0190a0b0-0000-7000-8000-00000000a0e3";
const SPACE: &str = "0190a0b0-0000-7000-8000-00000000a0e4";
const AGENT: &str = "0190a0b0-0000-7000-8000-00000000a0e5";

/// A conversation of `tenant` in state `ai` on the shared experience,
/// widget, AI agent and space.
async fn opened(store: &Store, tenant: TenantId) -> ConversationId {
    let conversation = ConversationId::new();
    let mut opening = post(tenant, conversation, "c1");
    let start = opening.start.as_mut().expect("start");
    start.experience = EXPERIENCE.into();
    start.widget = WIDGET.into();
    start.ai_agent = AI_AGENT.into();
    start.routed_space = SPACE.into();
    new_message(store, &opening).await;
    conversation
}

async fn queued(store: &Store, tenant: TenantId) -> ConversationId {
    let conversation = opened(store, tenant).await;
    request_handoff(store, (tenant, conversation), "h1", "")
        .await
        .expect("handoff");
    conversation
}

async fn live(store: &Store, tenant: TenantId) -> ConversationId {
    let conversation = queued(store, tenant).await;
    accept(store, (tenant, conversation), "a1", AGENT)
        .await
        .expect("accept");
    conversation
}

async fn found(store: &Store, tenant: TenantId, kind: Kind, id: &str) -> BTreeSet<ConversationId> {
    store
        .open_referencing(tenant, &Reference::new(kind, id), "", 0)
        .await
        .expect("query")
        .into_iter()
        .map(|r| {
            assert_eq!(r.experience, EXPERIENCE);
            r.id
        })
        .collect()
}

pub(super) async fn each_record_finds_the_open_conversations_that_depend_on_it_now(store: Store) {
    let tenant = TenantId::new();
    let ai = opened(&store, tenant).await;
    let waiting = queued(&store, tenant).await;
    let talking = live(&store, tenant).await;
    let ended = live(&store, tenant).await;
    end(
        &store,
        tenant,
        ended,
        EndReason::AgentEnded,
        "e1",
        1_700_000_500_000,
    )
    .await
    .expect("end");
    let elsewhere = TenantId::new();
    live(&store, elsewhere).await;

    let all: BTreeSet<_> = [ai, waiting, talking].into();
    assert_eq!(
        found(&store, tenant, Kind::Experience, EXPERIENCE).await,
        all
    );
    assert_eq!(found(&store, tenant, Kind::Widget, WIDGET).await, all);
    assert_eq!(
        found(&store, tenant, Kind::AiAgent, AI_AGENT).await,
        [ai].into(),
        "only while the AI has it"
    );
    assert_eq!(
        found(&store, tenant, Kind::Space, SPACE).await,
        [waiting, talking].into(),
        "queued or live in the space"
    );
    assert_eq!(
        found(&store, tenant, Kind::Agent, AGENT).await,
        [talking].into()
    );
    assert!(found(&store, tenant, Kind::Space, AGENT).await.is_empty());

    let spaces = store.referenced(Kind::Space).await.expect("referenced");
    let mine: Vec<_> = spaces.iter().filter(|(t, _)| *t == tenant).collect();
    assert_eq!(mine, [&(tenant, Reference::new(Kind::Space, SPACE))]);
    assert!(spaces.iter().any(|(t, _)| *t == elsewhere));
    let agents = store.referenced(Kind::Agent).await.expect("referenced");
    assert!(agents.contains(&(tenant, Reference::new(Kind::Agent, AGENT))));
    let ai_agents = store.referenced(Kind::AiAgent).await.expect("referenced");
    assert!(ai_agents.contains(&(tenant, Reference::new(Kind::AiAgent, AI_AGENT))));
    assert!(
        !ai_agents.iter().any(|(t, _)| *t == elsewhere),
        "the other tenant's only conversation is live"
    );
}

pub(super) async fn pages_of_open_conversations_walk_each_once(store: Store) {
    let tenant = TenantId::new();
    let mut ids = BTreeSet::new();
    for _ in 0..7 {
        ids.insert(opened(&store, tenant).await);
    }
    let reference = Reference::new(Kind::Widget, WIDGET);
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page = store
            .open_referencing(tenant, &reference, &after, 3)
            .await
            .expect("page");
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|r| r.id));
        match page.last() {
            Some(last) if page.len() == 3 => after = last.id.to_string(),
            _ => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), ids);
}

/// The plan of `sql` as text: SQLite's `EXPLAIN QUERY PLAN`, or PostgreSQL's
/// `EXPLAIN` with sequential scans priced out (on a tiny table the planner
/// would rightly prefer one; what matters is that the index can serve it).
async fn plan(store: &Store, sql: &str, params: usize) -> String {
    let url = store.pool.connect_options().database_url.to_string();
    let mut tx = store.pool.begin().await.expect("begin");
    let explain = if url.starts_with("postgres") {
        sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *tx)
            .await
            .expect("set");
        format!("EXPLAIN {sql}")
    } else {
        format!("EXPLAIN QUERY PLAN {sql}")
    };
    let mut query = sqlx::query(&explain);
    for _ in 0..params.saturating_sub(1) {
        query = query.bind("x");
    }
    if params > 0 {
        query = query.bind(1_i64);
    }
    let rows = query.fetch_all(&mut *tx).await.expect("explain");
    tx.rollback().await.expect("rollback");
    rows.iter()
        .map(|row| {
            let column = if url.starts_with("postgres") { 0 } else { 3 };
            row.try_get::<String, _>(column).expect("plan text")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) async fn the_queries_read_the_indexes_of_open_conversations(store: Store) {
    let index = |kind: Kind| match kind {
        Kind::Experience => "conversations_open_experience",
        Kind::Widget => "conversations_open_widget",
        Kind::AiAgent => "conversations_open_ai_agent",
        Kind::Space => "conversations_open_space",
        Kind::Agent => "conversations_open_assignee",
    };
    for kind in Kind::ALL {
        let by_id = plan(&store, &referencing_sql(kind), 4).await;
        assert!(by_id.contains(index(kind)), "{kind:?}: {by_id}");
        // One pass over open conversations: any of their indexes will do
        // (PostgreSQL may pick another kind's, all hold the same rows).
        let all = plan(&store, &referenced_sql(kind), 0).await;
        assert!(all.contains("conversations_open_"), "{kind:?}: {all}");
    }
}
