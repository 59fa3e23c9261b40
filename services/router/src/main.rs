//! The router process: load config, start telemetry, run until Ctrl-C or
//! SIGTERM, drain, flush telemetry.

use switchboard_router::config::RouterConfig;
use switchboard_router::server::Service;
use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("router", &vars)?;
    let config = RouterConfig::load(&vars)?;
    tracing::info!(?config, "router starting");
    let service = Service::start(config).await?;
    service.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
