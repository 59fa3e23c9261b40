//! Fuzzing of both sockets' client frames through their way in
//! ([`Intake::text`]: size cap, then parse): arbitrary text, structurally
//! valid JSON with the frames' field names holding any JSON, and valid frames
//! changed a little (a field removed, retyped, lengthened; bytes flipped).
//! Every frame is either parsed or refused with `invalid` and a message that
//! names the problem: the frame as a whole or one of its fields. Valid frames
//! parse to what was sent, so nothing is dropped silently either.

use std::time::Instant;

use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_contracts::ids::{ConversationId, OfferId, SpaceId};
use switchboard_testkit::fuzz::{
    apply_byte_edits, apply_json_edits, byte_edits, config, json_edits, json_object, json_value,
    text,
};

use super::client_frame::ParseFrame;
use super::error::WsError;
use super::intake::Intake;
use crate::agent_ws::client_frame::AgentClientFrame;
use crate::ws::client_frame::ClientFrame;

const CUSTOMER_FIELDS: &[&str] = &["type", "token", "resume", "client_id", "text", "on"];
const AGENT_FIELDS: &[&str] = &[
    "type",
    "token",
    "status",
    "space",
    "offer_id",
    "conversation",
    "client_id",
    "text",
    "on",
];
const CUSTOMER_TYPES: &[&str] = crate::ws::client_frame::CLIENT_FRAME_TYPES;
const AGENT_TYPES: &[&str] = crate::agent_ws::client_frame::AGENT_FRAME_TYPES;

/// Refusals about the frame as a whole rather than one field.
const WHOLE_FRAME: &[&str] = &[
    "the frame is not valid JSON (",
    "the frame must be a JSON object",
    "frame too large: at most 16 KiB",
];

/// Feeds `text` through a fresh intake; a refusal must be `invalid`, name
/// the frame or one of `fields`, and stay short whatever was sent.
fn check<F: ParseFrame>(text: &str, fields: &[&str]) -> Result<Option<F>, TestCaseError> {
    let mut intake = Intake::new(1_000, Instant::now());
    match intake.text::<F>(text, Instant::now()) {
        Ok(frame) => Ok(Some(frame)),
        Err(error) => {
            check_refusal(&error, fields)?;
            Ok(None)
        }
    }
}

fn check_refusal(error: &WsError, fields: &[&str]) -> Result<(), TestCaseError> {
    let message = error.message();
    prop_assert_eq!(error.code(), "invalid", "{}", message);
    let whole = WHOLE_FRAME.iter().any(|m| message.starts_with(m));
    let field = fields
        .iter()
        .any(|f| message.starts_with(&format!("{f}: ")) && message.len() > f.len() + 2);
    prop_assert!(whole || field, "the refusal names nothing: {message:?}");
    prop_assert!(message.len() <= 400, "an unbounded refusal: {message:?}");
    Ok(())
}

/// A customer frame as a widget sends it (every field within its limits).
pub(crate) fn customer_frame() -> impl Strategy<Value = Value> {
    let client_id = "[a-zA-Z0-9-]{1,100}";
    let message = "[a-zA-Z][ -~]{0,50}";
    prop_oneof![
        proptest::option::of("[a-z.]{1,50}")
            .prop_map(|token| json!({"type": "hello", "token": token})),
        (client_id, message)
            .prop_map(|(id, text)| json!({"type": "message", "client_id": id, "text": text})),
        any::<bool>().prop_map(|on| json!({"type": "typing", "on": on})),
        "[a-z.]{1,50}".prop_map(|token| json!({"type": "sign_in", "token": token})),
        proptest::sample::select(&["request_human", "end", "transcript"][..])
            .prop_map(|kind| json!({"type": kind})),
    ]
}

/// An agent frame as the console sends it.
pub(crate) fn agent_frame() -> impl Strategy<Value = Value> {
    let conversation = Just(()).prop_map(|()| ConversationId::new().to_string());
    let offer = (0u64..1_000).prop_map(|number| {
        OfferId {
            conversation: ConversationId::new(),
            number,
        }
        .to_string()
    });
    prop_oneof![
        "[a-z_]{1,60}".prop_map(|token| json!({"type": "hello", "token": token})),
        (
            proptest::sample::select(&["available", "unavailable"][..]),
            any::<bool>()
        )
            .prop_map(|(status, all)| {
                let space = (!all).then(|| SpaceId::new().to_string());
                json!({"type": "set_status", "status": status, "space": space})
            }),
        (offer, proptest::sample::select(&["accept", "decline"][..]))
            .prop_map(|(offer, kind)| json!({"type": kind, "offer_id": offer})),
        (conversation.clone(), "[a-z0-9]{1,100}", "[a-zA-Z][ -~]{0,50}").prop_map(
            |(c, id, text)| json!({"type": "message", "conversation": c, "client_id": id, "text": text})
        ),
        (conversation.clone(), any::<bool>())
            .prop_map(|(c, on)| json!({"type": "typing", "conversation": c, "on": on})),
        (conversation, proptest::sample::select(&["end", "transcript"][..]))
            .prop_map(|(c, kind)| json!({"type": kind, "conversation": c})),
    ]
}

/// What a session's fuzz test sends as one text frame: mostly valid
/// frames, some changed a little, some anything at all.
pub(crate) fn frame_text(
    valid: BoxedStrategy<Value>,
    fields: &'static [&'static str],
) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => valid.clone().prop_map(|frame| frame.to_string()),
        2 => (valid, json_edits(fields))
            .prop_map(|(frame, edits)| apply_json_edits(&frame, &edits).to_string()),
        1 => text(),
    ]
}

/// A JSON object naming one of `types` (or any text) with the given fields.
fn typed_object(
    types: &'static [&'static str],
    fields: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        4 => proptest::sample::select(types).prop_map(Value::from),
        1 => json_value(fields),
    ];
    (kind, json_object(fields)).prop_map(|(kind, mut object)| {
        object["type"] = kind;
        object
    })
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_text_is_a_customer_frame_or_a_named_refusal(text in text()) {
        check::<ClientFrame>(&text, CUSTOMER_FIELDS)?;
    }

    #[test]
    fn any_text_is_an_agent_frame_or_a_named_refusal(text in text()) {
        check::<AgentClientFrame>(&text, AGENT_FIELDS)?;
    }

    #[test]
    fn any_bytes_as_text_are_a_frame_or_a_named_refusal(
        bytes in proptest::collection::vec(any::<u8>(), 0..256)
    ) {
        // A text frame is UTF-8 by the WebSocket protocol's own check.
        let text = String::from_utf8_lossy(&bytes);
        check::<ClientFrame>(&text, CUSTOMER_FIELDS)?;
        check::<AgentClientFrame>(&text, AGENT_FIELDS)?;
    }
}

proptest! {
    // Nested JSON costs more to make than text: fewer cases.
    #![proptest_config(config(1_200))]

    #[test]
    fn any_json_is_a_frame_or_a_named_refusal(
        customer in typed_object(CUSTOMER_TYPES, CUSTOMER_FIELDS),
        agent in typed_object(AGENT_TYPES, AGENT_FIELDS),
        loose in json_value(AGENT_FIELDS),
    ) {
        check::<ClientFrame>(&customer.to_string(), CUSTOMER_FIELDS)?;
        check::<AgentClientFrame>(&agent.to_string(), AGENT_FIELDS)?;
        check::<ClientFrame>(&loose.to_string(), CUSTOMER_FIELDS)?;
        check::<AgentClientFrame>(&loose.to_string(), AGENT_FIELDS)?;
    }

    #[test]
    fn a_valid_frame_parses_and_a_changed_one_parses_or_is_refused_by_name(
        customer in customer_frame(),
        agent in agent_frame(),
        edits in json_edits(AGENT_FIELDS),
        bytes in byte_edits(),
    ) {
        prop_assert!(check::<ClientFrame>(&customer.to_string(), CUSTOMER_FIELDS)?.is_some());
        prop_assert!(check::<AgentClientFrame>(&agent.to_string(), AGENT_FIELDS)?.is_some());
        for (valid, agent_side) in [(customer, false), (agent, true)] {
            let edited = apply_json_edits(&valid, &edits).to_string();
            let flipped = apply_byte_edits(valid.to_string().as_bytes(), &bytes);
            for text in [edited, String::from_utf8_lossy(&flipped).into_owned()] {
                if agent_side {
                    check::<AgentClientFrame>(&text, AGENT_FIELDS)?;
                } else {
                    check::<ClientFrame>(&text, CUSTOMER_FIELDS)?;
                }
            }
        }
    }
}

#[test]
fn a_valid_message_keeps_its_text_and_client_id_as_sent() {
    let text = "  Hello 😀\n\tworld ";
    let frame = json!({"type": "message", "client_id": "é-1", "text": text}).to_string();
    let Ok(Some(ClientFrame::Message {
        client_id,
        text: got,
    })) = check::<ClientFrame>(&frame, CUSTOMER_FIELDS)
    else {
        panic!("a valid message frame is refused");
    };
    assert_eq!((client_id.as_str(), got.as_str()), ("é-1", text));
}
