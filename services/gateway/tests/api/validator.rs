//! The test validator ([`schema`]) itself: each rule the document's checks
//! rely on refuses what breaks it, so a passing journey means something.

use serde_json::{Value, json};

use super::schema::{violations, violations_closed};

/// A document whose components hold `Thing` and `Named` (through `allOf`).
fn doc() -> Value {
    json!({"components": {"schemas": {
        "Thing": {"type": "object", "required": ["id", "kind"], "properties": {
            "id": {"type": "string", "format": "uuid", "maxLength": 36},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "count": {"type": "integer", "minimum": 1, "maximum": 3},
            "note": {"type": ["string", "null"]},
            "inner": {"type": "object", "properties": {"x": {"type": "boolean"}}},
            "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
            "either": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["x"],
                "properties": {"x": {"type": "boolean"}}}]}
        }},
        "Named": {"allOf": [{"$ref": "#/components/schemas/Thing"},
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}]},
        "Shut": {"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "string"}}}
    }}})
}

fn thing() -> Value {
    json!({"$ref": "#/components/schemas/Thing"})
}

fn refused(schema: Value, value: Value, expected: &str) {
    let found = violations(&doc(), &schema, &value);
    assert!(
        found.iter().any(|problem| problem.contains(expected)),
        "{value} against {schema}: expected '{expected}', found {found:?}"
    );
}

#[test]
fn a_fitting_value_passes_and_null_where_allowed() {
    let value = json!({"id": "x", "kind": "a", "count": 2, "note": null, "tags": ["t"],
        "either": {"x": true}});
    assert_eq!(violations(&doc(), &thing(), &value), Vec::<String>::new());
    let value = json!({"id": "x", "kind": "b", "either": null});
    assert_eq!(violations(&doc(), &thing(), &value), Vec::<String>::new());
}

#[test]
fn each_rule_refuses_what_breaks_it() {
    refused(
        thing(),
        json!({"kind": "a"}),
        "required field 'id' is missing",
    );
    refused(
        thing(),
        json!({"id": 1, "kind": "a"}),
        "$.id: 1 is not of type",
    );
    refused(
        thing(),
        json!({"id": "x", "kind": "c"}),
        "$.kind: \"c\" is not one of",
    );
    refused(
        thing(),
        json!({"id": "x", "kind": "a", "count": 4}),
        "breaks maximum",
    );
    refused(
        thing(),
        json!({"id": "x", "kind": "a", "count": 1.5}),
        "is not of type",
    );
    refused(
        thing(),
        json!({"id": "x", "kind": "a", "note": 3}),
        "$.note",
    );
    let tags = json!({"id": "x", "kind": "a", "tags": ["a", 1]});
    refused(thing(), tags, "$.tags[1]");
    let tags = json!({"id": "x", "kind": "a", "tags": ["a", "b", "c"]});
    refused(thing(), tags, "breaks maxItems");
    let either = json!({"id": "x", "kind": "a", "either": {"x": "no"}});
    refused(thing(), either, "fits 0 of oneOf");
    let long = json!({"id": "x".repeat(37), "kind": "a"});
    refused(thing(), long, "breaks maxLength");
    let named = json!({"$ref": "#/components/schemas/Named"});
    refused(
        named,
        json!({"id": "x", "kind": "a"}),
        "required field 'name'",
    );
    let shut = json!({"$ref": "#/components/schemas/Shut"});
    refused(
        shut,
        json!({"a": "x", "b": 1}),
        "$.b: nothing is allowed here",
    );
    refused(json!({"if": {}}), json!(1), "does not know 'if'");
}

#[test]
fn closed_objects_refuse_undocumented_fields_at_every_depth_and_across_all_of() {
    let named = json!({"$ref": "#/components/schemas/Named"});
    let whole = json!({"id": "x", "kind": "a", "name": "n", "either": {"x": true}});
    assert_eq!(
        violations_closed(&doc(), &named, &whole),
        Vec::<String>::new()
    );
    let extra = json!({"id": "x", "kind": "a", "name": "n", "secret": 1});
    let found = violations_closed(&doc(), &named, &extra);
    assert_eq!(
        found,
        vec!["$: field 'secret' is not documented".to_owned()]
    );
    assert!(
        violations(&doc(), &named, &extra).is_empty(),
        "open by default"
    );
    let deep = json!({"id": "x", "kind": "a", "inner": {"x": true, "y": 2}});
    let found = violations_closed(&doc(), &thing(), &deep);
    assert_eq!(
        found,
        vec!["$.inner: field 'y' is not documented".to_owned()]
    );
    let alternative = json!({"id": "x", "kind": "a", "either": {"x": true, "y": 2}});
    let found = violations_closed(&doc(), &thing(), &alternative);
    assert_eq!(
        found,
        vec![r#"$.either: {"x":true,"y":2} fits 0 of oneOf, not one"#]
    );
}
