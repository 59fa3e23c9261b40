//! The routes the fuzz tests call: those the OpenAPI document gives a
//! request body or query parameters, with their paths filled in with the
//! world's records and the tokens of the callers the document allows.

use axum::http::Method;
use serde_json::Value;
use switchboard_gateway::api;

use super::schema::{Fixtures, resolve};

/// One route to fuzz, its path filled in.
pub struct Target {
    pub method: Method,
    pub path: String,
    /// The body's schema, or the query parameters' (name, schema).
    pub schema: Value,
    pub params: Vec<(String, Value)>,
    /// The callers the document allows, as tokens.
    pub tokens: Vec<String>,
    /// What its refusals may name: body fields or query parameters.
    pub names: Vec<String>,
}

/// The served routes the document gives a body, and those it gives query
/// parameters, their paths filled in with the records' ids.
pub fn targets(doc: &Value, ids: &Fixtures, tokens: &Fixtures) -> (Vec<Target>, Vec<Target>) {
    let (mut bodies, mut queries) = (Vec::new(), Vec::new());
    for (method, template) in api::registered() {
        let operation = &doc["paths"][template][method.as_str().to_ascii_lowercase()];
        let mut path = template.to_owned();
        for (name, values) in ids {
            path = path.replace(&format!("{{{name}}}"), &values[0]);
        }
        assert!(
            !path.contains('{'),
            "no record for a parameter of {template}"
        );
        let tokens: Vec<String> = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_object()?.keys().next().cloned())
            .flat_map(|scheme| tokens.get(scheme.as_str()).cloned().unwrap_or_default())
            .collect();
        let body = &operation["requestBody"]["content"]["application/json"]["schema"];
        if !body.is_null() {
            let schema = resolve(body, doc).clone();
            let names = schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            let (method, path, tokens) = (method.clone(), path.clone(), tokens.clone());
            bodies.push(Target {
                method,
                path,
                schema,
                params: Vec::new(),
                tokens,
                names,
            });
        }
        let params: Vec<(String, Value)> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    p["schema"].clone(),
                )
            })
            .collect();
        if !params.is_empty() {
            let names = params.iter().map(|(name, _)| name.clone()).collect();
            let schema = Value::Null;
            queries.push(Target {
                method,
                path,
                schema,
                params,
                tokens,
                names,
            });
        }
    }
    (bodies, queries)
}
