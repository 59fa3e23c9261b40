//! What the agent does: availability, accept and decline to the router;
//! messages, typing, end and transcript reads for held conversations.

use serde_json::json;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{Availability, EndReason, RoutingInput};

use super::*;

fn routed(effects: &[Effect]) -> &RoutingInput {
    match effects {
        [Effect::Route(input)] => input,
        other => panic!("expected one routing input, got {other:?}"),
    }
}

#[test]
fn set_status_for_one_space_or_all_goes_to_the_router_and_shows_nothing_yet() {
    let mut s = welcomed();
    let me = me(&s);
    let billing = me.spaces[0].id;
    let one = s.on_client_text(
        &format!(r#"{{"type":"set_status","status":"available","space":"{billing}"}}"#),
        now(),
    );
    let input = routed(&one);
    assert_eq!(input.tenant, me.tenant.to_string());
    assert_eq!(input.at_ms, now().epoch_ms);
    let Some(Input::SetStatus(set)) = &input.input else {
        panic!("a set_status input")
    };
    assert_eq!(
        (set.agent.as_str(), set.space.as_str(), set.status()),
        (
            me.agent.to_string().as_str(),
            billing.to_string().as_str(),
            Availability::Available
        )
    );
    let all = s.on_client_text(r#"{"type":"set_status","status":"unavailable"}"#, now());
    let Some(Input::SetStatus(set)) = &routed(&all).input else {
        panic!("a set_status input")
    };
    assert_eq!(set.space, "", "empty means every space");
    assert_ne!(routed(&one).input_id, routed(&all).input_id);
}

#[test]
fn set_status_for_a_space_the_agent_is_not_in_is_forbidden() {
    let mut s = welcomed();
    let other = SpaceId::new();
    let effects = s.on_client_text(
        &format!(r#"{{"type":"set_status","status":"available","space":"{other}"}}"#),
        now(),
    );
    assert_eq!(error_code(&effects).as_deref(), Some("forbidden"));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Route(_))));
}

#[test]
fn accept_and_decline_name_the_offer_and_the_agent() {
    let mut s = welcomed();
    let me = me(&s);
    let c = ConversationId::new();
    let frame = json!({"type": "accept", "offer_id": format!("{c}:1")}).to_string();
    let accept = s.on_client_text(&frame, now());
    let Some(Input::Accept(accept)) = &routed(&accept).input else {
        panic!("an accept input")
    };
    assert_eq!(
        (accept.offer_id.clone(), accept.agent.clone()),
        (format!("{c}:1"), me.agent.to_string())
    );
    let frame = json!({"type": "decline", "offer_id": format!("{c}:2")}).to_string();
    let decline = s.on_client_text(&frame, now());
    assert!(
        matches!(&routed(&decline).input, Some(Input::Decline(d)) if d.offer_id == format!("{c}:2"))
    );
}

#[test]
fn a_malformed_offer_id_is_refused_and_reaches_no_router() {
    let mut s = welcomed();
    for bad in ["c:1", "1", "nope"] {
        let frame = json!({"type": "accept", "offer_id": bad}).to_string();
        let effects = s.on_client_text(&frame, now());
        assert_eq!(error_code(&effects).as_deref(), Some("invalid"), "{bad}");
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Route(_))),
            "{bad}"
        );
    }
}

#[test]
fn an_agent_writes_only_into_conversations_assigned_to_it() {
    let mut s = welcomed();
    let theirs = ConversationId::new();
    let frame =
        format!(r#"{{"type":"message","conversation":"{theirs}","client_id":"a1","text":"hi"}}"#);
    let refused = s.on_client_text(&frame, now());
    assert_eq!(error_code(&refused).as_deref(), Some("forbidden"));
    let ServerFrame::Error(error) = frames(&refused)[0] else {
        panic!("an error")
    };
    assert_eq!(error.client_id.as_deref(), Some("a1"));
    for other in [
        format!(r#"{{"type":"typing","conversation":"{theirs}","on":true}}"#),
        format!(r#"{{"type":"end","conversation":"{theirs}"}}"#),
        format!(r#"{{"type":"transcript","conversation":"{theirs}"}}"#),
    ] {
        assert_eq!(
            error_code(&s.on_client_text(&other, now())).as_deref(),
            Some("forbidden")
        );
    }
}

#[test]
fn a_message_posts_as_the_agent_with_an_id_derived_from_its_client_id() {
    let mut s = welcomed();
    let me = me(&s);
    let c = ConversationId::new();
    assign(&mut s, c, 2);
    let effects = s.on_client_text(
        &format!(r#"{{"type":"message","conversation":"{c}","client_id":"a1","text":"Hello, I'm Grace"}}"#),
        now(),
    );
    let [Effect::Publish(command)] = &effects[..] else {
        panic!("one publish, got {effects:?}")
    };
    assert_eq!(command.command_id, format!("post:{c}:a1"));
    let Some(Command::Post(post)) = &command.command else {
        panic!("a post")
    };
    let author = post.author.clone().unwrap();
    assert_eq!(
        (author.role(), author.id, author.name),
        (Role::Agent, me.agent.to_string(), "Grace".into())
    );
    assert!(post.start.is_none(), "an agent never opens a conversation");
}

#[test]
fn end_asks_the_owner_to_end_with_agent_ended_and_typing_goes_out_as_the_agent() {
    let mut s = welcomed();
    let c = ConversationId::new();
    assign(&mut s, c, 1);
    let effects = s.on_client_text(&format!(r#"{{"type":"end","conversation":"{c}"}}"#), now());
    let [Effect::Publish(command)] = &effects[..] else {
        panic!("one publish")
    };
    assert_eq!(command.command_id, format!("end:{c}"));
    assert!(
        matches!(&command.command, Some(Command::End(end)) if end.reason() == EndReason::AgentEnded)
    );
    let typing = s.on_client_text(
        &format!(r#"{{"type":"typing","conversation":"{c}","on":true}}"#),
        now(),
    );
    let [Effect::Typing(event)] = &typing[..] else {
        panic!("one typing event")
    };
    assert_eq!(event.author.as_ref().map(|a| a.role()), Some(Role::Agent));
    assert!(event.on);
}

#[test]
fn transcript_reads_a_held_conversation_and_answers_with_its_messages() {
    let mut s = welcomed();
    let c = ConversationId::new();
    assign(&mut s, c, 3);
    let effects = s.on_client_text(
        &format!(r#"{{"type":"transcript","conversation":"{c}"}}"#),
        now(),
    );
    let [Effect::Fetch(fetch)] = &effects[..] else {
        panic!("one read")
    };
    let page = page(&s, c, ConversationState::Live, 3);
    let answer = s.on_page(fetch.clone(), Some(page), now().epoch_ms);
    let [
        ServerFrame::Transcript {
            conversation,
            messages,
        },
    ] = &frames(&answer)[..]
    else {
        panic!("a transcript frame")
    };
    assert_eq!((conversation.clone(), messages.len()), (c.to_string(), 3));
    let failed = s.on_page(fetch.clone(), None, now().epoch_ms);
    assert_eq!(error_code(&failed).as_deref(), Some("unavailable"));
}
