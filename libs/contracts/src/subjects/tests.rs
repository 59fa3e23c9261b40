//! Unit tests of the subject builders, parsers and filters.

use super::*;

#[test]
fn subjects_have_their_documented_shape() {
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
    let a: AiAgentId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
    assert_eq!(
        command(t, c),
        "sb.cmd.0190a0b0-0000-7000-8000-000000000001.0190a0b0-0000-7000-8000-000000000002"
    );
    assert_eq!(
        ai_request(t, a),
        "switchboard.ai.request.0190a0b0-0000-7000-8000-000000000001.0190a0b0-0000-7000-8000-000000000003"
    );
    assert_eq!(
        event(t, c, EventKind::State),
        "sb.evt.0190a0b0-0000-7000-8000-000000000001.0190a0b0-0000-7000-8000-000000000002.state"
    );
    assert_eq!(tenant_of(&event(t, c, EventKind::Message)), Some(t));
    assert_eq!(tenant_of(&ai_reply(t)), Some(t));
    assert_eq!(tenant_of(&ai_request(t, a)), Some(t));
    assert_eq!(tenant_of(&transcript_rpc(t)), Some(t));
    assert_eq!(tenant_of(&space_view_rpc(t)), Some(t));
}

#[test]
fn a_conversation_subject_names_its_conversation_and_no_other_does() {
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
    let a: AiAgentId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
    for subject in [
        command(t, c),
        event(t, c, EventKind::Message),
        event(t, c, EventKind::Identified),
        format!("sb.evt.{t}.{c}"),
        typing(t, c),
        queue_position(t, c),
        decision(t, c),
    ] {
        assert_eq!(conversation_of(&subject), Some(c), "{subject}");
    }
    for subject in [
        transcript_rpc(t),
        conversation_list_rpc(t),
        ai_request(t, a),
        ai_reply(t),
        route(t),
        format!("{}.extra", event(t, c, EventKind::State)),
        format!("sb.evt.{t}.{c}.unknown"),
        format!("{}.extra", typing(t, c)),
        "sb.evt.x.not-an-id".to_owned(),
    ] {
        assert_eq!(conversation_of(&subject), None, "{subject}");
    }
}

/// Whether NATS would deliver `subject` to a subscription on `filter`.
fn matches(filter: &str, subject: &str) -> bool {
    let (mut f, mut s) = (filter.split('.'), subject.split('.'));
    loop {
        match (f.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[test]
fn each_router_responder_gets_its_own_requests_only() {
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    assert!(matches(filter::ALL_ROUTER_RPC, &router_rpc(t)));
    assert!(!matches(filter::ALL_ROUTER_RPC, &space_view_rpc(t)));
    assert!(matches(filter::ALL_SPACE_VIEW_RPC, &space_view_rpc(t)));
    assert!(!matches(filter::ALL_SPACE_VIEW_RPC, &router_rpc(t)));
}

#[test]
fn a_tenant_filter_takes_its_tenant_and_leaves_the_others() {
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    let other: TenantId = "0190a0b0-0000-7000-8000-00000000000f".parse().unwrap();
    let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
    let a: AiAgentId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
    let h: AgentId = "0190a0b0-0000-7000-8000-000000000004".parse().unwrap();
    type Case = (fn(TenantId) -> String, String, String);
    let cases: [Case; 6] = [
        (filter::tenant_commands, command(t, c), command(other, c)),
        (
            filter::tenant_events,
            event(t, c, EventKind::State),
            event(other, c, EventKind::State),
        ),
        (filter::tenant_typing, typing(t, c), typing(other, c)),
        (
            filter::tenant_agent_events,
            agent_events(t, h),
            agent_events(other, h),
        ),
        (
            filter::tenant_queue_positions,
            queue_position(t, c),
            queue_position(other, c),
        ),
        (
            filter::tenant_ai_requests,
            ai_request(t, a),
            ai_request(other, a),
        ),
    ];
    for (build, ours, theirs) in cases {
        let filter = build(t);
        assert!(matches(&filter, &ours), "{filter} misses {ours}");
        assert!(!matches(&filter, &theirs), "{filter} takes {theirs}");
    }
}

#[test]
fn a_kind_filter_takes_its_kind_and_the_old_shape_only() {
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
    let filters = filter::events_of_kinds(&[EventKind::State]);
    let taken = |subject: &str| filters.iter().any(|f| matches(f, subject));
    for kind in EventKind::ALL {
        let subject = event(t, c, kind);
        assert_eq!(taken(&subject), kind == EventKind::State, "{subject}");
        assert!(matches(filter::ALL_EVENTS, &subject));
        assert!(matches(&filter::conversation_events(t, c), &subject));
        assert_eq!(event_kind_of(&subject), Some(kind));
        assert_eq!(EventKind::from_token(kind.token()), Some(kind));
    }
    assert!(taken(&format!("sb.evt.{t}.{c}")));
    assert_eq!(event_kind_of(&format!("sb.evt.{t}.{c}")), None);
}

#[test]
fn an_event_is_published_under_its_own_kind() {
    use crate::v1::{MessageAdded, StateChanged};
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
    let mut e = ConversationEvent {
        tenant: t.to_string(),
        conversation: c.to_string(),
        event: Some(conversation_event::Event::Message(MessageAdded::default())),
        ..Default::default()
    };
    assert_eq!(event_of(&e), Some(event(t, c, EventKind::Message)));
    e.event = Some(conversation_event::Event::State(StateChanged::default()));
    assert_eq!(event_of(&e), Some(event(t, c, EventKind::State)));
    e.event = None;
    assert_eq!(event_of(&e), None);
}

#[test]
fn a_customer_message_in_state_ai_is_a_turn_and_no_other_message_is() {
    use crate::v1::{Author, ChatMessage, ConversationInfo, MessageAdded};
    let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
    let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
    let event_in = |state: ConversationState, role: Role| {
        let mut info = ConversationInfo::default();
        info.set_state(state);
        let mut author = Author::default();
        author.set_role(role);
        ConversationEvent {
            tenant: t.to_string(),
            conversation: c.to_string(),
            info: Some(info),
            event: Some(conversation_event::Event::Message(MessageAdded {
                message: Some(ChatMessage {
                    author: Some(author),
                    ..Default::default()
                }),
            })),
            ..Default::default()
        }
    };
    let kind = |state, role| EventKind::of_event(&event_in(state, role));
    assert_eq!(
        kind(ConversationState::Ai, Role::Customer),
        Some(EventKind::Turn)
    );
    assert_eq!(
        event_of(&event_in(ConversationState::Ai, Role::Customer)),
        Some(event(t, c, EventKind::Turn))
    );
    for (state, role) in [
        (ConversationState::Ai, Role::Ai),
        (ConversationState::Ai, Role::System),
        (ConversationState::Live, Role::Customer),
        (ConversationState::Queued, Role::Customer),
        (ConversationState::Live, Role::Agent),
    ] {
        assert_eq!(
            kind(state, role),
            Some(EventKind::Message),
            "{state:?} {role:?}"
        );
    }
    let mut no_info = event_in(ConversationState::Ai, Role::Customer);
    no_info.info = None;
    assert_eq!(EventKind::of_event(&no_info), Some(EventKind::Message));
}
