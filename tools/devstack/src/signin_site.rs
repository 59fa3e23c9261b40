//! The demo tenant's own sign-in page: what a business's website does for the
//! hosted support site (SPEC §11). The widget sends an anonymous customer here
//! with `return_to`; the page asks for a name and an e-mail, signs an identity
//! JWT with the tenant's identity secret, and sends the customer back with the
//! token in the URL fragment (never the query string, so it stays out of
//! server logs). The gateway never sees this page: it only verifies the JWT.
//!
//! A real site would check a password first; the demo trusts what is typed.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use switchboard_gateway::auth::{IdentityClaims, sign_identity};
use tokio::net::TcpListener;

/// The fragment key the widget reads the returned token from.
const TOKEN_FRAGMENT_KEY: &str = "switchboard_token";
/// How long a demo identity token stays valid.
const TOKEN_LIFETIME_SECS: u64 = 3600;

/// What the page needs to sign customers in and send them back safely.
#[derive(Debug)]
struct Site {
    identity_secret: String,
    /// Only pages of this origin may be returned to (no open redirect).
    gateway: String,
}

/// Serves the sign-in page for as long as the launcher runs; returns its URL.
pub async fn start(addr: &str, identity_secret: String, gateway: String) -> anyhow::Result<String> {
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        // The default port may be taken (a second stack): any free one will do.
        Err(_) => TcpListener::bind("127.0.0.1:0")
            .await
            .context("bind the demo sign-in page")?,
    };
    let local: SocketAddr = listener.local_addr()?;
    let site = Arc::new(Site {
        identity_secret,
        gateway,
    });
    let app = axum::Router::new()
        .route("/sign-in", get(page).post(sign_in))
        .with_state(site);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("the demo sign-in page stopped: {error}");
        }
    });
    Ok(format!("http://{local}/sign-in"))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    return_to: String,
}

async fn page(State(site): State<Arc<Site>>, Query(query): Query<PageQuery>) -> Response {
    match site.return_address(&query.return_to) {
        Ok(return_to) => Html(form_html(return_to)).into_response(),
        Err(why) => (StatusCode::BAD_REQUEST, why).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    name: String,
    email: String,
    return_to: String,
}

async fn sign_in(State(site): State<Arc<Site>>, Form(form): Form<SignInForm>) -> Response {
    let return_to = match site.return_address(&form.return_to) {
        Ok(return_to) => return_to,
        Err(why) => return (StatusCode::BAD_REQUEST, why).into_response(),
    };
    let (name, email) = (form.name.trim(), form.email.trim().to_lowercase());
    if name.is_empty() || name.chars().any(char::is_control) || !looks_like_email(&email) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(form_html(return_to).replace(
                "<!--problem-->",
                "<p class=problem>Please enter your name and a valid e-mail address.</p>",
            )),
        )
            .into_response();
    }
    let token = sign_identity(
        &site.identity_secret,
        &IdentityClaims {
            sub: format!("demo:{email}"),
            name: Some(name.to_owned()),
            email: Some(email),
            exp: now_secs() + TOKEN_LIFETIME_SECS,
        },
    );
    let location = format!("{return_to}#{TOKEN_FRAGMENT_KEY}={token}");
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

impl Site {
    /// `return_to` without any fragment, if it is a page of the gateway.
    fn return_address<'a>(&self, return_to: &'a str) -> Result<&'a str, &'static str> {
        let page = return_to.split('#').next().unwrap_or_default();
        let inside = page
            .strip_prefix(self.gateway.as_str())
            .is_some_and(|path| path.starts_with('/'));
        if !inside || page.chars().any(|c| c.is_control() || c == '"' || c == '<') {
            return Err("return_to must be a page of this site's support center");
        }
        Ok(page)
    }
}

fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The page; `return_to` was checked by [`Site::return_address`] and holds no
/// quote or angle bracket, so it is safe in the attribute.
fn form_html(return_to: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Demo Co</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; background: #f4f6f9; color: #1b1f24; display: grid; place-items: center; min-height: 100vh; margin: 0; }}
form {{ background: #fff; padding: 28px 32px; border-radius: 12px; box-shadow: 0 2px 14px #0002; width: min(360px, 90vw); }}
h1 {{ margin: 0 0 4px; font-size: 20px; }} p {{ margin: 0 0 16px; color: #5b6570; }}
label {{ display: block; margin: 12px 0 4px; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px 10px; border: 1px solid #c9d0d8; border-radius: 8px; font: inherit; }}
button {{ margin-top: 18px; width: 100%; padding: 10px; border: 0; border-radius: 8px; background: #2f5bea; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }}
.problem {{ color: #b3261e; }}
</style></head>
<body><form method="post" action="/sign-in">
<h1>Sign in to Demo Co</h1>
<p>The demo trusts what you type: no password needed.</p>
<!--problem-->
<input type="hidden" name="return_to" value="{return_to}">
<label for="name">Name</label><input id="name" name="name" autocomplete="name" required value="Dana Demo">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="email" required value="dana@example.com">
<button type="submit" data-testid="demo-sign-in">Sign in and return to the chat</button>
</form></body></html>
"#
    )
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            identity_secret: "secret".into(),
            gateway: "http://127.0.0.1:8080".into(),
        }
    }

    #[test]
    fn a_page_of_the_gateway_is_a_valid_return_address_without_its_fragment() {
        assert_eq!(
            site().return_address("http://127.0.0.1:8080/support/w1#old"),
            Ok("http://127.0.0.1:8080/support/w1")
        );
    }

    #[test]
    fn another_origin_or_a_look_alike_host_is_refused() {
        for bad in [
            "https://evil.example/support/w1",
            "http://127.0.0.1:8080.evil.example/x",
            "http://127.0.0.1:80801/x",
            "http://127.0.0.1:8080/x\"><script>",
            "",
        ] {
            assert!(site().return_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn e_mail_addresses_need_one_at_and_a_dotted_domain() {
        assert!(looks_like_email("dana@example.com"));
        for bad in [
            "dana",
            "dana@",
            "@example.com",
            "a@b@c.com",
            "dana@example",
            "d ana@example.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
