//! The inactivity check in the store, with the clock in the test's hands.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationState, EndReason};

use super::commands::open;
use super::{change, target};
use crate::domain::inactivity::{self, Limits};
use crate::store::{Applied, Store};

const LIMITS: Limits = Limits {
    warn_ms: 1_000,
    end_ms: 500,
};

async fn check(
    store: &Store,
    ids: (
        switchboard_contracts::ids::TenantId,
        switchboard_contracts::ids::ConversationId,
    ),
    now: i64,
) -> Applied {
    let command_id = format!("inact:{}:{now}", ids.1);
    store
        .apply(
            target(ids.0, ids.1, &command_id, now),
            false,
            |record, _| Ok(inactivity::check(record, LIMITS, now, &command_id)),
        )
        .await
        .expect("check")
}

pub(super) async fn silence_warns_once_then_ends_with_reason_inactivity(store: Store) {
    let (tenant, conversation, t0) = open(&store, true).await;
    let ids = (tenant, conversation);
    assert!(check(&store, ids, t0 + 999).await.publications.is_empty());

    let warned = check(&store, ids, t0 + 1_000).await;
    assert_eq!(warned.publications.len(), 1);
    let warning = &warned.publications[0];
    assert_eq!(warning.msg_id, format!("inactive:{conversation}:{t0}"));
    match &warning.event.event {
        Some(Event::Inactive(w)) => assert_eq!(w.ends_at_ms, t0 + 1_500),
        other => panic!("expected a warning, got {other:?}"),
    }
    assert_eq!(warned.record.warned_at, t0);
    assert_eq!(
        inactivity::next_check(&warned.record, LIMITS),
        Some(t0 + 1_500)
    );
    assert!(
        check(&store, ids, t0 + 1_200).await.publications.is_empty(),
        "warned once"
    );

    let ended = check(&store, ids, t0 + 1_500).await;
    assert_eq!(
        change(&ended),
        Some((ConversationState::Ai, ConversationState::Ended))
    );
    assert_eq!(ended.record.info.end_reason(), EndReason::Inactivity);
    assert_eq!(inactivity::next_check(&ended.record, LIMITS), None);
}
