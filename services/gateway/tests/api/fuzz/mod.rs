//! Fuzzing of every JSON request body the API takes: each route the
//! OpenAPI document gives a `requestBody`, on a real gateway (real
//! `nats-server`, its API router called in-process), with records of every
//! kind to name in paths and bodies. Bodies are made from the route's own
//! schema (so most reach validation and the writes), then changed a little
//! (fields removed, retyped, added; bytes flipped), or are any JSON or text
//! at all, sometimes over the size limit or of another content type.
//!
//! Every answer is a success or the contract's error: never a 5xx, and
//! every 4xx is `{"error": {"code", "message"}}` with a known code and a
//! message; a 400 or 422 names the body or the field at fault.

mod schema;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, header};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::{Value, json};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::v1::WorkItem;
use switchboard_gateway::api;
use switchboard_testkit::fuzz::{
    JsonEdit, apply_byte_edits, apply_json_edits, byte_edits, config, json_edits, json_value, text,
};

use self::schema::{Dice, Fixtures, resolve};
use super::fakes::FakeWorkItems;
use super::helpers::{OPERATOR, TestApp, spawn_app_with};

/// One route that takes a body, with what it needs to be called.
struct Target {
    method: Method,
    path: String,
    schema: Value,
    /// The callers the document allows, as tokens.
    tokens: Vec<String>,
    /// The top-level fields of its body, which refusals name.
    fields: Vec<String>,
}

/// A gateway with one record of every kind and the routes to fuzz.
struct World {
    router: Router,
    doc: Value,
    ids: Fixtures,
    targets: Vec<Target>,
    /// Kept alive with the gateway's bus.
    _app: TestApp,
    _work_items: FakeWorkItems,
}

/// How a case's body is made.
#[derive(Debug, Clone)]
enum Payload {
    Schema(u64),
    Edited(u64, Vec<JsonEdit>),
    Flipped(u64, Vec<switchboard_testkit::fuzz::ByteEdit>),
    Oversized(u64),
    Json(Value),
    Text(String),
}

fn payload() -> impl Strategy<Value = Payload> {
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

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/merge-patch+json"),
    None,
    Some("text/plain"),
];

impl World {
    async fn new() -> Self {
        let app = spawn_app_with(|c| c.api_requests_per_second = 1_000_000).await;
        let work_items = FakeWorkItems::start(&app.state.bus).await;
        let tenant = app.tenant("enterprise").await;
        let space = app.space(&tenant, "Billing").await;
        let ai_agent = app.ai_agent(&tenant, true).await;
        let experience = json!({"name": "Help", "support_mode": "ai_and_team",
            "ai_agent": ai_agent, "routed_space": space});
        let experience = app.create(&tenant, "/experiences", experience).await;
        let widgets = format!("/experiences/{experience}/widgets");
        let widget = json!({"kind": "embed", "allowed_origins": ["https://shop.example.com"]});
        let widget = app.create(&tenant, &widgets, widget).await;
        let (agent, agent_token) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
        let admin = json!({"name": "Ed", "email": "ed@acme.test", "role": "experience_admin",
            "experiences": [experience]});
        let (_, admin) = app.admin(&tenant, "POST", "/admins", admin).await;
        let work_item = uuid::Uuid::now_v7().to_string();
        work_items.add(WorkItem {
            id: work_item.clone(),
            tenant: tenant.id.clone(),
            space: space.clone(),
            status: "open".into(),
            ..Default::default()
        });
        let ids = Fixtures::from([
            ("tenant", vec![tenant.id.clone()]),
            ("space", vec![space]),
            ("ai_agent", vec![ai_agent]),
            ("experience", vec![experience]),
            ("widget", vec![widget]),
            ("agent", vec![agent]),
            (
                "admin",
                vec![admin["id"].as_str().unwrap_or_default().to_owned()],
            ),
            ("work_item", vec![work_item]),
        ]);
        let tokens = Fixtures::from([
            ("operatorToken", vec![OPERATOR.to_owned()]),
            (
                "adminToken",
                vec![
                    tenant.admin.clone(),
                    tenant.admin.clone(),
                    admin["token"].as_str().unwrap_or_default().to_owned(),
                ],
            ),
            ("agentToken", vec![agent_token]),
        ]);
        let doc: Value = serde_json::from_str(api::OPENAPI).expect("the OpenAPI document");
        let targets = targets(&doc, &ids, &tokens);
        Self {
            router: api::routes().with_state(app.state.clone()),
            doc,
            ids,
            targets,
            _app: app,
            _work_items: work_items,
        }
    }
}

/// The served routes the document gives a body, their paths filled in.
fn targets(doc: &Value, ids: &Fixtures, tokens: &Fixtures) -> Vec<Target> {
    let mut targets = Vec::new();
    for (method, template) in api::registered() {
        let operation = &doc["paths"][template][method.as_str().to_ascii_lowercase()];
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            continue;
        }
        let mut path = template.to_owned();
        for (name, values) in ids {
            path = path.replace(&format!("{{{name}}}"), &values[0]);
        }
        assert!(
            !path.contains('{'),
            "no record for a parameter of {template}"
        );
        let resolved = resolve(schema, doc);
        let fields = resolved["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let tokens = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_object()?.keys().next().cloned())
            .flat_map(|scheme| tokens.get(scheme.as_str()).cloned().unwrap_or_default())
            .collect();
        targets.push(Target {
            method,
            path,
            schema: resolved.clone(),
            tokens,
            fields,
        });
    }
    targets
}

impl World {
    /// Sends one case and checks the answer.
    async fn case(&self, which: usize, payload: &Payload, seed: u64) -> Result<(), TestCaseError> {
        let target = &self.targets[which % self.targets.len()];
        let mut dice = Dice::new(seed);
        let from_schema = |seed: u64| {
            schema::value(
                &target.schema,
                &self.doc,
                "",
                &self.ids,
                &mut Dice::new(seed),
            )
        };
        let bytes = match payload {
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
        };
        let token = &target.tokens[dice.below(target.tokens.len())];
        let mut request = Request::builder()
            .method(target.method.clone())
            .uri(&target.path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(Some(content_type)) = CONTENT_TYPES.get(dice.below(CONTENT_TYPES.len())) {
            request = request.header(header::CONTENT_TYPE, *content_type);
        }
        let request = request.body(Body::from(bytes)).expect("a request");
        let response = tower::ServiceExt::oneshot(self.router.clone(), request)
            .await
            .expect("the router answers");
        let status = response.status();
        let answer = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        let what = format!(
            "{} {} answered {status}: {answer}",
            target.method, target.path
        );
        prop_assert!(!status.is_server_error(), "{what}");
        if status.is_client_error() {
            let code = answer["error"]["code"].as_str().unwrap_or_default();
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            prop_assert!(ErrorCode::parse(code).is_some(), "unknown code: {what}");
            prop_assert!(!message.is_empty(), "no message: {what}");
            if matches!(status.as_u16(), 400 | 422) {
                prop_assert!(names_the_problem(message, target), "names nothing: {what}");
            }
        } else if status.as_u16() != 204 {
            prop_assert!(answer.is_object(), "{what}");
        }
        Ok(())
    }
}

/// A refusal of a body names the body as a whole or, first thing, one of
/// its fields (`name: ...`, `knowledge[2].answer: ...`, `status cannot move
/// ...`), or the field it does not know (`x: unknown field `x`, ...`).
fn names_the_problem(message: &str, target: &Target) -> bool {
    let field = target.fields.iter().any(|f| {
        message
            .strip_prefix(f.as_str())
            .is_some_and(|rest| rest.starts_with([':', ' ', '.', '[']))
    });
    // serde names an unknown field in the problem itself.
    let unknown = message.contains(": unknown field `");
    message.starts_with("the body") || field || unknown
}

#[test]
fn fuzz_every_json_body_gets_a_result_or_a_named_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let world = Arc::new(runtime.block_on(World::new()));
    assert!(
        world.targets.len() >= 16,
        "routes with bodies: {}",
        world.targets.len()
    );
    let mut runner = TestRunner::new(config(2_000));
    let cases = (any::<usize>(), payload(), any::<u64>());
    runner
        .run(&cases, |(which, payload, seed)| {
            runtime.block_on(world.case(which, &payload, seed))
        })
        .unwrap();
}

/// Found by the test above: serde reads a struct from a JSON array too, so
/// `["Acme", "premium"]` made a tenant, and `[null]` or the broken `[0A`
/// were refused naming a field `[0]` no body has.
#[test]
fn fuzz_regression_a_body_that_is_not_an_object_is_refused_as_such() {
    use switchboard_gateway::api::extract::parse_json;
    use switchboard_gateway::api::tenants::CreateTenant;
    use switchboard_gateway::error::ApiError;
    let refused = ApiError::BadRequest("the body must be a JSON object".into());
    for body in [
        r#"["Acme", "premium"]"#,
        "[null]",
        r#" "Acme""#,
        "7",
        "null",
    ] {
        let parsed = parse_json::<CreateTenant>(body.as_bytes());
        assert_eq!(parsed.err(), Some(refused.clone()), "{body}");
    }
    for broken in [r#"["Acme""#, "[0A"] {
        let refused = parse_json::<CreateTenant>(broken.as_bytes()).unwrap_err();
        let message = refused.message();
        assert!(
            message.starts_with("the body is not valid JSON"),
            "{broken}: {message}"
        );
    }
}
