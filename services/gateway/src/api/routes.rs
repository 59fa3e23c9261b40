//! The route table: every route of the API once, with its handler.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};

use super::{
    admins, agents, ai_agents, ai_platforms, conversation_list, conversations, decisions,
    default_texts, experiences, identity_secret, live, openapi, spaces, tenants, webhooks, widgets,
    work_items,
};
use crate::state::AppState;

/// One served route.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub(super) handler: MethodRouter<AppState>,
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
        route(Method::GET, "/api/v1/tenants", tenants::list),
        route(Method::GET, "/api/v1/tenants/{tenant}", tenants::show),
        route(Method::PATCH, "/api/v1/tenants/{tenant}", tenants::update),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/admin-token",
            admins::reissue_first,
        ),
        route(Method::GET, "/api/v1/tenants/{tenant}/admins", admins::list),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/ai-platform-credentials",
            ai_platforms::issue,
        ),
        route(
            Method::DELETE,
            "/api/v1/tenants/{tenant}/ai-platform-credentials",
            ai_platforms::revoke,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/admins",
            admins::create,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/admins/{admin}",
            admins::update,
        ),
        route(
            Method::DELETE,
            "/api/v1/tenants/{tenant}/admins/{admin}",
            admins::delete,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/admins/{admin}/token",
            admins::reissue_token,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/identity-secret",
            identity_secret::rotate,
        ),
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
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/default-texts",
            default_texts::show,
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
        route(
            Method::DELETE,
            "/api/v1/tenants/{tenant}/spaces/{space}",
            spaces::delete,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/spaces/{space}/live",
            live::show,
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
            Method::DELETE,
            "/api/v1/tenants/{tenant}/agents/{agent}",
            agents::delete,
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
            Method::DELETE,
            "/api/v1/tenants/{tenant}/ai-agents/{ai_agent}",
            ai_agents::delete,
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
            Method::DELETE,
            "/api/v1/tenants/{tenant}/experiences/{experience}",
            experiences::delete,
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
            Method::DELETE,
            "/api/v1/tenants/{tenant}/experiences/{experience}/widgets/{widget}",
            widgets::delete,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/conversations",
            conversation_list::list,
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
            "/api/v1/tenants/{tenant}/conversations/{conversation}/decisions",
            decisions::list,
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
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/webhooks",
            webhooks::list,
        ),
        route(
            Method::POST,
            "/api/v1/tenants/{tenant}/webhooks",
            webhooks::create,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/webhooks/{webhook}",
            webhooks::show,
        ),
        route(
            Method::PATCH,
            "/api/v1/tenants/{tenant}/webhooks/{webhook}",
            webhooks::update,
        ),
        route(
            Method::DELETE,
            "/api/v1/tenants/{tenant}/webhooks/{webhook}",
            webhooks::delete,
        ),
        route(
            Method::GET,
            "/api/v1/tenants/{tenant}/webhooks/{webhook}/deliveries",
            webhooks::deliveries,
        ),
    ]
}
