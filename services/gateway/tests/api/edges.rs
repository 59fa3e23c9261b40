//! The gateway's edges over raw TCP: what the listener does to a client that
//! sends its headers or body too slowly, sits idle, or arrives past the
//! connection cap, and the rate limits with their `Retry-After`. Timeouts
//! and rates are the test's own settings; each test awaits the close.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};
use switchboard_gateway::config::EdgeSettings;
use switchboard_testkit::eventually;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::helpers::{OPERATOR, TestApp, code, spawn_app_with};

/// Longer than any close the tests wait for.
const WAIT: Duration = Duration::from_secs(5);

async fn dial(app: &TestApp) -> TcpStream {
    let addr = app.base.trim_start_matches("http://");
    TcpStream::connect(addr)
        .await
        .expect("the listener accepts")
}

/// Reads until the server closes the connection (a reset counts: the
/// server may drop a socket with bytes still unread); returns what came.
async fn until_closed(tcp: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("the server closes the connection within 5 s");
        match read {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&seen).into_owned(),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one complete response (headers and a `Content-Length` body).
async fn response(tcp: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("a response within 5 s")
            .expect("read");
        assert!(n > 0, "closed before a whole response: {text}");
        seen.extend_from_slice(&buf[..n]);
    }
}

fn edge(
    adjust: impl FnOnce(&mut EdgeSettings),
) -> impl FnOnce(&mut switchboard_gateway::config::GatewayConfig) {
    move |config| adjust(&mut config.edge)
}

#[tokio::test]
async fn a_client_dribbling_its_headers_is_cut_off_at_the_header_timeout() {
    let timeout = Duration::from_millis(400);
    let app = spawn_app_with(edge(|e| e.header_timeout = timeout)).await;
    let mut tcp = dial(&app).await;
    let started = Instant::now();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A header line now and then: each is progress, none finishes the head.
    let (mut reading, mut writing) = tcp.into_split();
    let dribble = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            tick.tick().await;
            if writing.write_all(b"X-Pad: a\r\n").await.is_err() {
                return;
            }
        }
    });
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(WAIT, reading.read(&mut buf))
        .await
        .expect("closed within 5 s");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "nothing is answered: {read:?}"
    );
    let elapsed = started.elapsed();
    dribble.abort();
    assert!(
        elapsed >= timeout,
        "closed after {elapsed:?}, before the timeout"
    );
}

#[tokio::test]
async fn a_connection_that_never_sends_a_request_is_closed_at_the_header_timeout() {
    let timeout = Duration::from_millis(300);
    let app = spawn_app_with(edge(|e| e.header_timeout = timeout)).await;
    let mut tcp = dial(&app).await;
    let started = Instant::now();
    tcp.write_all(b"GET /healthz HT").await.unwrap();
    assert_eq!(until_closed(&mut tcp).await, "");
    assert!(started.elapsed() >= timeout);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_lives_past_the_header_timeout_until_the_idle_timeout() {
    let (header, idle) = (Duration::from_millis(200), Duration::from_millis(1200));
    let app = spawn_app_with(edge(|e| {
        e.header_timeout = header;
        e.idle_timeout = idle;
    }))
    .await;
    let mut tcp = dial(&app).await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    tcp.write_all(request).await.unwrap();
    assert!(response(&mut tcp).await.starts_with("HTTP/1.1 200"));
    let answered = Instant::now();
    assert_eq!(until_closed(&mut tcp).await, "");
    let idled = answered.elapsed();
    assert!(
        idled >= idle - Duration::from_millis(100),
        "closed after {idled:?}: the idle timeout is {idle:?}, not the header timeout"
    );
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408_and_the_connection_closed() {
    let timeout = Duration::from_millis(500);
    let app = spawn_app_with(edge(|e| e.body_timeout = timeout)).await;
    let mut tcp = dial(&app).await;
    let started = Instant::now();
    let head = format!(
        "POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OPERATOR}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let answer = until_closed(&mut tcp).await;
    assert!(
        started.elapsed() >= timeout,
        "answered before the body timeout"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body: Value = serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(code(&body), "invalid");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("body"),
        "{body}"
    );
}

#[tokio::test]
async fn past_the_connection_cap_the_next_connection_waits_until_one_closes() {
    let app = spawn_app_with(edge(|e| e.max_connections = 2)).await;
    let open = app.state.counters.http_connections.clone();
    let first = dial(&app).await;
    let _second = dial(&app).await;
    eventually("both connections accepted", WAIT, || async {
        (open.get() == 2).then_some(())
    })
    .await;

    let mut third = dial(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // Held in the listen backlog: not served while both slots are taken.
    let mut buf = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), third.peek(&mut buf)).await;
    assert!(early.is_err(), "served past the cap: {early:?}");
    assert_eq!(open.get(), 2);

    drop(first);
    assert!(response(&mut third).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn unauthenticated_routes_are_limited_per_client_address_with_retry_after() {
    let app = spawn_app_with(|config| config.address_requests_per_second = 1).await;
    let get = |path: &'static str| {
        let request = app.http.get(format!("{}{path}", app.base));
        async move { request.send().await.expect("the gateway answers") }
    };
    // A burst of two, then the script, the support page and both socket
    // upgrades are all refused: one budget per address.
    assert_eq!(get("/widget.js").await.status(), StatusCode::OK);
    assert_eq!(get("/support/nope").await.status(), StatusCode::NOT_FOUND);
    for path in [
        "/widget.js",
        "/support/nope",
        "/ws/customer?widget=x",
        "/ws/agent",
    ] {
        let refused = get(path).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        let wait: u64 = refused.headers()[RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&wait), "{path}: Retry-After {wait}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(code(&body), "rate_limited", "{path}");
    }
    // Authenticated API routes spend other budgets.
    let (status, _) = app
        .send(
            "POST",
            "/api/v1/tenants",
            Some(OPERATOR),
            Some(json!({"name": "Acme", "edition": "standard"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn behind_a_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_app_with(|config| {
        config.address_requests_per_second = 1;
        config.proxy_hops = 1;
    })
    .await;
    let get = |client: &'static str| {
        let request = app
            .http
            .get(format!("{}/widget.js", app.base))
            // What the client claims, then what the proxy saw.
            .header("x-forwarded-for", format!("10.9.9.9, {client}"));
        async move { request.send().await.unwrap().status() }
    };
    for _ in 0..2 {
        assert_eq!(get("203.0.113.1").await, StatusCode::OK);
    }
    assert_eq!(get("203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(get("203.0.113.2").await, StatusCode::OK);
}

#[tokio::test]
async fn an_agent_flooding_the_api_does_not_rate_limit_the_admins() {
    let app = spawn_app_with(|config| config.api_requests_per_second = 5).await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (_, agent) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let flood = (0..30).map(|_| {
        let request = app
            .http
            .get(format!(
                "{}/api/v1/tenants/{}/work-items",
                app.base, tenant.id
            ))
            .bearer_auth(&agent);
        async move { request.send().await.unwrap() }
    });
    let answers = futures::future::join_all(flood).await;
    let refused: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(!refused.is_empty(), "the agent is limited");
    assert!(
        refused
            .iter()
            .all(|r| r.headers().contains_key(RETRY_AFTER)),
        "every 429 says when to retry"
    );
    let (status, body) = app
        .admin(&tenant, "GET", "/chat-settings", Value::Null)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the admins have their own budget: {body}"
    );
}
