//! The HTTP API under `/api/v1` (CONTRACT.md §2) and its OpenAPI document.
//!
//! Every route is listed once, in [`table`]: the router is built from it and
//! [`registered`] reads it back, so a test can hold the OpenAPI document to
//! exactly the routes served.
//!
//! | module | what |
//! |---|---|
//! | [`extract`] | strict JSON bodies, the operator, tenant-admin and tenant-member callers |
//! | [`validate`] | field rules (names, texts, origins, enum names) |
//! | [`render`] | the contract's JSON shapes, [`render::message_json`] included |
//! | [`tenants`] | tenants (operator) and chat settings |
//! | [`spaces`], [`ai_agents`], [`experiences`], [`widgets`] | a tenant's configuration |
//! | [`experience_rules`] | support mode, edition, AI agent and space rules |
//! | [`agents`] | human agents, their spaces and tokens |
//! | [`conversations`] | conversations and transcripts, read over the bus |
//! | [`work_items`] | work items, read and moved on over the bus |
//! | [`rate_limit`] | the per-tenant token bucket |

pub mod agents;
pub mod ai_agents;
pub mod conversations;
pub mod experience_rules;
pub mod experiences;
pub mod extract;
pub mod rate_limit;
pub mod render;
pub mod spaces;
pub mod tenants;
pub mod validate;
pub mod widgets;
pub mod work_items;

use std::collections::BTreeMap;
use std::sync::Arc;
use switchboard_contracts::error_codes::ErrorCode;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, any};
use axum::{Extension, Router};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Request bodies larger than this are refused with 413 `invalid`.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The OpenAPI 3.1 document of every route in [`table`].
pub const OPENAPI: &str = include_str!("openapi.json");

/// One served route.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
    Route {
        method,
        path,
        handler: axum::routing::on(filter, handler),
    }
}

/// Every route of the API.
pub fn table() -> Vec<Route> {
    vec![
        route(Method::GET, "/api/v1/openapi.json", openapi),
        route(Method::POST, "/api/v1/tenants", tenants::create),
        route(Method::GET, "/api/v1/tenants/{tenant}", tenants::show),
        route(Method::PATCH, "/api/v1/tenants/{tenant}", tenants::update),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/chat-settings",
            tenants::show_chat_settings,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/chat-settings",
            tenants::update_chat_settings,
        ),
        route(Method::GET, "/api/v1/tenants/{tenant}/spaces", spaces::list),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/spaces",
            spaces::create,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/spaces/{space}",
            spaces::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/spaces/{space}",
            spaces::update,
        ),
        route(Method::GET, "/api/v1/tenants/{tenant}/agents", agents::list),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/agents",
            agents::create,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/agents/{agent}",
            agents::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/agents/{agent}",
            agents::update,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/agents/{agent}/token",
            agents::rotate_token,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/ai-agents",
            ai_agents::list,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/ai-agents",
            ai_agents::create,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/ai-agents/{ai_agent}",
            ai_agents::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/ai-agents/{ai_agent}",
            ai_agents::update,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/experiences",
            experiences::list,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/experiences",
            experiences::create,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/experiences/{experience}",
            experiences::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/experiences/{experience}",
            experiences::update,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/experiences/{experience}/widgets",
            widgets::create,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/experiences/{experience}/widgets/{widget}",
            widgets::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/experiences/{experience}/widgets/{widget}",
            widgets::update,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/conversations/{conversation}",
            conversations::show,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/conversations/{conversation}/transcript",
            conversations::transcript,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/work-items",
            work_items::list,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/work-items/{work_item}",
            work_items::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/work-items/{work_item}",
            work_items::update,
        ),
    ]
}

/// The (method, path) of every route served, as in [`table`].
pub fn registered() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|r| (r.method, r.path)).collect()
}

/// The API's routes with the per-tenant rate limit and the body limit.
pub fn routes() -> Router<AppState> {
    let mut by_path: BTreeMap<&'static str, (Vec<Method>, MethodRouter<AppState>)> =
        BTreeMap::new();
    for route in table() {
        match by_path.remove(route.path) {
            Some((mut methods, handler)) => {
                methods.push(route.method);
                by_path.insert(route.path, (methods, handler.merge(route.handler)));
            }
            None => {
                by_path.insert(route.path, (vec![route.method], route.handler));
            }
        }
    }
    let mut router = Router::new();
    for (path, (methods, handler)) in by_path {
        let allow = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        router = router.route(
            path,
            handler.fallback(move |method: Method| method_not_allowed(method, allow.clone())),
        );
    }
    router
        .route("/api/v1/{*rest}", any(no_such_route))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(Extension(Arc::new(rate_limit::RateLimiter::default())))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn no_such_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, allow: String) -> impl IntoResponse {
    let body = json!({"error": {
        "code": ErrorCode::MethodNotAllowed.as_str(),
        "message": format!("{method} is not served here; use {allow}"),
    }});
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, allow)],
        axum::Json(body),
    )
}
