//! The admin console (`/admin`): one HTML page, its stylesheet and its ES
//! modules under `/admin/`, compiled in from the workspace's `web/admin/`
//! folder. The page works only through the public HTTP API with an admin
//! token (CONTRACT.md §2), so nothing here needs the gateway's state.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;
use crate::web::console::Asset;

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "application/javascript; charset=utf-8";

macro_rules! module {
    ($name:literal) => {
        Asset {
            path: concat!("/admin/", $name),
            content_type: JS,
            body: include_str!(concat!("../../../../web/admin/", $name)),
        }
    };
}

/// Every console file. The modules import each other by relative paths
/// (`./api.js` from `/admin/app.js`), so they all sit under `/admin/`.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/admin",
        content_type: HTML,
        body: include_str!("../../../../web/admin/index.html"),
    },
    Asset {
        path: "/admin/admin.css",
        content_type: CSS,
        body: include_str!("../../../../web/admin/admin.css"),
    },
    module!("app.js"),
    module!("api.js"),
    module!("ui.js"),
    module!("experiences.js"),
    module!("widgets.js"),
    module!("team.js"),
    module!("ai-agents.js"),
    module!("site.js"),
    module!("activity.js"),
    module!("live.js"),
    module!("webhooks.js"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { serve("/admin") }))
        .route(
            "/admin/{file}",
            get(|Path(file): Path<String>| async move { serve(&format!("/admin/{file}")) }),
        )
}

fn serve(path: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Not found\n",
        )
            .into_response();
    };
    (
        // Only the console's own files and API calls: no inline script or
        // style, no framing. The page holds an admin token, so this limits
        // what an injected string could ever do with it.
        super::policy::page_headers(&super::policy::CONSOLE),
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            // Served from the binary: revalidate so an upgrade reaches open
            // browsers on their next load.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_admin_console_refers_to_is_served() {
        crate::web::assert_references_served(ASSETS, "/admin/");
    }

    #[test]
    fn the_pages_use_no_inline_script_or_style_the_policy_would_block() {
        for asset in ASSETS.iter().filter(|a| a.content_type == HTML) {
            assert!(!asset.body.contains("<script>"), "{}", asset.path);
            assert!(!asset.body.contains("style=\""), "{}", asset.path);
            let handler = asset.body.split(" on").skip(1).any(|rest| {
                let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
                !name.is_empty() && rest[name.len()..].starts_with('=')
            });
            assert!(!handler, "{} has an inline event handler", asset.path);
        }
    }

    #[test]
    fn an_unknown_file_is_not_found() {
        assert_eq!(serve("/admin/nope.js").status(), StatusCode::NOT_FOUND);
        assert_eq!(serve("/admin/app.js").status(), StatusCode::OK);
    }

    #[test]
    fn each_file_has_its_type_and_the_content_security_policy() {
        for asset in ASSETS {
            let response = serve(asset.path);
            let headers = response.headers();
            assert_eq!(headers[header::CONTENT_TYPE], asset.content_type);
            assert_eq!(
                headers[header::CONTENT_SECURITY_POLICY],
                super::super::policy::CONSOLE.as_str()
            );
            assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        }
    }
}
