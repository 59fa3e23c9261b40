//! A JSON Schema validator for the subset the gateway's OpenAPI document uses
//! (`type`, `enum`, `required`, `properties`, `additionalProperties`, `items`,
//! `allOf`/`oneOf`, `$ref` to components, the length, size and range bounds),
//! and the look-up of the operation a request hits. A keyword it does not
//! know fails the check rather than passing unread.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// Keywords that describe and never constrain (`format` and `pattern` are
/// left to the handlers' own tests).
const ANNOTATIONS: &[&str] = &[
    "description",
    "default",
    "examples",
    "example",
    "format",
    "pattern",
    "title",
    "deprecated",
];

/// The gateway's document, as served.
pub fn document() -> Value {
    serde_json::from_str(switchboard_gateway::api::OPENAPI).expect("the document is JSON")
}

/// The path template of `doc` that `path` (query string excluded) fills in,
/// and its operation for `method`.
pub fn operation<'d>(doc: &'d Value, method: &str, path: &str) -> (&'d str, &'d Value) {
    let path = path.split('?').next().unwrap_or_default();
    let wanted: Vec<&str> = path.split('/').collect();
    let method = method.to_lowercase();
    for (template, ops) in doc["paths"].as_object().expect("paths") {
        let parts: Vec<&str> = template.split('/').collect();
        let fits = parts.len() == wanted.len()
            && parts
                .iter()
                .zip(&wanted)
                .all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()));
        if fits && let Some(op) = ops.get(&method) {
            return (template, op);
        }
    }
    panic!("{method} {path} is not in the document");
}

/// Every way `value` breaks `schema`, each with the JSON path where it does.
pub fn violations(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    walk(Cx { doc, closed: false }, schema, value)
}

/// [`violations`], where an object may hold only the fields its schema
/// names even without `additionalProperties: false`: how the gateway's
/// answers are checked, so that a field the document leaves out is found.
pub fn violations_closed(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    walk(Cx { doc, closed: true }, schema, value)
}

/// The document, and whether objects are closed ([`violations_closed`]).
#[derive(Clone, Copy)]
struct Cx<'d> {
    doc: &'d Value,
    closed: bool,
}

fn walk(cx: Cx<'_>, schema: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(cx, schema, value, "$", true, &mut found);
    found
}

/// `whole`: `schema` describes all of `value` rather than one part of an
/// `allOf`, so in closed mode the fields it names are all `value` may hold.
fn check(
    cx: Cx<'_>,
    schema: &Value,
    value: &Value,
    at: &str,
    whole: bool,
    found: &mut Vec<String>,
) {
    let doc = cx.doc;
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            found.push(format!("{at}: nothing is allowed here"));
        }
        return;
    };
    let open = schema.contains_key("$ref") || schema.contains_key("additionalProperties");
    let shaped = schema.contains_key("properties") || schema.contains_key("allOf");
    if let (true, true, true, false, Some(object)) =
        (cx.closed, whole, shaped, open, value.as_object())
    {
        let named = names(doc, schema);
        for name in object.keys().filter(|name| !named.contains(name.as_str())) {
            found.push(format!("{at}: field '{name}' is not documented"));
        }
    }
    for (keyword, rule) in schema {
        match keyword.as_str() {
            "$ref" => check(cx, resolve(doc, rule), value, at, whole, found),
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
                    other => vec![other.as_str().expect("a type name")],
                };
                if !types.iter().any(|t| is_type(value, t)) {
                    found.push(format!("{at}: {value} is not of type {types:?}"));
                }
            }
            "enum" => {
                if !rule.as_array().expect("enum").contains(value) {
                    found.push(format!("{at}: {value} is not one of {rule}"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in rule.as_array().expect("required") {
                        let name = name.as_str().expect("a field name");
                        if !object.contains_key(name) {
                            found.push(format!("{at}: required field '{name}' is missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(object) = value.as_object() {
                    for (name, field) in rule.as_object().expect("properties") {
                        if let Some(inner) = object.get(name) {
                            check(cx, field, inner, &format!("{at}.{name}"), true, found);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(object) = value.as_object() {
                    let known = schema.get("properties").and_then(Value::as_object);
                    for (name, inner) in extra(object, known) {
                        check(cx, rule, inner, &format!("{at}.{name}"), true, found);
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        check(cx, rule, item, &format!("{at}[{i}]"), true, found);
                    }
                }
            }
            "allOf" => {
                for part in rule.as_array().expect("allOf") {
                    check(cx, part, value, at, false, found);
                }
            }
            "oneOf" => {
                let fitting = (rule.as_array().expect("oneOf").iter())
                    .filter(|part| walk(cx, part, value).is_empty())
                    .count();
                if fitting != 1 {
                    found.push(format!("{at}: {value} fits {fitting} of oneOf, not one"));
                }
            }
            "minLength" | "maxLength" => {
                if let Some(text) = value.as_str() {
                    bound(keyword, rule, text.chars().count(), at, found);
                }
            }
            "minItems" | "maxItems" => {
                if let Some(items) = value.as_array() {
                    bound(keyword, rule, items.len(), at, found);
                }
            }
            "minProperties" => {
                if let Some(object) = value.as_object() {
                    bound(keyword, rule, object.len(), at, found);
                }
            }
            "minimum" | "maximum" => {
                if let (Some(number), Some(limit)) = (value.as_f64(), rule.as_f64()) {
                    let below = keyword == "minimum" && number < limit;
                    if below || (keyword == "maximum" && number > limit) {
                        found.push(format!("{at}: {number} breaks {keyword} {limit}"));
                    }
                }
            }
            other if ANNOTATIONS.contains(&other) => {}
            other => found.push(format!("{at}: the validator does not know '{other}'")),
        }
    }
}

/// The fields an object schema names: its own and its `allOf` parts'.
fn names<'d>(doc: &'d Value, schema: &'d Map<String, Value>) -> HashSet<&'d str> {
    let mut named: HashSet<&str> = (schema.get("properties").and_then(Value::as_object))
        .into_iter()
        .flat_map(|properties| properties.keys().map(String::as_str))
        .collect();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let part = part
            .get("$ref")
            .map_or(part, |reference| resolve(doc, reference));
        if let Some(part) = part.as_object() {
            named.extend(names(doc, part));
        }
    }
    named
}

/// The fields of `object` that `known` does not name.
fn extra<'v>(
    object: &'v Map<String, Value>,
    known: Option<&Map<String, Value>>,
) -> impl Iterator<Item = (&'v String, &'v Value)> {
    object
        .iter()
        .filter(move |(name, _)| known.is_none_or(|known| !known.contains_key(*name)))
}

fn bound(keyword: &str, rule: &Value, size: usize, at: &str, found: &mut Vec<String>) {
    let limit = rule.as_u64().expect("a size") as usize;
    let broken = if keyword.starts_with("min") {
        size < limit
    } else {
        size > limit
    };
    if broken {
        found.push(format!("{at}: size {size} breaks {keyword} {limit}"));
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        other => panic!("unknown type '{other}'"),
    }
}

/// The fields an object schema requires: its own and its `allOf` parts'.
pub fn required(doc: &Value, schema: &Value) -> Vec<String> {
    let schema = schema
        .get("$ref")
        .map_or(schema, |reference| resolve(doc, reference));
    let own = (schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten())
    .filter_map(|name| name.as_str().map(str::to_owned));
    let parts = (schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten())
    .flat_map(|part| required(doc, part));
    own.chain(parts).collect()
}

/// The schema a local `$ref` (`#/components/...`) points at.
pub fn resolve<'d>(doc: &'d Value, reference: &Value) -> &'d Value {
    let reference = reference.as_str().expect("a $ref string");
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("{reference} is not a local reference"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} points at nothing"))
}
