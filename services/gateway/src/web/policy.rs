//! The security headers of every page the gateway serves.
//!
//! Each page gets a Content-Security-Policy that allows only the gateway's
//! own files and API (no inline script or style, no eval, no other
//! origins), keeps it out of frames, and says nothing of where it was when
//! a customer follows a link: the support page, the agent console and the
//! admin console carry tokens, in their address or in memory, and an
//! injected string must find nothing it could send anywhere.
//!
//! `connect-src 'self'` covers the gateway's WebSockets too (CSP 3 matches
//! `ws:`/`wss:` of the page's own host). No page may be framed: the embed
//! widget is a script in the host page, not a frame, so it needs none of
//! this (the host page's own policy applies to it there).

use std::sync::LazyLock;

use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The parts every page's policy shares: nothing by default, the
/// gateway's own API and sockets, no `<base>`, forms only back here, never
/// in a frame.
const COMMON: &str = "default-src 'none'; connect-src 'self'; img-src 'self' data:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The agent console and the admin console: their own scripts and
/// stylesheets, nothing inline.
pub static CONSOLE: LazyLock<String> =
    LazyLock::new(|| format!("{COMMON}; script-src 'self'; style-src 'self'"));

/// The hosted support page: its own script and stylesheet, `/widget.js`,
/// and the widget's stylesheet by its hash (the widget adopts it as a
/// constructed stylesheet; browsers without those put it in a `<style>`).
pub static SUPPORT: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(super::widget::STYLES.as_bytes()));
    format!("{COMMON}; script-src 'self'; style-src 'self' 'sha256-{hash}'")
});

/// A page without script or style (the index, a not-found page).
pub const PLAIN: &str = "default-src 'none'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The headers of a page under `policy`.
pub fn page_headers(policy: &str) -> [(HeaderName, HeaderValue); 4] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(policy).expect("a policy is header text"),
        ),
        // Browsers that predate `frame-ancestors`.
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ]
}

/// The headers of a script or stylesheet: served as what it says it is.
pub fn asset_headers() -> [(HeaderName, HeaderValue); 1] {
    [(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_policy_allows_inline_script_eval_or_framing() {
        for policy in [CONSOLE.as_str(), SUPPORT.as_str(), PLAIN] {
            assert!(!policy.contains("unsafe-"), "{policy}");
            assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
            assert!(policy.starts_with("default-src 'none'"), "{policy}");
        }
        assert!(
            SUPPORT.contains("style-src 'self' 'sha256-"),
            "{}",
            *SUPPORT
        );
    }
}
