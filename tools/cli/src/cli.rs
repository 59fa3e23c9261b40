//! The subcommands and their flags (clap derive); every address and token
//! can come from the environment instead.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Operate a Switchboard deployment: tenants, parked messages, decision records, health."
)]
pub struct Cli {
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tenants, through the gateway's operator API.
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Messages a consumer gave up on (`SB_PARKED`), over NATS.
    #[command(subcommand)]
    Parked(ParkedCommand),
    /// A conversation's routing decision record (needs the tenant's admin token).
    Decisions(DecisionsArgs),
    /// `/readyz` of every service.
    Health(HealthArgs),
    /// The bus's security files (NATS operator mode), for a deployment.
    #[command(subcommand)]
    Bus(BusCommand),
}

#[derive(Debug, Subcommand)]
pub enum BusCommand {
    /// Writes (or renders again from the kept keys) the nats-server settings,
    /// a credentials file per service, the admin's and the gateway's
    /// authority into DIR: directory 0700, files 0600. What `make run` does
    /// for its own server; run it once per deployment and keep DIR's
    /// `keys.json` safe.
    Init {
        /// Where the files go (`server.conf`, `creds/`, `authority.json`, `keys.json`).
        dir: std::path::PathBuf,
        /// The directory each nats-server keeps account JWTs in, as the
        /// server sees it.
        #[arg(long, default_value = "/data/resolver")]
        resolver_dir: std::path::PathBuf,
    },
}

/// Where the gateway is and the token to call it with.
#[derive(Debug, Args)]
pub struct Gateway {
    /// The gateway's base URL.
    #[arg(
        long = "gateway",
        env = "SWITCHBOARD_GATEWAY_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
}

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Creates a tenant; prints its admin token and identity secret (shown once).
    Create {
        #[command(flatten)]
        gateway: Gateway,
        #[command(flatten)]
        token: OperatorToken,
        #[arg(long)]
        name: String,
        /// standard, premium or enterprise.
        #[arg(long)]
        edition: String,
    },
    /// Every tenant, oldest first.
    List {
        #[command(flatten)]
        gateway: Gateway,
        #[command(flatten)]
        token: OperatorToken,
    },
    /// Changes a tenant's edition.
    Edition {
        #[command(flatten)]
        gateway: Gateway,
        #[command(flatten)]
        token: OperatorToken,
        tenant: String,
        edition: String,
    },
    /// Issues a new token for the tenant's first admin (the old one stops working).
    ReissueAdmin {
        #[command(flatten)]
        gateway: Gateway,
        #[command(flatten)]
        token: OperatorToken,
        tenant: String,
    },
}

#[derive(Debug, Args)]
pub struct OperatorToken {
    /// The operator token the gateway was started with.
    #[arg(
        long = "token",
        env = "SWITCHBOARD_OPERATOR_TOKEN",
        hide_env_values = true
    )]
    pub token: String,
}

/// Where NATS is; credentials and TLS come from `NATS_CREDS`, `NATS_NKEY`,
/// `NATS_CA`, `NATS_CERT` and `NATS_KEY`, as for the services.
#[derive(Debug, Args)]
pub struct Nats {
    #[arg(
        long = "nats",
        env = "NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub url: String,
}

#[derive(Debug, Subcommand)]
pub enum ParkedCommand {
    /// Parked messages, oldest first.
    List {
        #[command(flatten)]
        nats: Nats,
        /// Only those parked from this stream (e.g. SB_COMMANDS).
        #[arg(long)]
        stream: Option<String>,
        /// Only those parked by this consumer (e.g. transcript-commands).
        #[arg(long)]
        consumer: Option<String>,
    },
    /// One parked message: headers and payload.
    Show {
        #[command(flatten)]
        nats: Nats,
        seq: u64,
    },
    /// Republishes a parked message to its original subject, then deletes it.
    Replay {
        #[command(flatten)]
        nats: Nats,
        seq: u64,
    },
    /// Deletes a parked message.
    Drop {
        #[command(flatten)]
        nats: Nats,
        seq: u64,
    },
}

#[derive(Debug, Args)]
pub struct DecisionsArgs {
    #[command(flatten)]
    pub gateway: Gateway,
    /// The tenant's admin token.
    #[arg(long, env = "SWITCHBOARD_ADMIN_TOKEN", hide_env_values = true)]
    pub token: String,
    pub tenant: String,
    pub conversation: String,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// transcript's health address (host:port).
    #[arg(
        long,
        env = "SWITCHBOARD_TRANSCRIPT_HEALTH",
        default_value = "127.0.0.1:8091"
    )]
    pub transcript: String,
    #[arg(
        long,
        env = "SWITCHBOARD_AI_BRIDGE_HEALTH",
        default_value = "127.0.0.1:8092"
    )]
    pub ai_bridge: String,
    #[arg(
        long,
        env = "SWITCHBOARD_TIMER_HEALTH",
        default_value = "127.0.0.1:8093"
    )]
    pub timer: String,
    #[arg(
        long,
        env = "SWITCHBOARD_WORK_ITEM_HEALTH",
        default_value = "127.0.0.1:8094"
    )]
    pub work_item: String,
    #[arg(
        long,
        env = "SWITCHBOARD_ROUTER_HEALTH",
        default_value = "127.0.0.1:8095"
    )]
    pub router: String,
    #[arg(
        long,
        env = "SWITCHBOARD_WEBHOOK_HEALTH",
        default_value = "127.0.0.1:8097"
    )]
    pub webhook: String,
    #[arg(
        long,
        env = "SWITCHBOARD_GATEWAY_HEALTH",
        default_value = "127.0.0.1:8096"
    )]
    pub gateway: String,
}

impl HealthArgs {
    /// `(service, address)`, in the order `make run` starts them.
    pub fn services(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("transcript", self.transcript.as_str()),
            ("ai-bridge", self.ai_bridge.as_str()),
            ("timer", self.timer.as_str()),
            ("work-item", self.work_item.as_str()),
            ("webhook", self.webhook.as_str()),
            ("router", self.router.as_str()),
            ("gateway", self.gateway.as_str()),
        ]
    }
}
