//! The work-item process: load config, start telemetry, run until Ctrl-C or
//! SIGTERM, drain, flush telemetry.

use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};
use switchboard_work_item::config::WorkItemConfig;
use switchboard_work_item::server;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("work-item", &vars)?;
    let config = WorkItemConfig::load(&vars)?;
    tracing::info!(?config, "work-item starting");
    let service = server::start(config).await?;
    service.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
