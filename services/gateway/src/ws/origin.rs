//! `Origin` checks before a customer socket is upgraded.
//!
//! Embed widgets list the sites allowed to host them; a browser always sends
//! `Origin` on a WebSocket handshake, so a missing or unlisted origin is
//! refused. Origins compare exactly, except that scheme and host are
//! case-insensitive and a default port (`:443` for https, `:80` for http)
//! equals no port, as browsers omit it.
//!
//! A native app with its own chat screen is not a browser and sends no
//! `Origin`; it names itself instead (`app=com.example.support`), and an
//! embed widget lets it in when it lists that app. An app id is an
//! identifier, not a secret: any non-browser client can send any `Origin`
//! too. The check protects a site's widget from other sites' pages in
//! browsers, which always send `Origin` and cannot leave it out.
//!
//! Support-site widgets are served by this gateway's own page. When the
//! browser sends `Origin`, it must be this gateway: either the configured
//! public origin or the origin the request was addressed to (its `Host`),
//! which keeps `localhost` and `127.0.0.1` both working in development.
//! Without `Origin` (a non-browser client) the socket is allowed: nothing a
//! browser holds (no cookies are used) can be abused that way.

/// An origin in comparable form (`scheme://host[:port]`, lowercase, no
/// default port), or `None` when the text is not an origin.
pub fn normalize(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, authority) = origin.split_once("://")?;
    if scheme.is_empty() || authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let authority = match scheme {
        "https" => authority.strip_suffix(":443").unwrap_or(authority),
        "http" => authority.strip_suffix(":80").unwrap_or(authority),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

/// True when an embed widget with `allowed` origins may be used from `origin`.
pub fn embed_allows(allowed: &[String], origin: Option<&str>) -> bool {
    let Some(origin) = origin.and_then(normalize) else {
        return false;
    };
    allowed
        .iter()
        .filter_map(|a| normalize(a))
        .any(|a| a == origin)
}

/// True when an embed widget with `allowed` apps may be used by a client
/// without `Origin` that names `app`. App ids compare without case.
pub fn embed_allows_app(allowed: &[String], app: Option<&str>) -> bool {
    let Some(app) = app.map(str::trim).filter(|a| !a.is_empty()) else {
        return false;
    };
    allowed.iter().any(|a| a.eq_ignore_ascii_case(app))
}

/// True when a support-site widget may be used from `origin`; `public_url`
/// is this gateway's public origin and `host` the request's `Host` header.
pub fn support_site_allows(origin: Option<&str>, public_url: &str, host: Option<&str>) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let Some(origin) = normalize(origin) else {
        return false;
    };
    if normalize(public_url).is_some_and(|public| public == origin) {
        return true;
    }
    let Some(host) = host.map(|h| h.trim().to_ascii_lowercase()) else {
        return false;
    };
    // Same-origin as the request itself, whatever the scheme in front of a proxy.
    ["http", "https"]
        .iter()
        .filter_map(|scheme| normalize(&format!("{scheme}://{host}")))
        .any(|candidate| candidate == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_embed_widget_accepts_a_listed_origin_whatever_the_case_of_scheme_and_host() {
        let list = allowed(&["https://Shop.Example.com"]);
        assert!(embed_allows(&list, Some("HTTPS://shop.example.com")));
        assert!(embed_allows(&list, Some("https://shop.example.com:443")));
    }

    #[test]
    fn an_embed_widget_accepts_a_listed_app_webview_origin() {
        let list = allowed(&["capacitor://localhost"]);
        assert!(embed_allows(&list, Some("capacitor://localhost")));
        assert!(!embed_allows(&list, Some("ionic://localhost")));
    }

    #[test]
    fn an_embed_widget_refuses_a_missing_unlisted_or_null_origin() {
        let list = allowed(&["https://shop.example.com"]);
        assert!(!embed_allows(&list, None));
        assert!(!embed_allows(&list, Some("https://evil.example.com")));
        assert!(!embed_allows(&list, Some("http://shop.example.com")));
        assert!(!embed_allows(&list, Some("https://shop.example.com:8443")));
        assert!(!embed_allows(&list, Some("null")));
    }

    #[test]
    fn an_embed_widget_accepts_a_listed_app_and_nothing_else_without_origin() {
        let list = allowed(&["com.example.support"]);
        assert!(embed_allows_app(&list, Some("com.example.support")));
        assert!(embed_allows_app(&list, Some("Com.Example.Support")));
        assert!(!embed_allows_app(&list, Some("com.example.other")));
        assert!(!embed_allows_app(&list, Some("")));
        assert!(!embed_allows_app(&list, None));
        assert!(!embed_allows_app(&[], Some("com.example.support")));
    }

    #[test]
    fn a_support_site_widget_accepts_its_own_origin_or_no_origin() {
        let public = "http://127.0.0.1:8080";
        assert!(support_site_allows(None, public, None));
        assert!(support_site_allows(
            Some("http://127.0.0.1:8080"),
            public,
            None
        ));
        assert!(support_site_allows(
            Some("http://localhost:8080"),
            public,
            Some("localhost:8080")
        ));
    }

    #[test]
    fn a_support_site_widget_refuses_a_foreign_origin() {
        let public = "http://127.0.0.1:8080";
        assert!(!support_site_allows(
            Some("https://evil.example.com"),
            public,
            Some("127.0.0.1:8080")
        ));
    }
}
