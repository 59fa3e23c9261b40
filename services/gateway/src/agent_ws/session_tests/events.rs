//! The welcome, the router's events, conversation events and typing.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    AcceptRefused, AgentStatusChanged, Availability, ConversationEvent, Customer, EndReason,
    InactivityWarning, MessageAdded, Offer, OfferWithdrawn, SpaceStatus, StateChanged, TypingEvent,
};

use super::*;
use crate::agent_ws::server_frame::SpaceView;

fn event(s: &AgentSession, c: ConversationId, event: Event) -> ConversationEvent {
    ConversationEvent {
        tenant: me(s).tenant.to_string(),
        conversation: c.to_string(),
        event: Some(event),
        ..Default::default()
    }
}

fn added(s: &AgentSession, c: ConversationId, seq: u64) -> ConversationEvent {
    event(
        s,
        c,
        Event::Message(MessageAdded {
            message: Some(message(c, seq, Role::Customer)),
        }),
    )
}

fn spaces_of(effects: &[Effect]) -> Vec<SpaceView> {
    match frames(effects).first() {
        Some(ServerFrame::Welcome { spaces, .. }) => spaces.clone(),
        other => panic!("expected a welcome first, got {other:?}"),
    }
}

#[test]
fn the_welcome_shows_each_space_with_the_routers_status_then_the_pending_offers() {
    let (_, effects) = welcomed_with(|me| AgentView {
        spaces: vec![SpaceStatus {
            space: me.spaces[1].id.to_string(),
            status: Availability::Available as i32,
            ..Default::default()
        }],
        offers: vec![Offer {
            offer_id: "c:1".into(),
            expires_at_ms: 1_700_000_120_000,
            ..Default::default()
        }],
        ..Default::default()
    });
    let statuses: Vec<&str> = spaces_of(&effects).iter().map(|s| s.status).collect();
    assert_eq!(statuses, vec!["unavailable", "available"]);
    let ServerFrame::Offer {
        offer_id,
        expires_at,
        ..
    } = frames(&effects)[1]
    else {
        panic!("the offer follows the welcome")
    };
    assert_eq!(
        (offer_id.as_str(), expires_at.as_str()),
        ("c:1", "2023-11-14T22:15:20.000Z")
    );
}

#[test]
fn a_status_the_router_set_while_the_console_was_away_is_shown_with_its_reason() {
    let (_, effects) = welcomed_with(|me| AgentView {
        spaces: vec![
            SpaceStatus {
                space: me.spaces[0].id.to_string(),
                status: Availability::Unavailable as i32,
                reason: "disconnected".into(),
            },
            SpaceStatus {
                space: me.spaces[1].id.to_string(),
                status: Availability::Available as i32,
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    let spaces = spaces_of(&effects);
    let reasons: Vec<Option<&str>> = spaces.iter().map(|s| s.reason.as_deref()).collect();
    assert_eq!(reasons, vec![Some("disconnected"), None]);
    let ServerFrame::Status {
        space,
        status,
        reason,
    } = frames(&effects)[1]
    else {
        panic!("a status frame follows the welcome, got {effects:?}")
    };
    assert_eq!(
        (space.as_str(), *status, reason.as_deref()),
        (spaces[0].id.as_str(), "unavailable", Some("disconnected"))
    );
    assert_eq!(frames(&effects).len(), 2, "one per space the router set");
}

#[test]
fn a_welcomed_console_then_counts_toward_the_agents_presence() {
    let (mut s, effects) = welcomed_with(|_| AgentView::default());
    assert_eq!(effects.last(), Some(&Effect::Arrive));
    let again = s.on_client_text(r#"{"type":"hello","token":"t"}"#, now());
    assert!(!again.contains(&Effect::Arrive), "once per socket");
}

#[test]
fn without_the_routers_view_every_space_shows_unavailable() {
    let mut s = AgentSession::new(1000, std::time::Instant::now());
    s.on_client_text(r#"{"type":"hello","token":"t"}"#, now());
    s.on_authenticated(Ok(identity()));
    let effects = s.on_view(None, now().epoch_ms);
    assert!(
        spaces_of(&effects)
            .iter()
            .all(|s| s.status == "unavailable")
    );
    assert_eq!(frames(&effects).len(), 1);
}

#[test]
fn the_welcome_waits_for_each_live_transcript_and_leaves_out_ended_ones() {
    let (live, over) = (ConversationId::new(), ConversationId::new());
    let (mut s, effects) = welcomed_with(|_| AgentView {
        live_conversations: vec![live.to_string(), over.to_string()],
        ..Default::default()
    });
    assert!(
        frames(&effects).is_empty(),
        "nothing before the transcripts"
    );
    assert_eq!(effects[0], Effect::Attach(live));
    let fetch = |c| Fetch {
        conversation: c,
        after_seq: 0,
        purpose: FetchPurpose::Welcome,
    };
    let first = page(&s, live, ConversationState::Live, 2);
    assert!(s.on_page(fetch(live), Some(first), 0).is_empty());
    let ended = page(&s, over, ConversationState::Ended, 1);
    let effects = s.on_page(fetch(over), Some(ended), 0);
    assert!(effects.contains(&Effect::Detach(over)));
    let Some(ServerFrame::Welcome { conversations, .. }) = frames(&effects).first().copied() else {
        panic!("the welcome")
    };
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].customer.name, "Ada");
    assert_eq!(conversations[0].transcript.as_ref().map(Vec::len), Some(2));
    assert_eq!(s.held().copied().collect::<Vec<_>>(), vec![live]);
    assert!(
        s.on_event(added(&s, live, 2)).is_empty(),
        "already in the welcome"
    );
}

#[test]
fn assigned_sends_the_whole_transcript_then_each_message_once_in_order() {
    let mut s = welcomed();
    let c = ConversationId::new();
    let effects = assign(&mut s, c, 2);
    let [
        ServerFrame::Assigned {
            transcript: Some(transcript),
            customer: Some(customer),
            ..
        },
    ] = &frames(&effects)[..]
    else {
        panic!("an assigned frame with the transcript, got {effects:?}")
    };
    let roles: Vec<&str> = transcript.iter().map(|m| m.author.role).collect();
    assert_eq!(roles, vec!["customer", "ai"], "the AI part is included");
    assert_eq!(customer.email, "ada@example.com");
    assert!(s.on_event(added(&s, c, 2)).is_empty());
    assert_eq!(sent_seqs(&s.on_event(added(&s, c, 3))), vec![3]);
    let gap = s.on_event(added(&s, c, 6));
    let [Effect::Fetch(fetch)] = &gap[..] else {
        panic!("a gap is read first")
    };
    assert_eq!(fetch.after_seq, 3);
    let filled = s.on_page(
        fetch.clone(),
        Some(page(&s, c, ConversationState::Live, 6)),
        0,
    );
    assert_eq!(sent_seqs(&filled), vec![4, 5, 6]);
}

#[test]
fn router_events_become_offer_withdrawn_conflict_and_status_frames() {
    let mut s = welcomed();
    let offer = Offer {
        offer_id: "c:7".into(),
        space: me(&s).spaces[0].id.to_string(),
        customer: Some(Customer {
            name: "Ada".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let shown = s.on_agent_event(agent_event(&s, AgentEventKind::Offer(offer)));
    assert!(
        matches!(frames(&shown)[0], ServerFrame::Offer { space_name, .. } if space_name == "Billing")
    );
    let withdrawn = OfferWithdrawn {
        offer_id: "c:7".into(),
        reason: "timeout".into(),
    };
    let gone = s.on_agent_event(agent_event(&s, AgentEventKind::Withdrawn(withdrawn)));
    assert!(
        matches!(frames(&gone)[0], ServerFrame::OfferWithdrawn { reason, .. } if reason == "timeout")
    );
    let refused = AcceptRefused {
        offer_id: "c:7".into(),
        ..Default::default()
    };
    let lost = s.on_agent_event(agent_event(&s, AgentEventKind::Refused(refused)));
    let ServerFrame::Error(error) = frames(&lost)[0] else {
        panic!("an error")
    };
    assert_eq!(
        (error.code.as_str(), error.offer_id.as_deref()),
        ("conflict", Some("c:7"))
    );
    let changed = AgentStatusChanged {
        space: "s".into(),
        status: Availability::Unavailable as i32,
        reason: "offer_timeout".into(),
    };
    let status = s.on_agent_event(agent_event(&s, AgentEventKind::Status(changed)));
    assert!(
        matches!(frames(&status)[0], ServerFrame::Status { reason: Some(r), status: "unavailable", .. } if r == "offer_timeout")
    );
    let mut elsewhere = agent_event(&s, AgentEventKind::Withdrawn(OfferWithdrawn::default()));
    elsewhere.agent = AgentId::new().to_string();
    assert!(
        s.on_agent_event(elsewhere).is_empty(),
        "another agent's event"
    );
}

#[test]
fn the_customers_typing_is_shown_and_the_agents_own_is_not() {
    let mut s = welcomed();
    let c = ConversationId::new();
    assign(&mut s, c, 1);
    let typing = |role: Role, id: String| TypingEvent {
        tenant: String::new(),
        conversation: c.to_string(),
        author: Some(Author {
            role: role as i32,
            id,
            name: "Ada".into(),
        }),
        on: true,
    };
    let shown = s.on_typing_event(typing(Role::Customer, "user:1".into()));
    assert!(matches!(
        frames(&shown)[0],
        ServerFrame::Typing {
            role: "customer",
            on: true,
            ..
        }
    ));
    assert!(
        s.on_typing_event(typing(Role::Agent, me(&s).agent.to_string()))
            .is_empty()
    );
}

#[test]
fn inactivity_is_announced_and_the_end_releases_the_conversation() {
    let mut s = welcomed();
    let c = ConversationId::new();
    assign(&mut s, c, 1);
    let warning = Event::Inactive(InactivityWarning {
        ends_at_ms: 1_700_000_000_000,
    });
    let inactive = s.on_event(event(&s, c, warning));
    assert!(
        matches!(frames(&inactive)[0], ServerFrame::Inactive { ends_at, .. } if ends_at == "2023-11-14T22:13:20.000Z")
    );
    let ended = Event::State(StateChanged {
        from: ConversationState::Live as i32,
        to: ConversationState::Ended as i32,
        reason: EndReason::CustomerEnded as i32,
    });
    let effects = s.on_event(event(&s, c, ended));
    assert!(matches!(
        frames(&effects)[0],
        ServerFrame::Ended {
            reason: "customer_ended",
            ..
        }
    ));
    assert!(effects.contains(&Effect::Detach(c)));
    let late = s.on_client_text(&format!(r#"{{"type":"end","conversation":"{c}"}}"#), now());
    assert_eq!(error_code(&late).as_deref(), Some("forbidden"));
}
