//! The ai-bridge process: load config, start telemetry, run until Ctrl-C or
//! SIGTERM, drain, flush telemetry.

use switchboard_ai_bridge::config::AiBridgeConfig;
use switchboard_ai_bridge::server::Service;
use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("ai-bridge", &vars)?;
    let config = AiBridgeConfig::load(&vars)?;
    let service = Service::start(config).await?;
    service.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
