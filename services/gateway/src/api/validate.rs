//! Field rules shared by the handlers. Each returns 422 `invalid` with a
//! message that starts with the field's name.

use switchboard_contracts::names::WireName;

use crate::error::ApiError;

/// Names: 1–100 characters after trimming.
pub const NAME_MAX: usize = 100;
/// Texts shown to customers (fallback message, next steps): like a message,
/// at most 4,000 characters.
pub const TEXT_MAX: usize = 4_000;

/// A trimmed, required text of `1..=max` characters without control
/// characters other than newlines and tabs.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    optional_text(field, trimmed, max)
}

/// A trimmed text of `0..=max` characters (empty means unset).
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters (got {length})"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A name: required, at most [`NAME_MAX`] characters, on one line.
pub fn name(field: &str, value: &str) -> Result<String, ApiError> {
    let name = required_text(field, value, NAME_MAX)?;
    if name.contains(['\n', '\r', '\t']) {
        return Err(ApiError::invalid(field, "must be a single line"));
    }
    Ok(name)
}

/// One of an enum's wire names.
pub fn wire<E: WireName>(field: &str, value: &str) -> Result<E, ApiError> {
    E::from_wire_name(value).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!(
                "`{}` is not one of {}",
                clip(value),
                E::wire_names().join(", ")
            ),
        )
    })
}

/// Input echoed into an error message, cut short.
pub fn clip(value: &str) -> String {
    let mut clipped: String = value.chars().take(64).collect();
    if clipped.len() < value.len() {
        clipped.push('…');
    }
    clipped
}

/// An origin as browsers send it: `scheme://host[:port]`, http or https, no
/// path, query or credentials. Returned lowercased (origins compare that way).
pub fn origin(field: &str, value: &str) -> Result<String, ApiError> {
    parse_origin(value).map_err(|why| {
        ApiError::invalid(field, format!("`{}` is not an origin: {why}", clip(value)))
    })
}

/// Schemes that name no page or app a widget could live in.
const NOT_APP_SCHEMES: &[&str] = &[
    "file",
    "ftp",
    "data",
    "blob",
    "javascript",
    "about",
    "mailto",
    "ws",
    "wss",
];

/// `scheme://host[:port]`: a website (`https://shop.example.com`) or the
/// origin a native app's webview reports for its pages (`capacitor://localhost`,
/// `ionic://localhost`, an app's own scheme), which browsers send in `Origin`
/// like any other.
fn parse_origin(value: &str) -> Result<String, &'static str> {
    let lower = value.trim().to_ascii_lowercase();
    let (scheme, rest) = lower
        .split_once("://")
        .ok_or("it must start with https:// (or an app's scheme, like capacitor://)")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || NOT_APP_SCHEMES.contains(&scheme) {
        return Err("it must start with https:// (or an app's scheme, like capacitor://)");
    }
    if rest.contains(['/', '?', '#']) {
        return Err("it must not have a path (write scheme://host[:port])");
    }
    if rest.contains('@') {
        return Err("it must not carry credentials");
    }
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal keeps its colons inside brackets.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err("the port must be a number from 1 to 65535");
    }
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    if !host_ok {
        return Err("the host is not valid");
    }
    Ok(lower)
}

/// The longest URL accepted.
pub const URL_MAX: usize = 2_000;

/// A page on the tenant's own site that signs customers in: an absolute
/// https URL, or http on this machine (`localhost`, `127.0.0.1`, `[::1]`)
/// for development. No credentials and no fragment: the customer comes back
/// with their token in a fragment of the return address, and a fragment here
/// would only be lost. The scheme and host are lowercased.
pub fn sign_in_url(field: &str, value: &str) -> Result<String, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            field,
            format!("`{}` is not a usable sign-in URL: {why}", clip(value)),
        )
    };
    let value = value.trim();
    if value.chars().count() > URL_MAX {
        return Err(bad("it is longer than 2000 characters"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it must not contain spaces or control characters"));
    }
    if value.contains('#') {
        return Err(bad("it must not have a fragment (#...)"));
    }
    let (scheme, rest) = value
        .split_once("://")
        .ok_or_else(|| bad("it must start with https://"))?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let origin = parse_origin(&format!("{scheme}://{authority}")).map_err(&bad)?;
    let host = origin.split_once("://").map_or("", |(_, h)| h);
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| !port.contains(']'))
        .map_or(host, |(h, _)| h);
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    if origin.starts_with("http://") && !local {
        return Err(bad(
            "it must use https (http is allowed only on localhost or 127.0.0.1)",
        ));
    }
    Ok(format!("{origin}{path}"))
}

/// The length bounds of a native app's id.
pub const APP_ID_LENGTH: std::ops::RangeInclusive<usize> = 3..=100;

/// A native app's id as its platform names it (`com.example.support`, an
/// Android application id or an iOS bundle id): 3–100 characters of
/// `a-z 0-9 . - _`. Returned lowercased, as apps compare without case.
pub fn app_id(field: &str, value: &str) -> Result<String, ApiError> {
    let id = value.trim().to_ascii_lowercase();
    let length = id.chars().count();
    if !APP_ID_LENGTH.contains(&length) {
        return Err(ApiError::invalid(
            field,
            format!(
                "`{}` is not an app id: it must be {} to {} characters, like com.example.support",
                clip(value),
                APP_ID_LENGTH.start(),
                APP_ID_LENGTH.end()
            ),
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        return Err(ApiError::invalid(
            field,
            format!(
                "`{}` is not an app id: only letters a-z, digits, dots, hyphens and underscores, \
                 like com.example.support",
                clip(value)
            ),
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_are_lowercased_and_bounded() {
        assert_eq!(
            app_id("a", " Com.Example.Support ").unwrap(),
            "com.example.support"
        );
        assert_eq!(app_id("a", "my-app_2.ios").unwrap(), "my-app_2.ios");
        assert_eq!(app_id("a", "abc").unwrap(), "abc");
        for bad in [
            "",
            "ab",
            "com.example/app",
            "com example",
            "é.app",
            &"a".repeat(101),
        ] {
            let error = app_id("allowed_apps[0]", bad).unwrap_err();
            assert_eq!(error.code(), "invalid", "{bad}");
            assert!(error.message().starts_with("allowed_apps[0]"), "{bad}");
        }
    }

    #[test]
    fn origins_are_scheme_host_and_optional_port() {
        assert_eq!(
            origin("o", "https://Shop.Example.com").unwrap(),
            "https://shop.example.com"
        );
        assert!(origin("o", "http://localhost:3000").is_ok());
        assert!(origin("o", "http://[::1]:8080").is_ok());
        assert!(origin("o", "http://127.0.0.1").is_ok());
    }

    #[test]
    fn a_native_apps_webview_origin_is_an_origin_too() {
        assert_eq!(
            origin("o", "Capacitor://localhost").unwrap(),
            "capacitor://localhost"
        );
        assert!(origin("o", "ionic://localhost").is_ok());
        assert!(origin("o", "com.example.shop://app").is_ok());
    }

    #[test]
    fn things_that_are_not_origins_are_refused_naming_the_field() {
        for bad in [
            "https://shop.example.com/",
            "https://shop.example.com/path",
            "shop.example.com",
            "ftp://shop.example.com",
            "file://localhost",
            "javascript://x",
            "1app://x",
            "https://",
            "https://a:b@shop.example.com",
            "https://shop.example.com:99999",
            "https://shop..example.com",
            "*",
        ] {
            let error = origin("allowed_origins[0]", bad).unwrap_err();
            assert!(
                error.message().starts_with("allowed_origins[0]:"),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn a_sign_in_url_is_https_or_http_on_this_machine() {
        assert_eq!(
            sign_in_url("sign_in_url", " HTTPS://Shop.Example.com/sign-in?x=1 ").unwrap(),
            "https://shop.example.com/sign-in?x=1"
        );
        assert!(sign_in_url("u", "http://localhost:3000/login").is_ok());
        assert!(sign_in_url("u", "http://127.0.0.1/login").is_ok());
        assert!(sign_in_url("u", "https://shop.example.com").is_ok());
        for bad in [
            "http://shop.example.com/login",
            "ftp://shop.example.com/login",
            "shop.example.com/login",
            "https://user:pw@shop.example.com/",
            "https://shop.example.com/login#top",
            "https://shop example.com/",
            "javascript:alert(1)",
            "https:///login",
        ] {
            let error = sign_in_url("sign_in_url", bad).unwrap_err();
            assert!(
                error.message().starts_with("sign_in_url:"),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  Help desk ").unwrap(), "Help desk");
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(101)).is_err());
        assert!(name("name", "two\nlines").is_err());
    }
}
