//! The HTTP API under `/api/v1` (CONTRACT.md §2) and its OpenAPI document.
//!
//! Every route is listed once, in [`table`] ([`routes`]): the router is built from it and
//! [`registered`] reads it back, so a test can hold the OpenAPI document to
//! exactly the routes served.
//!
//! | module | what |
//! |---|---|
//! | [`extract`] | strict JSON bodies, the operator, site-admin and tenant-member callers |
//! | [`access`] | admin roles: what a site or experience admin may configure |
//! | [`admins`] | a tenant's admins, and reissuing the first site admin |
//! | [`credentials`] | minting, reissuing and revoking bearer tokens |
//! | [`validate`] | field rules (names, texts, origins, enum names) |
//! | [`render`] | the contract's JSON shapes, [`render::message_object`] included |
//! | [`tenants`] | tenants (operator) and chat settings |
//! | [`identity_secret`] | rotating the identity secret customers are signed in with |
//! | [`default_texts`] | the default customer texts, for the admin console |
//! | [`spaces`], [`ai_agents`], [`experiences`], [`widgets`] | a tenant's configuration |
//! | [`ai_handoff`] | an AI agent's handoff settings |
//! | [`ai_platforms`] | an external AI platform's NATS credentials (CONTRACT §4) |
//! | [`experience_rules`] | support mode, edition, AI agent and space rules |
//! | [`agents`] | human agents, their spaces and tokens |
//! | [`agent_emails`] | one agent per email address in a tenant, across gateways |
//! | [`email`] | what counts as an email address |
//! | [`conversation_list`] | the admin list of conversations, paged over the bus |
//! | [`conversations`] | conversations and transcripts, read over the bus |
//! | [`decisions`] | a conversation's routing decision record, read from `SB_AUDIT` |
//! | [`live`] | a space's live view: its queue and its agents, read from the router |
//! | [`work_items`] | work items, read and moved on over the bus |
//! | [`page`] | cursor pagination: `limit`, `cursor` and `{items, next_cursor}` on every list |
//! | [`webhooks`], [`webhook_fields`] | webhook subscriptions and their delivery log |
//! | [`rate_limit`] | token buckets per API caller and per client address |

pub mod access;
pub mod admin_fields;
pub mod admins;
pub mod agent_emails;
pub mod agents;
pub mod ai_agents;
pub mod ai_handoff;
pub mod ai_platforms;
pub mod conversation_list;
pub mod conversations;
pub mod credentials;
pub mod decisions;
pub mod default_texts;
pub mod email;
pub mod experience_fields;
pub mod experience_rules;
pub mod experiences;
pub mod extract;
#[cfg(test)]
mod fuzz_replies;
pub mod identity_secret;
pub mod live;
pub mod page;
pub mod rate_limit;
pub mod render;
pub mod routes;
pub mod spaces;
pub mod tenants;
pub mod validate;
pub mod webhook_fields;
pub mod webhooks;
pub mod widgets;
pub mod work_items;

use std::collections::BTreeMap;
use switchboard_contracts::error_codes::ErrorCode;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, any};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;
pub use routes::{Route, table};

/// Request bodies larger than this are refused with 413 `invalid`.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The OpenAPI 3.1 document of every route in [`table`].
pub const OPENAPI: &str = include_str!("openapi.json");

/// The (method, path) of every route served, as in [`table`].
pub fn registered() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|r| (r.method, r.path)).collect()
}

/// The API's routes with the body limit (the rate limits are the callers'
/// extractors': [`extract`], [`access`]).
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
