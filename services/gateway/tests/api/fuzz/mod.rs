//! Fuzzing of the API's inputs on a real gateway (real `nats-server`, its
//! API router called in-process) holding a record of every kind to name in
//! paths and bodies, with stand-ins for the services its reads ask:
//!
//! - every JSON request body: each route the OpenAPI document gives a
//!   `requestBody`, with bodies made from the route's own schema (so most
//!   reach validation and the writes), changed a little (fields removed,
//!   retyped, added; bytes flipped), or any JSON or text at all, sometimes
//!   over the size limit or of another content type ([`payload`]);
//! - every query string: each route the document gives query parameters
//!   ([`query`]).
//!
//! Every answer is a success or the contract's error ([`answer`]).

mod answer;
mod payload;
mod query;
mod schema;
mod targets;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::{Value, json};
use switchboard_contracts::v1::{ConversationList, WorkItem};
use switchboard_gateway::api;
use switchboard_testkit::fuzz::config;

use self::answer::{Namable, check};
use self::payload::{CONTENT_TYPES, Payload, payload};
use self::query::{Query, query};
use self::schema::{Dice, Fixtures};
use self::targets::{Target, targets};
use super::fakes::{FakeWorkItems, serve_conversation_list, serve_transcripts};
use super::helpers::{OPERATOR, TestApp, spawn_app_with};

/// A gateway with one record of every kind, and the routes to fuzz.
struct World {
    router: Router,
    doc: Value,
    ids: Fixtures,
    bodies: Vec<Target>,
    queries: Vec<Target>,
    /// Kept alive with the gateway's bus.
    _app: TestApp,
    _work_items: FakeWorkItems,
}

impl World {
    async fn new() -> Self {
        let app = spawn_app_with(|c| c.api_requests_per_second = 1_000_000).await;
        let work_items = FakeWorkItems::start(&app.state.bus).await;
        serve_conversation_list(&app.state.bus, ConversationList::default()).await;
        serve_transcripts(&app.state.bus, Vec::new()).await;
        super::fakes::serve_webhooks(&app.state.bus, false).await;
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
        let field = |name: &str| admin[name].as_str().unwrap_or_default().to_owned();
        let work_item = uuid::Uuid::now_v7().to_string();
        work_items.add(WorkItem {
            id: work_item.clone(),
            tenant: tenant.id.clone(),
            space: space.clone(),
            status: "open".into(),
            ..Default::default()
        });
        let webhook = json!({"url": "https://hooks.example.com/in", "events": ["message.created"]});
        let webhook = app.create(&tenant, "/webhooks", webhook).await;
        let ids = Fixtures::from([
            ("tenant", vec![tenant.id.clone()]),
            ("space", vec![space]),
            ("ai_agent", vec![ai_agent]),
            ("experience", vec![experience]),
            ("widget", vec![widget]),
            ("agent", vec![agent]),
            ("admin", vec![field("id")]),
            ("work_item", vec![work_item]),
            ("webhook", vec![webhook]),
            ("conversation", vec![uuid::Uuid::now_v7().to_string()]),
        ]);
        // Site admins twice as often as the experience admin.
        let tokens = Fixtures::from([
            ("operatorToken", vec![OPERATOR.to_owned()]),
            (
                "adminToken",
                vec![tenant.admin.clone(), tenant.admin.clone(), field("token")],
            ),
            ("agentToken", vec![agent_token]),
        ]);
        let doc: Value = serde_json::from_str(api::OPENAPI).expect("the OpenAPI document");
        let (bodies, queries) = targets(&doc, &ids, &tokens);
        Self {
            router: api::routes().with_state(app.state.clone()),
            doc,
            ids,
            bodies,
            queries,
            _app: app,
            _work_items: work_items,
        }
    }

    /// Sends a request as one of the target's callers (picked by `dice`).
    async fn send(
        &self,
        target: &Target,
        uri: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        dice: &mut Dice,
    ) -> Option<(StatusCode, Value)> {
        let token = &target.tokens[dice.below(target.tokens.len())];
        let mut request = Request::builder()
            .method(target.method.clone())
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        // A URI no request line can carry never reaches the router.
        let request = request.body(Body::from(body)).ok()?;
        let response = tower::ServiceExt::oneshot(self.router.clone(), request)
            .await
            .expect("the router answers");
        let status = response.status();
        let answer = to_bytes(response.into_body(), usize::MAX).await;
        let answer = serde_json::from_slice(&answer.expect("a body")).unwrap_or(Value::Null);
        Some((status, answer))
    }

    async fn body_case(&self, which: usize, payload: &Payload, seed: u64) -> TestResult {
        let target = &self.bodies[which % self.bodies.len()];
        let mut dice = Dice::new(seed);
        let body = payload.bytes(|seed| {
            schema::value(
                &target.schema,
                &self.doc,
                "",
                &self.ids,
                &mut Dice::new(seed),
            )
        });
        let content_type = CONTENT_TYPES[dice.below(CONTENT_TYPES.len())];
        let Some((status, answer)) =
            (self.send(target, &target.path, content_type, body, &mut dice)).await
        else {
            return Ok(());
        };
        let what = format!(
            "{} {} answered {status}: {answer}",
            target.method, target.path
        );
        let namable = Namable {
            names: &target.names,
            whole: &["the body"],
        };
        check(status, &answer, &what, &namable)
    }

    async fn query_case(&self, which: usize, query: &Query, seed: u64) -> TestResult {
        let target = &self.queries[which % self.queries.len()];
        let uri = format!(
            "{}?{}",
            target.path,
            query.text(&target.params, &self.doc, &self.ids)
        );
        let Some((status, answer)) =
            (self.send(target, &uri, None, Vec::new(), &mut Dice::new(seed))).await
        else {
            return Ok(());
        };
        let what = format!("{} {uri} answered {status}: {answer}", target.method);
        let namable = Namable {
            names: &target.names,
            whole: &["Failed to deserialize query string"],
        };
        check(status, &answer, &what, &namable)
    }
}

type TestResult = Result<(), TestCaseError>;

/// Runs `case` for [`config`]`(default)` generated inputs on one world.
fn fuzz<S: Strategy>(default: u32, inputs: S, case: impl AsyncCase<S::Value>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let world = runtime.block_on(World::new());
    assert!(
        world.bodies.len() >= 16,
        "routes with bodies: {}",
        world.bodies.len()
    );
    assert!(
        world.queries.len() >= 2,
        "routes with queries: {}",
        world.queries.len()
    );
    TestRunner::new(config(default))
        .run(&inputs, |input| runtime.block_on(case.run(&world, input)))
        .unwrap();
}

/// One fuzz case against the world (a closure cannot return a future that
/// borrows its argument).
trait AsyncCase<T> {
    async fn run(&self, world: &World, input: T) -> TestResult;
}

struct Bodies;
impl AsyncCase<(usize, Payload, u64)> for Bodies {
    async fn run(
        &self,
        world: &World,
        (which, payload, seed): (usize, Payload, u64),
    ) -> TestResult {
        world.body_case(which, &payload, seed).await
    }
}

struct Queries;
impl AsyncCase<(usize, Query, u64)> for Queries {
    async fn run(&self, world: &World, (which, query, seed): (usize, Query, u64)) -> TestResult {
        world.query_case(which, &query, seed).await
    }
}

#[test]
fn fuzz_every_json_body_gets_a_result_or_a_named_error() {
    fuzz(6_000, (any::<usize>(), payload(), any::<u64>()), Bodies);
}

#[test]
fn fuzz_every_query_string_gets_a_result_or_a_named_error() {
    fuzz(3_000, (any::<usize>(), query(), any::<u64>()), Queries);
}

/// Found by the body fuzz test: serde reads a struct from a JSON array too,
/// so `["Acme", "premium"]` made a tenant, and `[null]` or the broken `[0A`
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
