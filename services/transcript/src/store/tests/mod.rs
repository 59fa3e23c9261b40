//! Store tests. Each body is generic over the backend and runs twice: on
//! SQLite in a temp file and on PostgreSQL (a fresh database from the run's
//! server; skipped without one unless `SWITCHBOARD_REQUIRE_POSTGRES=1`).
//! Multi-thread runtimes, so concurrent appends really race.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ConversationStart, ConversationState, Customer, EndConversation, EndReason, Role,
    SupportMode,
};

use super::{Appended, Applied, Store, Target};
use crate::domain::NewMessage;
use crate::error::{Refusal, StoreError};

mod append;
mod commands;
mod handoff;
mod inactivity;
mod lifecycle;
mod list;
mod orphans;
mod team;

use append::*;
use handoff::*;
use inactivity::*;
use lifecycle::*;
use list::*;
use orphans::*;
use team::*;

async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("transcript.db").display());
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
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let (store, _dir) = super::sqlite_store().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(store) = super::postgres_store().await else { return };
                    super::$name(store).await;
                }
            )*
        }
    };
}

on_both_backends!(
    seq_counts_one_two_three_within_each_conversation,
    a_duplicate_client_id_returns_the_stored_message_and_takes_no_seq,
    a_batch_failing_partway_keeps_nothing_and_the_writer_goes_on,
    concurrent_appends_to_one_conversation_get_gap_free_unique_seqs,
    posting_into_an_ended_conversation_is_refused_and_changes_nothing,
    a_message_stored_before_the_end_is_still_a_duplicate_after_it,
    a_post_without_start_into_a_missing_conversation_is_refused,
    another_tenant_can_neither_read_nor_post_to_a_conversation,
    tail_returns_the_last_n_messages_in_seq_order,
    ending_twice_tells_a_repeat_from_a_second_end,
    the_conversation_keeps_what_its_start_said,
    a_notice_without_a_client_id_is_stored_once_per_command,
    posts_move_the_activity_clock_and_system_messages_do_not,
    a_support_team_conversation_opens_queued_with_its_first_message_as_summary,
    an_anonymous_handoff_waits_for_sign_in_and_identify_carries_it_on,
    a_signed_in_handoff_queues_with_the_first_customer_message,
    a_redelivered_command_republishes_what_it_published_the_first_time,
    an_accept_makes_it_live_once_and_a_second_agent_conflicts,
    a_return_to_the_ai_stores_the_fallback_then_changes_state,
    an_end_with_fallback_text_stores_the_notice_then_ends,
    a_notice_is_a_system_message_that_does_not_count_as_activity,
    a_second_handoff_after_a_return_gets_a_new_event_id,
    silence_warns_once_then_ends_with_reason_inactivity,
    commands_race_with_posts_without_breaking_the_seq,
    a_batch_of_state_changes_applies_in_order_in_one_transaction,
    pages_of_fifty_walk_250_conversations_newest_first_without_loss_or_repeat,
    filters_on_state_space_and_experience_apply_to_every_page,
    a_date_range_keeps_conversations_created_from_since_until_before_until,
    a_limit_of_zero_means_fifty_and_the_last_page_has_no_cursor,
    each_record_finds_the_open_conversations_that_depend_on_it_now,
    pages_of_open_conversations_walk_each_once,
    the_queries_read_the_indexes_of_open_conversations,
);

pub(super) fn start() -> ConversationStart {
    ConversationStart {
        experience: "0190a0b0-0000-7000-8000-0000000000e1".into(),
        widget: "0190a0b0-0000-7000-8000-0000000000e2".into(),
        customer: Some(Customer {
            key: "user:ada".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            signed_in: true,
        }),
        initial_state: ConversationState::Ai as i32,
        support_mode: SupportMode::AiAndTeam as i32,
        ai_agent: "0190a0b0-0000-7000-8000-0000000000e3".into(),
        routed_space: String::new(),
    }
}

pub(super) fn post(tenant: TenantId, conversation: ConversationId, client_id: &str) -> NewMessage {
    NewMessage {
        tenant,
        conversation,
        author: Author {
            role: Role::Customer as i32,
            id: "user:ada".into(),
            name: "Ada".into(),
        },
        text: format!("hello from {client_id}"),
        client_id: Some(client_id.to_owned()),
        command_id: format!("post:{client_id}"),
        start: Some(start()),
        at_ms: 1_700_000_000_000,
    }
}

pub(super) async fn new_message(store: &Store, post: &NewMessage) -> (u64, String) {
    match store.append(post).await.expect("append") {
        Appended::New(message, info) => {
            assert_eq!(info.last_seq, message.seq);
            (message.seq, message.id)
        }
        other => panic!("expected a new message, got {other:?}"),
    }
}

/// The command `command_id` acting on a conversation at `at_ms`.
pub(super) fn target(
    tenant: TenantId,
    conversation: ConversationId,
    command_id: &str,
    at_ms: i64,
) -> Target<'_> {
    Target {
        tenant,
        conversation,
        command_id,
        at_ms,
    }
}

/// Applies an end command as the handler does.
pub(super) async fn end(
    store: &Store,
    tenant: TenantId,
    conversation: ConversationId,
    reason: EndReason,
    command_id: &str,
    at_ms: i64,
) -> Result<Applied, StoreError> {
    let command = EndConversation {
        reason: reason as i32,
        ..Default::default()
    };
    store
        .apply(
            target(tenant, conversation, command_id, at_ms),
            false,
            |record, _| crate::domain::lifecycle::end(record, &command, command_id, at_ms),
        )
        .await
}

/// The (from, to) of the last StateChanged an applied command publishes.
pub(super) fn change(applied: &Applied) -> Option<(ConversationState, ConversationState)> {
    applied
        .publications
        .iter()
        .rev()
        .find_map(|p| match &p.event.event {
            Some(Event::State(change)) => Some((change.from(), change.to())),
            _ => None,
        })
}

/// The notice kinds of the messages an applied command publishes, in order.
pub(super) fn notices(applied: &Applied) -> Vec<String> {
    applied
        .publications
        .iter()
        .filter_map(|p| match &p.event.event {
            Some(Event::Message(added)) => added.message.as_ref().map(|m| m.notice.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn refusal(result: Result<impl std::fmt::Debug, StoreError>) -> Refusal {
    match result {
        Err(StoreError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
