//! The gateway process: load config, start telemetry, serve until Ctrl-C or
//! SIGTERM, drain, flush telemetry.

use switchboard_gateway::config::GatewayConfig;
use switchboard_gateway::server::Application;
use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("gateway", &vars)?;
    let config = GatewayConfig::load(&vars)?;
    let app = Application::build(config).await?;
    tracing::info!(addr = %app.addr(), "gateway listening");
    app.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
