//! The operator CLI (`switchboard`) against a whole secured system: tenants
//! through the operator API, readiness, and a parked command replayed to
//! its original subject and then processed.

mod parked;
mod tenants;

use serde_json::Value;
use switchboard_e2e::system::System;
use switchboard_testkit::service_bin;

/// What one run of the CLI printed, and whether it succeeded.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        assert!(self.ok, "the command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs `switchboard args…` with the system's addresses, operator token and
/// the bus's admin credentials in its environment.
pub async fn switchboard(system: &System, args: &[&str]) -> Run {
    let creds = system.nats.creds("admin").expect("a secured bus");
    let output = tokio::process::Command::new(service_bin("switchboard"))
        .args(args)
        .env("SWITCHBOARD_GATEWAY_URL", system.gateway_url())
        .env("SWITCHBOARD_OPERATOR_TOKEN", &system.operator_token)
        .env("NATS_URL", system.nats.url())
        .env("NATS_CREDS", creds)
        .output()
        .await
        .expect("run switchboard");
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
