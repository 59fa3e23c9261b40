//! Fuzzing of work-item requests: queries and updates valid for a tenant,
//! changed on the wire, or random bytes, decoded and parsed as the
//! responder does. Whatever arrives: nothing panics, a refusal is answered
//! (never retried) with a known code and a message, and a page cut to the
//! reply's size fits it.

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::work_item_request::Request as Wire;
use switchboard_contracts::v1::{
    ChatMessage, WorkItem, WorkItemPage, WorkItemQuery, WorkItemRequest, WorkItemUpdate,
};
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{RequestError, fit};
use crate::domain::request;
use crate::error::Refusal;

fn check(subject: &str, payload: &[u8]) -> Result<(), TestCaseError> {
    let parsed = WorkItemRequest::decode(payload)
        .map_err(|_| Refusal::Invalid("the request is not a WorkItemRequest".into()))
        .and_then(|request| request::parse(subject, request));
    if let Err(refusal) = parsed {
        prop_assert!(ErrorCode::parse(refusal.code()).is_some(), "{refusal:?}");
        prop_assert!(!refusal.to_string().is_empty(), "{refusal:?}");
        let error = RequestError::Refused(refusal);
        prop_assert_eq!(error.disposition(), Disposition::Answered);
    }
    Ok(())
}

fn request(tenant: TenantId, update: bool, status: String, id: String) -> WorkItemRequest {
    let spaces = vec![SpaceId::new().to_string()];
    let request = if update {
        Wire::Update(WorkItemUpdate {
            tenant: tenant.to_string(),
            id,
            status,
            by: "agent-1".into(),
            spaces,
        })
    } else {
        Wire::Query(WorkItemQuery {
            tenant: tenant.to_string(),
            id,
            space: SpaceId::new().to_string(),
            status,
            assignee: String::new(),
            spaces,
            ..Default::default()
        })
    };
    WorkItemRequest {
        request: Some(request),
    }
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_request_is_parsed_or_answered_with_a_named_refusal(
        update in any::<bool>(),
        status in prop_oneof![Just("open".to_owned()), Just(String::new()), text()],
        id in prop_oneof![Just(uuid::Uuid::now_v7().to_string()), Just(String::new()), text()],
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let tenant = TenantId::new();
        let subject = subjects::workitem_rpc(tenant);
        let valid = request(tenant, update, status, id);
        check(&subject, &valid.encode_to_vec())?;
        if let Ok(changed) = through_the_wire(&valid, &edits) {
            check(&subject, &changed.encode_to_vec())?;
        }
        check(&subject, &bytes)?;
        check("sb.rpc.workitem.nope", &valid.encode_to_vec())?;
    }

    #[test]
    fn a_page_cut_to_the_reply_fits_unless_one_item_cannot(
        sizes in proptest::collection::vec((0usize..40, 0usize..400), 0..6),
        budget in 0usize..20_000,
        single in any::<bool>(),
    ) {
        let items: Vec<WorkItem> = sizes
            .into_iter()
            .map(|(messages, text)| WorkItem {
                summary: "x".repeat(text),
                transcript: (0..messages)
                    .map(|seq| ChatMessage { seq: seq as u64, text: "y".repeat(text), ..Default::default() })
                    .collect(),
                ..Default::default()
            })
            .collect();
        let kept = fit(items.clone(), budget, single);
        let size = WorkItemPage { items: kept.clone(), ..Default::default() }.encoded_len();
        if single {
            prop_assert_eq!(kept.len(), items.len());
        } else {
            prop_assert!(size <= budget || kept.is_empty(), "{} > {}", size, budget);
        }
    }
}
