//! Reading the attached conversation again after events may have been
//! missed (the socket fell behind, or the bus connection came back).

use switchboard_contracts::v1::{ChatMessage, ConversationInfo, ConversationState, TranscriptPage};

use super::*;
use crate::ws::server_frame::ServerFrame;
use crate::ws::session::{Effect, FetchPurpose};

fn page(seqs: std::ops::RangeInclusive<u64>, state: ConversationState) -> TranscriptPage {
    TranscriptPage {
        info: Some(ConversationInfo {
            state: state as i32,
            ..Default::default()
        }),
        messages: seqs
            .map(|seq| ChatMessage {
                seq,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn a_resync_sends_the_missed_messages_once_and_the_missed_state() {
    let mut s = greeted();
    s.on_client_text(HI, now());
    assert_eq!(sent_seqs(&s.on_event(message_event(&s, 1))), vec![1]);
    let effects = s.on_resync();
    let [Effect::Fetch(fetch)] = &effects[..] else {
        panic!("a resync reads the transcript")
    };
    assert_eq!(fetch.after_seq, 1);
    assert_eq!(fetch.purpose, FetchPurpose::Resync);

    let effects = s.on_page(fetch.clone(), Some(page(1..=3, ConversationState::Queued)));
    assert_eq!(sent_seqs(&effects), vec![2, 3]);
    assert!(
        frames(&effects).iter().any(|f| matches!(
            f,
            ServerFrame::Conversation {
                state: "queued",
                ..
            }
        )),
        "the missed state change is shown: {effects:?}"
    );
    assert!(effects.contains(&Effect::WatchQueue(s.attached().unwrap().id)));
    assert!(s.on_event(message_event(&s, 3)).is_empty(), "already sent");
}

#[test]
fn a_failed_resync_read_changes_nothing() {
    let mut s = greeted();
    s.on_client_text(HI, now());
    let effects = s.on_resync();
    let [Effect::Fetch(fetch)] = &effects[..] else {
        panic!("a resync reads the transcript")
    };
    assert!(s.on_page(fetch.clone(), None).is_empty());
    assert_eq!(sent_seqs(&s.on_event(message_event(&s, 1))), vec![1]);
}

#[test]
fn an_unattached_socket_has_nothing_to_resync() {
    let mut s = greeted();
    assert!(s.on_resync().is_empty());
}
