//! Fuzzing of the conversation list's queries: valid ones for a tenant,
//! changed on the wire, or random bytes, decoded and checked as the list
//! responder does. Whatever arrives, nothing panics and every refusal is
//! answered `invalid` (never retried); a cursor reads back as written.

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::ConversationListQuery;
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{ListError, understand};
use crate::store::Cursor;

/// The responder's checks before the store: decode, tenant, subject, query.
fn check(tenant: TenantId, payload: &[u8]) -> Result<(), TestCaseError> {
    let checked = ConversationListQuery::decode(payload)
        .map_err(ListError::from)
        .and_then(|query| {
            let named: TenantId = query.tenant.parse().map_err(|_| ListError::Misaddressed)?;
            if named != tenant {
                return Err(ListError::Misaddressed);
            }
            understand(&query)
        });
    if let Err(error) = checked {
        prop_assert_eq!(error.disposition(), Disposition::Answered, "{}", error);
        prop_assert_eq!(error.code(), ErrorCode::Invalid, "{}", error);
        prop_assert!(!error.to_string().is_empty());
    }
    Ok(())
}

fn query() -> impl Strategy<Value = ConversationListQuery> {
    let state =
        proptest::sample::select(&["", "ai", "queued", "live", "ended", "Live", "none"][..]);
    let cursor = prop_oneof![
        Just(String::new()),
        (any::<i64>(), "[a-z0-9-]{1,36}").prop_map(|(at, id)| Cursor {
            created_at_ms: at,
            id
        }
        .encode()),
        text(),
    ];
    let time = proptest::option::of(any::<i64>());
    (state, cursor, 0u32..400, time.clone(), time).prop_map(
        |(state, cursor, limit, since, until)| ConversationListQuery {
            tenant: String::new(),
            state: state.into(),
            space: "space".into(),
            experiences: vec!["experience".into()],
            limit,
            cursor,
            since_ms: since,
            until_ms: until,
        },
    )
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_list_query_is_understood_or_answered_invalid(
        mut query in query(),
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let tenant = TenantId::new();
        assert_eq!(subjects::tenant_of(&subjects::conversation_list_rpc(tenant)), Some(tenant));
        query.tenant = tenant.to_string();
        check(tenant, &query.encode_to_vec())?;
        if let Ok(changed) = through_the_wire(&query, &edits) {
            check(tenant, &changed.encode_to_vec())?;
        }
        check(tenant, &bytes)?;
    }

}

proptest! {
    #![proptest_config(config(3_000))]

    #[test]
    fn a_cursor_reads_back_and_any_text_is_read_or_refused(
        at in any::<i64>(),
        id in text().prop_filter("an id", |id| !id.is_empty()),
        other in text(),
    ) {
        let cursor = Cursor { created_at_ms: at, id };
        prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        // Any text at all: a cursor or `None`, never a panic.
        Cursor::decode(&other);
    }
}
