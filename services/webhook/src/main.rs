//! The webhook process: load config, start telemetry, run until Ctrl-C or
//! SIGTERM, drain, flush telemetry.

use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};
use switchboard_webhook::config::WebhookConfig;
use switchboard_webhook::server;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("webhook", &vars)?;
    let config = WebhookConfig::load(&vars)?;
    tracing::info!(?config, "webhook starting");
    let service = server::start(config).await?;
    service.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
