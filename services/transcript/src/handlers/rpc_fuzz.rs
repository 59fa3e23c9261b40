//! Fuzzing of transcript reads: queries valid for a conversation, changed
//! on the wire, or random bytes, decoded and addressed as the responder
//! does (whatever arrives, nothing panics and a refusal is answered, never
//! retried); and the page cut to the reply's size keeps the first or the
//! last messages, in order, within the budget.

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{ChatMessage, TranscriptQuery};
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{ReadError, address, fit};

fn check(subject: &str, payload: &[u8]) -> Result<(), TestCaseError> {
    let read = TranscriptQuery::decode(payload)
        .map_err(ReadError::from)
        .and_then(|query| address(subject, &query).ok_or(ReadError::Misaddressed));
    if let Err(error) = read {
        prop_assert_eq!(error.disposition(), Disposition::Answered, "{}", error);
        prop_assert!(!error.to_string().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_read_query_is_addressed_or_answered_invalid(
        after_seq in any::<u64>(),
        limit in any::<u32>(),
        tail in any::<bool>(),
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (tenant, conversation) = (TenantId::new(), ConversationId::new());
        let subject = subjects::transcript_rpc(tenant);
        let query = TranscriptQuery {
            tenant: tenant.to_string(),
            conversation: conversation.to_string(),
            after_seq,
            limit,
            tail,
        };
        let addressed = address(&subject, &query);
        prop_assert_eq!(addressed, Some((tenant, conversation)));
        if let Ok(changed) = through_the_wire(&query, &edits) {
            check(&subject, &changed.encode_to_vec())?;
        }
        check(&subject, &bytes)?;
    }

    #[test]
    fn a_cut_page_keeps_an_end_of_the_thread_within_the_budget(
        texts in proptest::collection::vec(text(), 0..12),
        budget in 0usize..20_000,
        tail in any::<bool>(),
    ) {
        let messages: Vec<ChatMessage> = texts
            .into_iter()
            .enumerate()
            .map(|(i, text)| ChatMessage { seq: i as u64 + 1, text, ..Default::default() })
            .collect();
        let kept = fit(messages.clone(), budget, tail);
        let used: usize = kept.iter().map(|m| m.encoded_len() + 6).sum();
        prop_assert!(used <= budget);
        let expected = if tail { &messages[messages.len() - kept.len()..] } else { &messages[..kept.len()] };
        prop_assert_eq!(&kept[..], expected);
    }
}
