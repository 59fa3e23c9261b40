//! Request bodies made from the OpenAPI document's own schemas, so most
//! get past parsing into each route's validation and its writes: objects
//! with their required fields (and some optional ones), enum values, ids of
//! the records the test made, strings within (and just past) their limits.
//! A seed picks every choice, so a case is reproduced by its seed.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// A small deterministic generator (splitmix64) driven by the case's seed.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// Ids of the records the test made, by the field names that hold them.
pub type Fixtures = HashMap<&'static str, Vec<String>>;

/// The schema a `$ref` names, or the schema itself.
pub fn resolve<'a>(schema: &'a Value, doc: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// A value for `schema`, held by a field called `name`.
pub fn value(schema: &Value, doc: &Value, name: &str, ids: &Fixtures, dice: &mut Dice) -> Value {
    let schema = resolve(schema, doc);
    if let Some(choices) = schema["enum"].as_array() {
        return match dice.chance(90) {
            true => dice.pick(choices).cloned().unwrap_or(Value::Null),
            false => json!("teapot"),
        };
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.as_str(),
        Value::Array(kinds) if dice.chance(85) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        Value::Array(_) => "null",
        _ => "string",
    };
    match kind {
        "object" => object(schema, doc, ids, dice),
        "array" => {
            let max = schema["maxItems"].as_u64().unwrap_or(4).min(4) as usize;
            let min = schema["minItems"].as_u64().unwrap_or(0) as usize;
            let len = min + dice.below(max.saturating_sub(min) + 1);
            let items = (0..len)
                .map(|_| value(&schema["items"], doc, name, ids, dice))
                .collect();
            Value::Array(items)
        }
        "integer" => {
            let low = schema["minimum"].as_i64().unwrap_or(0);
            let high = schema["maximum"].as_i64().unwrap_or(100);
            match dice.below(10) {
                0 => json!(low - 1),
                1 => json!(high + 1),
                _ => json!(low + dice.below((high - low + 1) as usize) as i64),
            }
        }
        "boolean" => json!(dice.chance(50)),
        "null" => Value::Null,
        _ => Value::String(string(schema, name, ids, dice)),
    }
}

fn object(schema: &Value, doc: &Value, ids: &Fixtures, dice: &mut Dice) -> Value {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields = Map::new();
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let wanted = if required.contains(&name.as_str()) {
                97
            } else {
                50
            };
            if dice.chance(wanted) {
                fields.insert(name.clone(), value(property, doc, name, ids, dice));
            }
        }
    }
    Value::Object(fields)
}

fn string(schema: &Value, name: &str, ids: &Fixtures, dice: &mut Dice) -> String {
    let max = schema["maxLength"].as_u64().unwrap_or(200) as usize;
    match dice.below(20) {
        // Just past the limit, and empty.
        0 => return "x".repeat(max + 1),
        1 => return String::new(),
        _ => {}
    }
    if let Some(example) = schema["examples"].as_array().and_then(|e| dice.pick(e)) {
        let example = example.as_str().unwrap_or_default();
        return match name {
            "allowed_origins" => example.replace("shop", &format!("shop{}", dice.below(9))),
            _ => format!("{example}{}", dice.below(9)),
        };
    }
    match (schema["format"].as_str(), name) {
        (Some("uuid"), _) => {
            let kind = match name {
                "routed_space" | "spaces" => "space",
                "experiences" => "experience",
                other => other,
            };
            match ids.get(kind).and_then(|known| dice.pick(known)) {
                Some(id) if dice.chance(85) => id.clone(),
                _ => uuid::Uuid::now_v7().to_string(),
            }
        }
        (Some("date-time"), _) => {
            let offset = ["Z", "+01:00", " 01:00", "-23:59", "+99:00"];
            let day = 1 + dice.below(31);
            format!(
                "2026-11-{day:02}T09:30:00{}",
                offset[dice.below(offset.len())]
            )
        }
        (Some("email"), _) => format!("person{}@example.com", dice.next() % 10_000),
        (Some("uri"), _) => "https://shop.example.com/sign-in".to_owned(),
        _ => format!("{} {}", name.replace('_', " "), dice.below(1_000)),
    }
}
