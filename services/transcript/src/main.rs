//! The transcript process: load config, start telemetry, run until Ctrl-C or
//! SIGTERM, drain, flush telemetry.

/// mimalloc: fewer cycles per message than glibc's malloc under load,
/// most of all in the SQLite worker thread (see the workspace Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};
use switchboard_transcript::config::TranscriptConfig;
use switchboard_transcript::server;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("transcript", &vars)?;
    let config = TranscriptConfig::load(&vars)?;
    tracing::info!(?config, "transcript starting");
    let service = server::start(config).await?;
    service.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
