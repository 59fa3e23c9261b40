//! Arize Phoenix, a real OpenTelemetry trace backend, for one test: it takes
//! OTLP over HTTP and gRPC and serves the spans back over REST. It is
//! installed into `.tools/phoenix` by `scripts/ensure-tools.sh --phoenix`
//! (`make test` does). When it is missing, a test that needs it is skipped
//! with a note, unless the run requires it (`CI=true`, or
//! `SWITCHBOARD_REQUIRE_PHOENIX=1` as `make test` sets): then it fails,
//! saying how to install it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use switchboard_testkit::{free_port, workspace_root};
use tokio::process::{Child, Command};

/// How long Phoenix may take to start: ~10 s on an idle machine, several
/// times that on a busy one.
const START_WITHIN: Duration = Duration::from_secs(180);

pub struct Phoenix {
    child: Child,
    http_port: u16,
    grpc_port: u16,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

/// Where Phoenix is installed: `SWITCHBOARD_PHOENIX_DIR`, else `.tools/phoenix`.
pub fn phoenix_dir() -> PathBuf {
    std::env::var("SWITCHBOARD_PHOENIX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".tools/phoenix"))
}

/// True when this run must exercise Phoenix.
pub fn require_phoenix() -> bool {
    let set = |name| matches!(std::env::var(name).as_deref(), Ok("1" | "true"));
    set("CI") || set("SWITCHBOARD_REQUIRE_PHOENIX")
}

impl Phoenix {
    /// Starts Phoenix on free loopback ports with a fresh store, without
    /// waiting for it ([`Phoenix::ready`] does). `None` when it is not
    /// installed and the run does not require it.
    pub fn spawn() -> Option<Self> {
        let dir = phoenix_dir();
        if !dir.join("phoenix/server/main.py").exists() {
            assert!(
                !require_phoenix(),
                "Arize Phoenix is not installed in {}: run `scripts/ensure-tools.sh --phoenix` \
                 (`make test` does)",
                dir.display()
            );
            eprintln!(
                "skipping: Arize Phoenix is not installed in {} (scripts/ensure-tools.sh --phoenix)",
                dir.display()
            );
            return None;
        }
        let store = tempfile::tempdir().expect("temp dir for Phoenix");
        let log = std::fs::File::create(store.path().join("phoenix.log")).expect("Phoenix log");
        let (http_port, grpc_port) = (free_port(), free_port());
        let child = Command::new("python3")
            .args(["-m", "phoenix.server.main", "serve"])
            .env("PYTHONPATH", &dir)
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", http_port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
            .env("PHOENIX_WORKING_DIR", store.path())
            .env("PHOENIX_TELEMETRY_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("Phoenix log"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start Phoenix with python3: {e}"));
        Some(Self {
            child,
            http_port,
            grpc_port,
            dir: store,
            http: reqwest::Client::new(),
        })
    }

    /// The OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT` for `http/protobuf`).
    pub fn otlp_http(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The OTLP/gRPC URL (`OTEL_EXPORTER_OTLP_ENDPOINT` for `grpc`).
    pub fn otlp_grpc(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// The web UI of one project.
    pub fn project_url(&self, project: &str) -> String {
        format!("{}/projects/{project}", self.otlp_http())
    }

    /// Waits until Phoenix answers; panics with its log when it exits or
    /// takes longer than [`START_WITHIN`].
    pub async fn ready(&mut self) {
        let url = format!("{}/healthz", self.otlp_http());
        let deadline = tokio::time::Instant::now() + START_WITHIN;
        loop {
            if let Ok(response) = self.http.get(&url).send().await
                && response.status().is_success()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Phoenix exited ({status}):\n{}", self.log_tail());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "Phoenix did not answer within {START_WITHIN:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every span Phoenix holds for `project` (none while it has none).
    pub async fn spans(&self, project: &str) -> Vec<Value> {
        let url = format!("{}/v1/projects/{project}/spans", self.otlp_http());
        let mut spans = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_url = match &cursor {
                None => format!("{url}?limit=1000"),
                Some(cursor) => format!("{url}?limit=1000&cursor={}", query_escape(cursor)),
            };
            let response = self
                .http
                .get(&page_url)
                .send()
                .await
                .expect("ask Phoenix for spans");
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return spans; // no span of the project has arrived yet
            }
            assert!(
                response.status().is_success(),
                "Phoenix answered {}",
                response.status()
            );
            let page: Value = response.json().await.expect("Phoenix spans are JSON");
            spans.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return spans,
            }
        }
    }

    /// The end of Phoenix's log, for a failure message.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("phoenix.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// `text` as one query value: everything but letters and digits escaped.
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
