//! The agent console (`/console`): one HTML page, its stylesheet and its ES
//! modules, compiled in from the workspace's `web/` folder. The page signs
//! in with an agent token and talks to `GET /ws/agent`; nothing here needs
//! the gateway's state.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

/// One file of the console: where it is served, its type, its text.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "application/javascript; charset=utf-8";

/// Every console file. The modules import each other by these paths
/// (`./console-ui.js` from `/console.js`), so they all sit at the root.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/console",
        content_type: HTML,
        body: include_str!("../../../../web/console.html"),
    },
    Asset {
        path: "/console.css",
        content_type: CSS,
        body: include_str!("../../../../web/console.css"),
    },
    Asset {
        path: "/console.js",
        content_type: JS,
        body: include_str!("../../../../web/console.js"),
    },
    Asset {
        path: "/console-ui.js",
        content_type: JS,
        body: include_str!("../../../../web/console-ui.js"),
    },
    Asset {
        path: "/console-ws.js",
        content_type: JS,
        body: include_str!("../../../../web/console-ws.js"),
    },
    Asset {
        path: "/console-convs.js",
        content_type: JS,
        body: include_str!("../../../../web/console-convs.js"),
    },
    Asset {
        path: "/console-work.js",
        content_type: JS,
        body: include_str!("../../../../web/console-work.js"),
    },
];

pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/favicon.ico", get(no_icon));
    for asset in ASSETS {
        let (content_type, body) = (asset.content_type, asset.body);
        router = router.route(
            asset.path,
            get(move || async move {
                (
                    // The console holds a bearer token: its own files only,
                    // never in a frame, no referrer.
                    super::policy::page_headers(&super::policy::CONSOLE),
                    [
                        (header::CONTENT_TYPE, content_type),
                        // Served from the binary: revalidate so an upgrade
                        // reaches open browsers on their next load.
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    body,
                )
            }),
        );
    }
    router
}

/// Browsers ask for `/favicon.ico` on every page; the pages have no icon,
/// and a 204 keeps that out of the console's error log.
async fn no_icon() -> impl IntoResponse {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "max-age=86400")],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_console_refers_to_is_served() {
        crate::web::assert_references_served(ASSETS, "/");
    }

    #[test]
    fn every_console_file_is_listed_as_a_page() {
        for asset in ASSETS {
            assert!(
                super::super::PAGES.contains(&("GET", asset.path)),
                "{} is missing from web::PAGES",
                asset.path
            );
        }
    }
}
