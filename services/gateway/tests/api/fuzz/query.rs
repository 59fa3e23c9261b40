//! The query strings of the query fuzz test: the route's parameters with
//! values made from their schemas (or any text), repeated at times, next to
//! parameters nobody declared; or raw text with `&`, `=` and `%` as it
//! comes.

use proptest::prelude::*;
use serde_json::Value;
use switchboard_testkit::fuzz::text;

use super::schema::{self, Dice, Fixtures};

/// How a case's query string is made.
#[derive(Debug, Clone)]
pub enum Query {
    /// The declared parameters, valued from their schemas by the seed.
    Schema(u64),
    /// Declared parameters and others, each valued with any text.
    Texts(u64, Vec<(String, String)>),
    /// Raw text, only cut to what a request line may hold.
    Raw(String),
}

pub fn query() -> impl Strategy<Value = Query> {
    let seed = any::<u64>();
    prop_oneof![
        4 => seed.prop_map(Query::Schema),
        3 => (seed, proptest::collection::vec((text(), text()), 0..4))
            .prop_map(|(s, pairs)| Query::Texts(s, pairs)),
        1 => "[a-z0-9=&%+;._~-]{0,40}".prop_map(Query::Raw),
    ]
}

impl Query {
    /// The query string for parameters `params` (name and schema).
    pub fn text(&self, params: &[(String, Value)], doc: &Value, ids: &Fixtures) -> String {
        let (seed, extra) = match self {
            Query::Raw(raw) => return raw.clone(),
            Query::Schema(seed) => (*seed, Vec::new()),
            Query::Texts(seed, extra) => (*seed, extra.clone()),
        };
        let mut dice = Dice::new(seed);
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, param) in params {
            if !dice.chance(60) {
                continue;
            }
            let value = match schema::value(param, doc, name, ids, &mut dice) {
                Value::String(text) => text,
                other => other.to_string(),
            };
            if dice.chance(5) {
                pairs.push((name.clone(), value.clone()));
            }
            pairs.push((name.clone(), value));
        }
        for (i, (key, value)) in extra.into_iter().enumerate() {
            // Half of them under a declared name, with any value.
            match params.get(i * 2 % params.len().max(1)) {
                Some((name, _)) if dice.chance(50) => pairs.push((name.clone(), value)),
                _ => pairs.push((key, value)),
            }
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encoding of everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
