//! # Switchboard test kit
//!
//! Real parts for tests: a `nats-server` with JetStream in a fresh store per
//! test (or a cluster of them, on loopback or in network namespaces that can
//! be partitioned), a fresh PostgreSQL database per test (when the run
//! provides a server), free ports, and the paths of the built service binaries.
//!
//! | item | what |
//! |---|---|
//! | [`NatsServer`] | start, kill (SIGKILL), restart on the same port and store |
//! | [`NatsCluster`] | a JetStream cluster on loopback or in network namespaces: node URLs, kill / restart / isolate / heal a node, meta and stream leaders |
//! | [`postgres_database`] | a new empty database on the run's PostgreSQL |
//! | [`free_port`] | a port nobody listens on |
//! | [`service_bin`] | `target/<profile>/<name>` |
//! | [`eventually`] | poll an async condition until it holds or a deadline passes |
//! | [`fuzz`] | how many cases fuzz tests run (`SWITCHBOARD_FUZZ_CASES`), hostile-input generators |

mod cluster;
pub mod fuzz;
mod nats;
mod netns;
mod ports;
mod postgres;

pub use cluster::NatsCluster;
pub use nats::NatsServer;
pub use netns::require_netns;
pub use ports::free_port;
pub use postgres::{postgres_database, require_postgres};

use std::path::PathBuf;
use std::time::Duration;

/// The workspace root (the directory holding the top Cargo.toml).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The path of a built binary of this workspace: `SWITCHBOARD_BIN_DIR`, or the
/// directory of the running test executable's profile.
pub fn service_bin(name: &str) -> PathBuf {
    if let Ok(dir) = std::env::var("SWITCHBOARD_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/test-hash → target/debug
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target profile dir");
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` first (make test does)",
        path.display()
    );
    path
}

/// Polls `check` every 20 ms until it returns `Some`, or panics after `within`.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
