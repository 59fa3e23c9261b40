//! # switchboard: the operator's command line
//!
//! Tenants through the gateway's operator API, parked messages over NATS,
//! a conversation's decision record, and every service's readiness; a
//! table by default, `--json` for scripts. docs/operations.md, "Operator
//! CLI", lists the commands and their environment.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the subcommands and their flags |
//! | [`api`] | the gateway's HTTP API |
//! | [`parked`] | `SB_PARKED`: list, show, replay, drop |
//! | [`health`] | `/readyz` of every service |
//! | [`render`] | tables and JSON |
//! | [`error`] | what can go wrong |

mod api;
mod cli;
mod error;
mod health;
mod parked;
#[cfg(test)]
mod parked_tests;
mod render;

use std::process::ExitCode;

use clap::Parser as _;
use switchboard_runtime::config::{BusCredentials, Vars};

use crate::api::Gateway;
use crate::cli::{BusCommand, Cli, Command, ParkedCommand, TenantsCommand};
use crate::error::CliError;
use crate::parked::Parked;
use crate::render::Output;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    // The bus's credentials are read as the services read them.
    let vars = Vars::from_env();
    match run(cli.command, &vars).await {
        Ok(output) => {
            print!("{}", output.render(json));
            ExitCode::SUCCESS
        }
        Err((output, error)) => {
            if let Some(output) = output {
                print!("{}", output.render(json));
            }
            eprintln!("switchboard: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command; a failure may still have something to show (the
/// health table of a system that is not ready).
async fn run(command: Command, vars: &Vars) -> Result<Output, (Option<Output>, CliError)> {
    let bare = |e: CliError| (None, e);
    match command {
        Command::Tenants(command) => tenants(command).await.map_err(bare),
        Command::Parked(command) => parked(command, vars).await.map_err(bare),
        Command::Decisions(args) => Gateway::new(&args.gateway.url, &args.token)
            .decisions(&args.tenant, &args.conversation)
            .await
            .map_err(bare),
        Command::Bus(BusCommand::Init { dir, resolver_dir }) => {
            bus_init(&dir, &resolver_dir).map_err(bare)
        }
        Command::Health(args) => {
            let checks = health::check_all(&args.services()).await;
            let output = health::output(&checks);
            match checks.iter().filter(|c| !c.ready()).count() {
                0 => Ok(output),
                down => Err((Some(output), CliError::NotReady(down))),
            }
        }
    }
}

/// `bus init`: the deployment's NATS security files, and what each is for.
fn bus_init(dir: &std::path::Path, resolver_dir: &std::path::Path) -> Result<Output, CliError> {
    let layout = switchboard_natsauth::Layout::new(dir);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let deployment = switchboard_natsauth::prepare(&layout, resolver_dir, now)
        .map_err(|e| CliError::BusAuth(e.to_string()))?;
    let mut files = vec![
        (
            layout.server_conf(),
            "include in every nats-server's configuration",
        ),
        (
            layout.creds("admin"),
            "every right in the services' account: tools",
        ),
        (
            layout.authority(),
            "the gateway's SWITCHBOARD_NATS_AUTHORITY",
        ),
        (
            layout.keys(),
            "the root seeds: keep safe, never on a server",
        ),
    ];
    let services = switchboard_natsauth::grants::SERVICES;
    let service_files: Vec<_> = services.iter().map(|s| layout.creds(s)).collect();
    for path in &service_files {
        files.push((path.clone(), "that service's NATS_CREDS"));
    }
    let mut table = render::Table::new(vec!["FILE", "FOR"]);
    for (path, what) in &files {
        table.row(vec![path.display().to_string(), (*what).to_owned()]);
    }
    let json = serde_json::json!({
        "dir": dir.display().to_string(),
        "services_account": deployment.services_account,
        "files": files.iter().map(|(p, w)| serde_json::json!({"path": p.display().to_string(), "for": w})).collect::<Vec<_>>(),
    });
    Ok(Output { json, table })
}

async fn tenants(command: TenantsCommand) -> Result<Output, CliError> {
    match command {
        TenantsCommand::Create {
            gateway,
            token,
            name,
            edition,
        } => {
            Gateway::new(&gateway.url, &token.token)
                .create_tenant(&name, &edition)
                .await
        }
        TenantsCommand::List { gateway, token } => {
            Gateway::new(&gateway.url, &token.token)
                .list_tenants()
                .await
        }
        TenantsCommand::Edition {
            gateway,
            token,
            tenant,
            edition,
        } => {
            Gateway::new(&gateway.url, &token.token)
                .set_edition(&tenant, &edition)
                .await
        }
        TenantsCommand::ReissueAdmin {
            gateway,
            token,
            tenant,
        } => {
            Gateway::new(&gateway.url, &token.token)
                .reissue_admin(&tenant)
                .await
        }
    }
}

async fn parked(command: ParkedCommand, vars: &Vars) -> Result<Output, CliError> {
    let credentials = BusCredentials::load(vars)?;
    match command {
        ParkedCommand::List {
            nats,
            stream,
            consumer,
        } => {
            Parked::connect(&nats.url, credentials)
                .await?
                .list(stream.as_deref(), consumer.as_deref())
                .await
        }
        ParkedCommand::Show { nats, seq } => {
            Parked::connect(&nats.url, credentials)
                .await?
                .show(seq)
                .await
        }
        ParkedCommand::Replay { nats, seq } => {
            Parked::connect(&nats.url, credentials)
                .await?
                .replay(seq)
                .await
        }
        ParkedCommand::Drop { nats, seq } => {
            Parked::connect(&nats.url, credentials)
                .await?
                .drop(seq)
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn bus_init_writes_owner_only_files_and_names_each() {
        let dir = tempfile::tempdir().unwrap();
        let auth = dir.path().join("bus-auth");
        let output = super::bus_init(&auth, std::path::Path::new("/data/resolver")).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&auth), 0o700);
        for file in output.json["files"].as_array().unwrap() {
            let path = std::path::PathBuf::from(file["path"].as_str().unwrap());
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        let settings = std::fs::read_to_string(auth.join("server.conf")).unwrap();
        assert!(settings.contains("\"/data/resolver\""), "{settings}");
        assert!(output.table.render().contains("gateway.creds"));

        // Again: the same accounts, from the kept keys.
        let again = super::bus_init(&auth, std::path::Path::new("/data/resolver")).unwrap();
        assert_eq!(
            again.json["services_account"],
            output.json["services_account"]
        );
    }
}
