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
use crate::cli::{Cli, Command, ParkedCommand, TenantsCommand};
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
