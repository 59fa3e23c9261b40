//! The timer service process: load config, start telemetry, run until
//! Ctrl-C or SIGTERM, drain, flush telemetry.

use switchboard_runtime::config::Vars;
use switchboard_runtime::{shutdown, telemetry};
use switchboard_timer::config::TimerConfig;
use switchboard_timer::server::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let telemetry = telemetry::init("timer", &vars)?;
    let config = TimerConfig::load(&vars)?;
    let service = Service::start(config).await?;
    service.run_until(shutdown::signal()).await;
    telemetry.shutdown();
    Ok(())
}
