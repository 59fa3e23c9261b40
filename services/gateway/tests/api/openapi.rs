//! The OpenAPI document against the routes actually served, and its own
//! completeness: ids, summaries, schemas whose required fields exist, examples
//! that fit.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use super::helpers::*;
use super::schema;

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_only_those() {
    let app = spawn_app().await;
    let (status, doc) = app.send("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let served: Vec<(String, String)> = switchboard_gateway::api::registered()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_lowercase(), p.to_owned()))
        .chain(
            switchboard_gateway::web::PAGES
                .iter()
                .map(|(m, p)| (m.to_lowercase(), (*p).to_owned())),
        )
        .collect();
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    for route in &served {
        assert!(
            documented.contains(route),
            "{route:?} is served but not documented"
        );
    }
    for route in &documented {
        assert!(
            served.contains(route),
            "{route:?} is documented but not served"
        );
    }
}

/// Each operation of the document, as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            all.push((method.clone(), path.clone(), op.clone()));
        }
    }
    all
}

#[test]
fn every_operation_has_a_unique_camel_case_operation_id_and_a_summary() {
    let doc = schema::document();
    let mut seen = HashSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default();
        let camel = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric());
        assert!(
            camel,
            "{method} {path}: operationId '{id}' is not camelCase"
        );
        assert!(
            seen.insert(id.to_owned()),
            "operationId '{id}' is used twice"
        );
        let summary = op["summary"].as_str().unwrap_or_default();
        assert!(!summary.is_empty(), "{method} {path} has no summary");
    }
}

#[test]
fn every_body_and_success_response_has_a_schema_whose_required_fields_exist() {
    let doc = schema::document();
    for (method, path, op) in operations(&doc) {
        let mut bodies = vec![("request", &op["requestBody"])];
        for (status, response) in op["responses"].as_object().unwrap() {
            if status.starts_with('2') {
                bodies.push(("response", response));
            }
        }
        for (what, body) in bodies {
            let body = follow(&doc, body);
            let media = body.get("content").and_then(Value::as_object);
            for (kind, content) in media.into_iter().flatten() {
                let place = format!("{method} {path}: the {what}'s {kind}");
                let found = content.get("schema");
                assert!(found.is_some(), "{place} has no schema");
                assert_required_fields_exist(&doc, found.unwrap(), &place);
            }
        }
    }
    for (name, component) in doc["components"]["schemas"].as_object().unwrap() {
        assert_required_fields_exist(&doc, component, name);
    }
}

#[test]
fn every_example_fits_its_schema() {
    let doc = schema::document();
    let mut media = Vec::new();
    for (_, path, op) in operations(&doc) {
        for response in op["responses"].as_object().unwrap().values() {
            media.push((path.clone(), follow(&doc, response).clone()));
        }
    }
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        media.push((name.clone(), response.clone()));
    }
    for (place, response) in media {
        let Some(json) = response.pointer("/content/application~1json") else {
            continue;
        };
        if let (Some(example), Some(shape)) = (json.get("example"), json.get("schema")) {
            let broken = schema::violations(&doc, shape, example);
            assert!(broken.is_empty(), "{place}: example {example}: {broken:#?}");
        }
    }
}

/// A response or request body, through its `$ref` if it has one.
fn follow<'d>(doc: &'d Value, item: &'d Value) -> &'d Value {
    match item.get("$ref") {
        Some(reference) => schema::resolve(doc, reference),
        None => item,
    }
}

/// Every `required` list under `shape` names fields its `properties` define.
fn assert_required_fields_exist(doc: &Value, shape: &Value, place: &str) {
    let shape = follow(doc, shape);
    if let (Some(required), Some(properties)) = (
        shape.get("required").and_then(Value::as_array),
        shape.get("properties").and_then(Value::as_object),
    ) {
        for name in required {
            let name = name.as_str().unwrap();
            assert!(
                properties.contains_key(name),
                "{place}: required field '{name}' is not among its properties"
            );
        }
    }
    if shape.get("required").is_some() && shape.get("properties").is_none() {
        panic!("{place}: required fields but no properties");
    }
    for nested in ["items", "additionalProperties"] {
        if let Some(inner) = shape.get(nested).filter(|inner| inner.is_object()) {
            assert_required_fields_exist(doc, inner, place);
        }
    }
    for (_, field) in shape
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        assert_required_fields_exist(doc, field, place);
    }
    for combined in ["allOf", "oneOf", "anyOf"] {
        for part in shape
            .get(combined)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert_required_fields_exist(doc, part, place);
        }
    }
}
