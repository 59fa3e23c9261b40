//! Tests of [`super::compose`]: what the team reads on a new item.

use super::*;
use switchboard_contracts::v1::Author;

fn message(seq: u64, role: Role, name: &str, text: &str) -> ChatMessage {
    ChatMessage {
        seq,
        author: Some(Author {
            role: role as i32,
            id: String::new(),
            name: name.into(),
        }),
        text: text.into(),
        // 2025-11-25 10:00:00 UTC plus seq seconds.
        at_ms: 1_764_064_800_000 + seq as i64 * 1000,
        ..Default::default()
    }
}

fn thread() -> Vec<ChatMessage> {
    vec![
        message(1, Role::Customer, "Ada", "My invoice is wrong"),
        message(2, Role::Ai, "Helper", "I can explain invoices."),
        message(3, Role::System, "", "Please sign in"),
        message(4, Role::Customer, "Ada", "I want a person"),
        message(5, Role::Agent, "Grace", "Hi, Grace here"),
    ]
}

fn info(summary: &str, reason: &str) -> ConversationInfo {
    ConversationInfo {
        routed_space: SpaceId::new().to_string(),
        summary: summary.into(),
        handoff_reason: reason.into(),
        customer: Some(Customer {
            key: "user:ada".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            signed_in: true,
        }),
        ..Default::default()
    }
}

#[test]
fn the_description_is_the_ai_part_then_the_handoff_reason() {
    let text = description(&thread(), 4, "customer asked for a person");
    assert_eq!(
        text,
        "AI conversation before the handoff:\n\
         [2025-11-25 10:00:01 UTC] Ada: My invoice is wrong\n\
         [2025-11-25 10:00:02 UTC] Helper: I can explain invoices.\n\
         [2025-11-25 10:00:04 UTC] Ada: I want a person\n\
         \n\
         Handoff reason: customer asked for a person"
    );
}

#[test]
fn messages_after_the_handoff_or_from_an_agent_are_not_the_ai_part() {
    let text = description(&thread(), 2, "");
    assert!(text.contains("My invoice is wrong"), "{text}");
    assert!(!text.contains("I want a person"), "{text}");
    assert!(!text.contains("Handoff reason"), "{text}");
    let all = description(&thread(), u64::MAX, "");
    assert!(!all.contains("Grace"), "{all}");
}

#[test]
fn a_conversation_that_went_straight_to_the_team_says_so() {
    let text = description(&thread(), 0, "");
    assert!(text.starts_with("No AI conversation"), "{text}");
}

#[test]
fn the_summary_is_the_handoff_summary_else_the_first_customer_message() {
    let (t, c) = (TenantId::new(), ConversationId::new());
    let given = info("Invoice 42 is wrong", "r");
    let item = compose(t, c, Some(&given), &thread(), 4, 7).unwrap();
    assert_eq!(item.summary, "Invoice 42 is wrong");
    assert_eq!(item.reporter.name, "Ada");
    assert_eq!(item.space.to_string(), given.routed_space);
    assert_eq!(item.at_ms, 7);

    let item = compose(t, c, Some(&info(" ", "r")), &thread(), 4, 7).unwrap();
    assert_eq!(item.summary, "My invoice is wrong");
    let item = compose(t, c, Some(&info("", "r")), &[], 0, 7).unwrap();
    assert_eq!(item.summary, "Chat with Ada");
}

#[test]
fn a_long_request_is_cut_on_a_character_boundary() {
    let long = "é".repeat(SUMMARY_MAX_CHARS + 10);
    let summary = cut(&long, SUMMARY_MAX_CHARS);
    assert_eq!(summary.chars().count(), SUMMARY_MAX_CHARS + 1);
    assert!(summary.ends_with('…'));
}

#[test]
fn without_a_routed_space_there_is_no_item() {
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut no_space = info("x", "");
    no_space.routed_space.clear();
    assert!(matches!(
        compose(t, c, Some(&no_space), &[], 0, 0),
        Err(ComposeError::NoRoutedSpace(_))
    ));
    assert_eq!(compose(t, c, None, &[], 0, 0), Err(ComposeError::NoInfo));
}
