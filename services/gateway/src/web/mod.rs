//! The browser-facing files: the widget script (`/widget.js`), each
//! support-site widget's hosted page (`/support/{widget_id}`), the agent
//! console ([`console`]), the admin console ([`admin`]) and a small index
//! page. The files live in the
//! workspace's `web/` folder and are compiled in, so the gateway binary is
//! all a deployment needs. Every page carries the security headers of
//! [`policy`]; the widget's files go out gzipped with an `ETag`
//! ([`assets`]).

pub mod admin;
pub mod assets;
pub mod console;
pub mod policy;
mod widget;

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::WidgetId;
use switchboard_contracts::v1::{Experience, Widget, WidgetKind};

use crate::api::rate_limit::ClientAddress;
use crate::state::AppState;
use assets::StaticFile;

const SUPPORT_HTML: &str = include_str!("../../../../web/support.html");
const SUPPORT_CSS: &str = include_str!("../../../../web/support.css");
const SUPPORT_JS: &str = include_str!("../../../../web/support.js");
const JS: &str = "application/javascript; charset=utf-8";

/// Sites embed the script by a fixed URL: browsers and proxies may keep it
/// five minutes, then revalidate (a 304 by its `ETag`), so a fix reaches
/// every site within minutes of an upgrade.
pub const WIDGET_CACHE: &str = "public, max-age=300";
static WIDGET_FILE: LazyLock<StaticFile> =
    LazyLock::new(|| StaticFile::new(JS, WIDGET_CACHE, &widget::SCRIPT));
// The support page's own files go with its page, which is never cached:
// revalidated every time, answered by a 304 while unchanged.
static SUPPORT_CSS_FILE: LazyLock<StaticFile> =
    LazyLock::new(|| StaticFile::new("text/css; charset=utf-8", "no-cache", SUPPORT_CSS));
static SUPPORT_JS_FILE: LazyLock<StaticFile> =
    LazyLock::new(|| StaticFile::new(JS, "no-cache", SUPPORT_JS));

/// The (method, path) of every page served here.
pub const PAGES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/widget.js"),
    ("GET", "/support/{widget}"),
    ("GET", "/support.css"),
    ("GET", "/support.js"),
    ("GET", "/console"),
    ("GET", "/console.css"),
    ("GET", "/console.js"),
    ("GET", "/console-ui.js"),
    ("GET", "/console-ws.js"),
    ("GET", "/console-convs.js"),
    ("GET", "/console-work.js"),
    ("GET", "/favicon.ico"),
    ("GET", "/admin"),
    ("GET", "/admin/{file}"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/widget.js", get(widget_js))
        .route("/support/{widget}", get(support_page))
        .route(
            "/support.css",
            get(|headers: HeaderMap| async move { SUPPORT_CSS_FILE.respond(&headers) }),
        )
        .route(
            "/support.js",
            get(|headers: HeaderMap| async move { SUPPORT_JS_FILE.respond(&headers) }),
        )
        .merge(console::routes())
        .merge(admin::routes())
}

/// The script, and the support page below, are limited per client address
/// ([`ClientAddress`]): they are what a stranger's flood would hit first.
async fn widget_js(_client: ClientAddress, headers: HeaderMap) -> Response {
    WIDGET_FILE.respond(&headers)
}

async fn index() -> impl IntoResponse {
    html(
        StatusCode::OK,
        policy::PLAIN,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Switchboard</title></head><body>\
         <h1>Switchboard</h1>\
         <p>Customer-service chat. The HTTP API is described by its \
         <a href=\"/api/v1/openapi.json\">OpenAPI document</a>; \
         the chat widget is <a href=\"/widget.js\">/widget.js</a>; \
         agents work in the <a href=\"/console\">agent console</a>; \
         admins set everything up in the <a href=\"/admin\">admin console</a>.</p>\
         </body></html>\n"
            .to_owned(),
    )
}

/// The hosted support page of a `support_site` widget.
async fn support_page(
    _client: ClientAddress,
    State(state): State<AppState>,
    Path(widget): Path<String>,
) -> Response {
    match support_experience(&state, &widget).await {
        Some((widget, experience)) => html(
            StatusCode::OK,
            &policy::SUPPORT,
            render_support(&widget, &experience.name),
        ),
        None => html(StatusCode::NOT_FOUND, policy::PLAIN, not_found_page()),
    }
}

/// The widget and its experience, when `raw_id` names a support-site widget.
async fn support_experience(state: &AppState, raw_id: &str) -> Option<(String, Experience)> {
    let id: WidgetId = raw_id.parse().ok()?;
    let cache = &state.config_cache;
    let widget = cache
        .get_or_fetch::<Widget>(&keys::widget(id))
        .await
        .inspect_err(|error| tracing::warn!(%error, "support page: widget lookup failed"))
        .ok()??;
    if widget.kind() != WidgetKind::SupportSite {
        return None;
    }
    let experience = cache
        .get_or_fetch::<Experience>(&keys::experience(&widget.experience))
        .await
        .ok()??;
    (experience.tenant == widget.tenant).then(|| (id.to_string(), experience))
}

/// Fills the template. The widget id is a canonical UUID, so only the name
/// needs escaping; it is filled in last so a name containing a placeholder
/// stays literal text.
pub fn render_support(widget_id: &str, experience_name: &str) -> String {
    SUPPORT_HTML
        .replace("{{WIDGET_ID}}", widget_id)
        .replace("{{EXPERIENCE_NAME}}", &escape_html(experience_name))
}

fn not_found_page() -> String {
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
     <title>Support page not found</title></head><body>\
     <h1>Support page not found</h1>\
     <p>This link does not lead to a support page. Check the address, or \
     ask the site that gave it to you for a new one.</p></body></html>\n"
        .to_owned()
}

fn html(status: StatusCode, policy: &str, body: String) -> Response {
    (
        status,
        policy::page_headers(policy),
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Escapes text for HTML text and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Fails when a page or module of `assets` refers to a file that is not
/// among them: `from './x.js'` in modules (relative to `module_dir`),
/// `src="/x"` and `href="/x"` in pages.
#[cfg(test)]
pub(crate) fn assert_references_served(assets: &[console::Asset], module_dir: &str) {
    let served: Vec<&str> = assets.iter().map(|a| a.path).collect();
    for asset in assets {
        for (marker, end, prefix) in [
            ("from './", '\'', module_dir),
            ("src=\"/", '"', "/"),
            ("href=\"/", '"', "/"),
        ] {
            for piece in asset.body.split(marker).skip(1) {
                if let Some((name, _)) = piece.split_once(end) {
                    let path = format!("{prefix}{name}");
                    assert!(
                        served.contains(&path.as_str()),
                        "{} refers to {path}, which is not served",
                        asset.path
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    /// Fails when a page has inline script, inline style or an inline
    /// event handler: its policy would block them.
    pub(crate) fn assert_nothing_inline(path: &str, page: &str) {
        for piece in page.split("<script").skip(1) {
            let tag = piece.split('>').next().unwrap_or_default();
            assert!(tag.contains("src="), "{path} has an inline script");
        }
        assert!(!page.contains("<style"), "{path} has an inline stylesheet");
        assert!(!page.contains("style=\""), "{path} has an inline style");
        let handler = page.split(" on").skip(1).any(|rest| {
            let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        });
        assert!(!handler, "{path} has an inline event handler");
    }

    #[test]
    fn the_support_page_and_the_console_have_nothing_inline_their_policy_would_block() {
        assert_nothing_inline("/support/{widget}", SUPPORT_HTML);
        for asset in console::ASSETS.iter().chain(admin::ASSETS) {
            if asset.content_type.starts_with("text/html") {
                assert_nothing_inline(asset.path, asset.body);
            }
        }
        let page = render_support("w-1", "Help");
        assert!(page.contains("src=\"/support.js\"") && page.contains("href=\"/support.css\""));
    }

    #[test]
    fn a_name_that_looks_like_a_placeholder_stays_text() {
        let page = render_support("w-1", "{{WIDGET_ID}} <script>");
        assert!(page.contains("{{WIDGET_ID}} &lt;script&gt;"));
        assert!(!page.contains("{{EXPERIENCE_NAME}}"));
    }
}
