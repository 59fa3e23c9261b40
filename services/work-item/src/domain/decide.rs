//! Which conversation events matter to work items, as a plain function.
//!
//! Only state changes do:
//!
//! | change | step |
//! |---|---|
//! | → queued (a handoff, or a `support_team` conversation opening) | [`Step::Open`] |
//! | → live (an agent accepted) | [`Step::Assign`] |
//! | queued or live → ended | [`Step::Close`], making sure the item exists |
//! | ai → ended (after a handoff that came back to the AI) | [`Step::Close`], only if an item exists |
//! | anything else (messages, ai ↔ queued back, rejections…) | nothing |
//!
//! `Assign` and a `Close` from queued or live also create the item when it
//! is missing. Normally the →queued event created it long before; this only
//! matters when that event was lost to this service (parked after a long
//! transcript outage, or the service deployed mid-conversation), and it
//! keeps the rule "every conversation that reached the team has an item"
//! true whatever order the events are handled in.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationEvent, ConversationState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Create the item unless the conversation already has one.
    /// `straight_to_team`: the conversation opened in `queued`
    /// (`support_team` mode), so no part of it was with the AI.
    Open { straight_to_team: bool },
    /// Record the agent who accepted (creating the item if missing).
    Assign,
    /// Attach the full transcript. `reached_team` says the conversation
    /// ended while with the team, so the item is created if missing.
    Close { reached_team: bool },
}

/// The step an event calls for, if any.
pub fn decide(event: &ConversationEvent) -> Option<Step> {
    let Some(Event::State(change)) = &event.event else {
        return None;
    };
    match change.to() {
        ConversationState::Queued => Some(Step::Open {
            straight_to_team: change.from() == ConversationState::Unspecified,
        }),
        ConversationState::Live => Some(Step::Assign),
        ConversationState::Ended => Some(Step::Close {
            reached_team: matches!(
                change.from(),
                ConversationState::Queued | ConversationState::Live
            ),
        }),
        ConversationState::Ai | ConversationState::Unspecified => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_contracts::v1::{MessageAdded, StateChanged};

    fn change(from: ConversationState, to: ConversationState) -> ConversationEvent {
        ConversationEvent {
            event: Some(Event::State(StateChanged {
                from: from as i32,
                to: to as i32,
                reason: 0,
            })),
            ..Default::default()
        }
    }

    #[test]
    fn a_handoff_or_a_support_team_opening_opens_an_item() {
        use ConversationState::*;
        assert_eq!(
            decide(&change(Ai, Queued)),
            Some(Step::Open {
                straight_to_team: false
            })
        );
        assert_eq!(
            decide(&change(Unspecified, Queued)),
            Some(Step::Open {
                straight_to_team: true
            })
        );
    }

    #[test]
    fn an_accept_assigns_and_an_end_attaches() {
        use ConversationState::*;
        assert_eq!(decide(&change(Queued, Live)), Some(Step::Assign));
        assert_eq!(
            decide(&change(Live, Ended)),
            Some(Step::Close { reached_team: true })
        );
        assert_eq!(
            decide(&change(Queued, Ended)),
            Some(Step::Close { reached_team: true })
        );
        assert_eq!(
            decide(&change(Ai, Ended)),
            Some(Step::Close {
                reached_team: false
            })
        );
    }

    #[test]
    fn messages_and_ai_states_are_not_work_item_business() {
        use ConversationState::*;
        assert_eq!(decide(&change(Unspecified, Ai)), None);
        assert_eq!(decide(&change(Queued, Ai)), None);
        let message = ConversationEvent {
            event: Some(Event::Message(MessageAdded::default())),
            ..Default::default()
        };
        assert_eq!(decide(&message), None);
        assert_eq!(decide(&ConversationEvent::default()), None);
    }
}
