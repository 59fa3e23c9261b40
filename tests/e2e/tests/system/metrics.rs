//! What operators watch (docs/operations.md, Metrics and readiness): every
//! service's `/metrics` on its health port after a chat through the real
//! services, read back as Prometheus parses it; and `/readyz` following NATS
//! down and back up.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use switchboard_e2e::admin::team_tenant;
use switchboard_e2e::system::{SERVICES, System};
use switchboard_testkit::eventually;

use super::live::{available_agent, expect_state, signed_in_customer, system};

const WAIT: Duration = Duration::from_secs(15);
/// What Prometheus 2.x sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// One exposition, as Prometheus's text parser reads it: a value per series
/// (`name{label="value",...}`, labels in the order written).
struct Scrape {
    text: String,
    series: HashMap<String, f64>,
}

impl Scrape {
    /// The classic text format, as `promtool` reads it.
    async fn of(system: &System, service: &str) -> Self {
        Self::negotiated(system, service, "text/plain").await
    }

    /// OpenMetrics, as Prometheus asks for it.
    async fn openmetrics(system: &System, service: &str) -> Self {
        Self::negotiated(system, service, PROMETHEUS_ACCEPT).await
    }

    async fn negotiated(system: &System, service: &str, accept: &str) -> Self {
        let url = format!("http://{}/metrics", system.health_addr(service));
        let response = reqwest::Client::new()
            .get(&url)
            .header("accept", accept)
            .send()
            .await
            .expect("scrape");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let openmetrics = accept.contains("openmetrics");
        let expected = if openmetrics {
            "application/openmetrics-text"
        } else {
            "text/plain; version=0.0.4"
        };
        assert!(content_type.starts_with(expected), "{content_type}");
        let text = response.text().await.unwrap();
        Self {
            series: parse(&text, openmetrics).unwrap_or_else(|e| panic!("{service}: {e}\n{text}")),
            text,
        }
    }

    fn value(&self, series: &str) -> Option<f64> {
        self.series.get(series).copied()
    }

    /// The sum over every series of `name` whose labels include `having`.
    fn sum(&self, name: &str, having: &str) -> f64 {
        self.series
            .iter()
            .filter(|(s, _)| s.split('{').next() == Some(name) && s.contains(having))
            .map(|(_, v)| v)
            .sum()
    }
}

/// The exposition rules a scraper relies on: `# HELP`/`# TYPE` before a
/// metric's samples, each sample `name{labels} value` with a number, the
/// samples of one metric together; OpenMetrics ends with `# EOF`, the
/// classic format has none and names a counter with its `_total`.
fn parse(text: &str, openmetrics: bool) -> Result<HashMap<String, f64>, String> {
    let mut series = HashMap::new();
    let mut typed: Option<String> = None;
    let mut seen_types = std::collections::HashSet::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "# EOF" {
            if !openmetrics {
                return Err("# EOF in the classic format".into());
            }
            return match lines.next() {
                None => Ok(series),
                Some(after) => Err(format!("`{after}` after # EOF")),
            };
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or(format!("bad TYPE: {line}"))?;
            if !["counter", "gauge", "histogram"].contains(&kind) {
                return Err(format!("unexpected type: {line}"));
            }
            if kind == "counter" && name.ends_with("_total") == openmetrics {
                return Err(format!("counter named against the format: {line}"));
            }
            if !seen_types.insert(name.to_owned()) {
                return Err(format!("{name} typed twice"));
            }
            typed = Some(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") || line.starts_with("# UNIT ") {
            continue;
        }
        let (key, value) = line.rsplit_once(' ').ok_or(format!("bad sample: {line}"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().map_err(|_| format!("bad value: {line}"))?,
        };
        let name = key.split('{').next().unwrap_or_default();
        let family = typed.as_deref().ok_or(format!("untyped sample: {line}"))?;
        if !name.starts_with(family) {
            return Err(format!("{line} is not a sample of {family}"));
        }
        if key.contains('{') && !key.ends_with('}') {
            return Err(format!("bad labels: {line}"));
        }
        if series.insert(key.to_owned(), value).is_some() {
            return Err(format!("{key} twice"));
        }
    }
    if openmetrics {
        Err("no # EOF".into())
    } else {
        Ok(series)
    }
}

/// `promtool check metrics` (Debian's prometheus package) on an
/// exposition, when `PROMTOOL` names it.
fn promtool_accepts(service: &str, text: &str) {
    let Ok(promtool) = std::env::var("PROMTOOL") else {
        return;
    };
    use std::io::Write;
    let mut child = std::process::Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {promtool}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool on {service}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_chat_every_service_exposes_its_metrics_on_its_health_port() {
    let system = system(&[("SWITCHBOARD_OFFER_TIMEOUT", "1s")]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let mut bob = available_agent(&system, &team, 1).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "cust-m").await;
    customer.send(json!({"type": "request_human"})).await;
    // The first agent offered lets it time out (a timer fires); the other accepts.
    let other = tokio::select! {
        _ = alice.expect("offer") => &mut bob,
        _ = bob.expect("offer") => &mut alice,
    };
    let offer = other.expect("offer").await;
    assert_eq!(offer["conversation"], conversation.as_str());
    other
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    other.expect("assigned").await;
    expect_state(&mut customer, "live").await;

    for service in SERVICES {
        let scrape = Scrape::of(&system, service).await;
        promtool_accepts(service, &scrape.text);
        let openmetrics = Scrape::openmetrics(&system, service).await;
        assert!(openmetrics.text.ends_with("# EOF\n"));
        assert!(
            scrape.sum("switchboard_messages_published_total", "")
                + scrape.sum("switchboard_messages_consumed_total", "")
                > 0.0,
            "{service} moved no message:\n{}",
            scrape.text
        );
    }

    let gateway = Scrape::of(&system, "gateway").await;
    assert_eq!(
        gateway.value("switchboard_gateway_sockets{kind=\"customer\"}"),
        Some(1.0)
    );
    assert_eq!(
        gateway.value("switchboard_gateway_sockets{kind=\"agent\"}"),
        Some(2.0)
    );
    // Routes by their template, never the raw path with its ids.
    let routes: Vec<&String> = gateway
        .series
        .keys()
        .filter(|s| s.starts_with("switchboard_gateway_http_requests_total{"))
        .collect();
    assert!(routes.iter().any(|s| s.contains("{tenant}")), "{routes:?}");
    assert!(
        !routes.iter().any(|s| s.contains(&team.ai.id)),
        "{routes:?}"
    );
    assert!(
        gateway.sum(
            "switchboard_gateway_http_request_duration_seconds_count",
            ""
        ) > 0.0
    );
    // The public port has no /metrics.
    let public = reqwest::get(format!("{}/metrics", system.gateway_url()))
        .await
        .unwrap();
    assert_eq!(public.status(), 404);

    // The router counts the offer that timed out and the one accepted once
    // both are performed; its queue is empty again.
    let router = eventually("the router's counts", WAIT, || async {
        let router = Scrape::of(&system, "router").await;
        (router.value("router_offers_total{outcome=\"accepted\"}") == Some(1.0)).then_some(router)
    })
    .await;
    assert_eq!(
        router.value("router_offers_total{outcome=\"timed_out\"}"),
        Some(1.0)
    );
    assert_eq!(router.value("router_assignments_total"), Some(1.0));
    assert_eq!(router.value("router_offers_made_total"), Some(2.0));
    assert!(router.sum("router_queue_length", "") == 0.0);
    assert!(
        router
            .series
            .keys()
            .any(|s| s.starts_with("router_queue_longest_wait_seconds{")),
        "{}",
        router.text
    );
    assert!(router.sum("switchboard_messages_consumed_total", "outcome=\"ack\"") > 0.0);
    assert!(
        router
            .series
            .keys()
            .any(|s| s.starts_with("switchboard_consumer_pending{")),
        "{}",
        router.text
    );

    let timer = Scrape::of(&system, "timer").await;
    assert!(
        timer.value("timer_lateness_seconds_count").unwrap_or(0.0) >= 1.0,
        "{}",
        timer.text
    );
    let transcript = Scrape::of(&system, "transcript").await;
    assert!(
        transcript.sum("switchboard_messages_consumed_total", "kind=\"sb.cmd.*.*\"") > 0.0,
        "{}",
        transcript.text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_fails_while_nats_is_down_and_recovers_when_it_returns() {
    let mut system = System::start().await;
    let client = reqwest::Client::new();
    let readyz = |service: &str| format!("http://{}/readyz", system.health_addr(service));
    let urls: Vec<(&str, String)> = SERVICES.iter().map(|s| (*s, readyz(s))).collect();
    let status = |url: String| {
        let client = client.clone();
        async move {
            let response = client.get(&url).send().await.expect("readyz answers");
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    for (_, url) in &urls {
        assert_eq!(status(url.clone()).await.0, 200);
    }

    system.kill("nats").await;
    for (service, url) in &urls {
        let body = eventually(&format!("{service} unready"), WAIT, || async {
            let (code, body) = status(url.clone()).await;
            (code == 503).then_some(body)
        })
        .await;
        assert!(body.contains("NATS"), "{service}: {body}");
    }

    system.restart("nats").await;
    for (service, url) in &urls {
        eventually(&format!("{service} ready again"), WAIT, || async {
            (status(url.clone()).await.0 == 200).then_some(())
        })
        .await;
    }
}

/// A TCP forwarder between the services and PostgreSQL that the test can cut
/// (open connections dropped, new ones closed at once) and restore: the
/// database becomes unreachable without stopping the server other tests use.
struct CuttableLink {
    addr: std::net::SocketAddr,
    open: tokio::sync::watch::Sender<bool>,
}

impl CuttableLink {
    async fn to(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (open, watch) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !*watch.borrow() {
                    continue; // dropped: closed at once
                }
                let upstream = upstream.clone();
                let mut cut = watch.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.wait_for(|open| !open) => {}
                    }
                });
            }
        });
        Self { addr, open }
    }

    fn set(&self, open: bool) {
        self.open.send_replace(open);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_fails_while_the_database_is_unreachable_and_recovers() {
    let Some(url) = switchboard_testkit::postgres_database().await else {
        return;
    };
    // postgres://user@host:port/db → the same through the link.
    let (scheme_user, rest) = url.rsplit_once('@').unwrap();
    let (host_port, database) = rest.split_once('/').unwrap();
    let link = CuttableLink::to(host_port.to_owned()).await;
    let through_link = format!("{scheme_user}@{}/{database}", link.addr);
    let system = System::start_with(Some(through_link), Vec::new()).await;
    let client = reqwest::Client::new();
    let status = |service: &str| {
        let url = format!("http://{}/readyz", system.health_addr(service));
        let client = client.clone();
        async move {
            let response = client.get(&url).send().await.expect("readyz answers");
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    for service in ["transcript", "work-item"] {
        assert_eq!(status(service).await.0, 200);
    }

    link.set(false);
    for service in ["transcript", "work-item"] {
        let body = eventually(&format!("{service} unready"), WAIT, || async {
            let (code, body) = status(service).await;
            (code == 503).then_some(body)
        })
        .await;
        assert!(body.contains("database"), "{service}: {body}");
    }
    assert_eq!(status("router").await.0, 200, "the router has no database");

    link.set(true);
    for service in ["transcript", "work-item"] {
        eventually(&format!("{service} ready again"), WAIT, || async {
            (status(service).await.0 == 200).then_some(())
        })
        .await;
    }
}
