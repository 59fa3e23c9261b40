//! Properties of [`decide`] over random batches: seqs gap-free and in
//! arrival order per conversation, every key stored at most once, every
//! duplicate pointing at the one stored message, nothing stored where the
//! rules refuse.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationInfo, ConversationStart, ConversationState, Role,
};

use super::*;

/// A conversation of the batch: missing, or stored in some state.
#[derive(Debug, Clone, Copy)]
enum Stored {
    Missing,
    CreatedNow,
    Open(ConversationState, u64),
}

fn stored() -> impl Strategy<Value = Stored> {
    prop_oneof![
        Just(Stored::Missing),
        Just(Stored::CreatedNow),
        (
            prop_oneof![
                Just(ConversationState::Ai),
                Just(ConversationState::Live),
                Just(ConversationState::Ended)
            ],
            0u64..5
        )
            .prop_map(|(state, seq)| Stored::Open(state, seq)),
    ]
}

/// (conversation index, client id or none, role, starts, written before)
type Spec = (usize, Option<u8>, u8, bool, bool);

fn post_spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        proptest::option::of(0u8..6),
        0u8..4,
        any::<bool>(),
        any::<bool>(),
    )
}

fn author(role: u8) -> Author {
    let (role, id) = match role {
        0 => (Role::Customer, "user:ada"),
        1 => (Role::Ai, "ai"),
        2 => (Role::Agent, "agent:holder"),
        _ => (Role::Agent, "agent:intruder"),
    };
    Author {
        role: role as i32,
        id: id.into(),
        name: String::new(),
    }
}

proptest! {
    #[test]
    fn batches_keep_seqs_gap_free_and_keys_unique(
        conversations in proptest::collection::vec(stored(), 3),
        specs in proptest::collection::vec(post_spec(), 0..40),
    ) {
        let tenant = TenantId::new();
        let ids: Vec<ConversationId> = (0..3).map(|_| ConversationId::new()).collect();
        let mut known = Known::default();
        for (id, stored) in ids.iter().zip(&conversations) {
            let (state, last_seq) = match stored {
                Stored::Missing => continue,
                Stored::CreatedNow => {
                    known.created.insert(*id);
                    (ConversationState::Ai, 0)
                }
                Stored::Open(state, seq) => (*state, *seq),
            };
            known.conversations.insert(*id, ConversationInfo {
                id: id.to_string(),
                tenant: tenant.to_string(),
                state: state as i32,
                last_seq,
                assignee: "agent:holder".into(),
                ..Default::default()
            });
        }
        let mut posts = Vec::new();
        for (n, (index, client, role, starts, before)) in specs.iter().enumerate() {
            let conversation = ids[*index];
            let client_id = client.map(|c| format!("c{c}"));
            let post = NewMessage {
                tenant,
                conversation,
                author: author(*role),
                text: format!("text {n}"),
                command_id: format!("cmd{}", n % 5),
                client_id,
                start: starts.then(ConversationStart::default),
                at_ms: n as i64,
            };
            if *before && let Some(key) = Key::of(&post) {
                let earlier = ChatMessage { id: format!("earlier-{n}"), ..Default::default() };
                known.stored.entry((conversation, key)).or_insert(earlier);
            }
            posts.push(post);
        }
        let before = known.clone();
        let decisions = decide(&posts, known);
        prop_assert_eq!(decisions.len(), posts.len());

        let mut next_seq: HashMap<ConversationId, u64> = before
            .conversations
            .iter()
            .map(|(id, info)| (*id, info.last_seq + 1))
            .collect();
        let mut first: HashMap<(ConversationId, Key), String> = before
            .stored
            .iter()
            .map(|(key, message)| (key.clone(), message.id.clone()))
            .collect();
        let mut opened: HashSet<ConversationId> = HashSet::new();
        for (post, decision) in posts.iter().zip(&decisions) {
            if post.start.is_some() {
                opened.insert(post.conversation);
            }
            let key = Key::of(post).map(|k| (post.conversation, k));
            match decision {
                Decision::New(message, info) => {
                    let stored = &before.conversations[&post.conversation];
                    prop_assert!(stored.state() != ConversationState::Ended);
                    prop_assert!(
                        !before.created.contains(&post.conversation) || opened.contains(&post.conversation),
                        "stored before its conversation opened"
                    );
                    let seq = next_seq.get_mut(&post.conversation).unwrap();
                    prop_assert_eq!(message.seq, *seq, "gap or reorder");
                    prop_assert_eq!(info.last_seq, *seq);
                    *seq += 1;
                    if let Some(key) = key {
                        prop_assert!(
                            first.insert(key, message.id.clone()).is_none(),
                            "a key stored twice"
                        );
                    }
                }
                Decision::Duplicate(message, _) => {
                    let key = key.expect("only keyed posts repeat");
                    prop_assert_eq!(Some(&message.id), first.get(&key));
                }
                Decision::Refused(_) => {}
            }
        }
    }
}

#[test]
fn a_post_before_the_opening_one_finds_no_conversation() {
    let tenant = TenantId::new();
    let conversation = ConversationId::new();
    let post = |client: &str, start: bool| NewMessage {
        tenant,
        conversation,
        author: author(0),
        text: "hello".into(),
        client_id: Some(client.into()),
        command_id: format!("cmd-{client}"),
        start: start.then(ConversationStart::default),
        at_ms: 5,
    };
    let mut known = Known::default();
    known.created.insert(conversation);
    known.conversations.insert(
        conversation,
        ConversationInfo {
            id: conversation.to_string(),
            tenant: tenant.to_string(),
            state: ConversationState::Ai as i32,
            ..Default::default()
        },
    );
    let decisions = decide(
        &[post("a", false), post("b", true), post("b", false)],
        known,
    );
    assert_eq!(
        decisions[0],
        Decision::Refused(Refusal::ConversationNotFound)
    );
    let Decision::New(opening, _) = &decisions[1] else {
        panic!("{:?}", decisions[1]);
    };
    assert_eq!(opening.seq, 1);
    assert!(matches!(&decisions[2], Decision::Duplicate(m, _) if m == opening));
}
