//! The bodies of the body fuzz test: made from the route's schema, then
//! maybe changed (fields, bytes), or any JSON or text, or over the limit;
//! sent with one of several content types.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_gateway::api;
use switchboard_testkit::fuzz::{
    ByteEdit, JsonEdit, apply_byte_edits, apply_json_edits, byte_edits, json_edits, json_value,
    text,
};

/// How a case's body is made; the seeds drive [`super::schema::value`].
#[derive(Debug, Clone)]
pub enum Payload {
    Schema(u64),
    Edited(u64, Vec<JsonEdit>),
    Flipped(u64, Vec<ByteEdit>),
    Oversized(u64),
    Json(Value),
    Text(String),
}

pub fn payload() -> impl Strategy<Value = Payload> {
    let seed = any::<u64>();
    prop_oneof![
        4 => seed.prop_map(Payload::Schema),
        4 => (seed, json_edits(FIELD_NAMES)).prop_map(|(s, e)| Payload::Edited(s, e)),
        2 => (seed, byte_edits()).prop_map(|(s, e)| Payload::Flipped(s, e)),
        1 => json_value(FIELD_NAMES).prop_map(Payload::Json),
        1 => text().prop_map(Payload::Text),
        1 => seed.prop_map(Payload::Oversized),
    ]
}

/// Every field name of the bodies, so edits hit real fields.
const FIELD_NAMES: &[&str] = &[
    "name",
    "edition",
    "maximum_conversations",
    "live_chat",
    "published",
    "knowledge",
    "question",
    "answer",
    "next_steps",
    "kind",
    "handoff",
    "on_request",
    "after_unsure",
    "phrase",
    "support_mode",
    "ai_agent",
    "routed_space",
    "fallback_message",
    "access",
    "sign_in_url",
    "allowed_origins",
    "allowed_apps",
    "email",
    "spaces",
    "status",
    "role",
    "experiences",
];

/// Mostly JSON, sometimes none, sometimes another type (refused by name).
pub const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/merge-patch+json"),
    None,
    Some("text/plain"),
];

impl Payload {
    /// The body's bytes; `from_schema` makes a body from a seed.
    pub fn bytes(&self, from_schema: impl Fn(u64) -> Value) -> Vec<u8> {
        match self {
            Payload::Schema(seed) => from_schema(*seed).to_string().into_bytes(),
            Payload::Edited(seed, edits) => apply_json_edits(&from_schema(*seed), edits)
                .to_string()
                .into_bytes(),
            Payload::Flipped(seed, edits) => {
                apply_byte_edits(from_schema(*seed).to_string().as_bytes(), edits)
            }
            Payload::Oversized(seed) => {
                let mut value = from_schema(*seed);
                value["name"] = json!("x".repeat(api::BODY_LIMIT + 1));
                value.to_string().into_bytes()
            }
            Payload::Json(value) => value.to_string().into_bytes(),
            Payload::Text(text) => text.clone().into_bytes(),
        }
    }
}
