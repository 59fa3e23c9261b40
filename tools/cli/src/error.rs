//! What can go wrong, each naming the problem for the operator.

use switchboard_bus::BusError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The gateway or a health address could not be reached.
    #[error("{}: {}", .url, chain(.source))]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The gateway answered with an error.
    #[error("{url} answered {status}: {message}")]
    Api {
        url: String,
        status: u16,
        message: String,
    },
    #[error("NATS: {0}")]
    Bus(#[from] BusError),
    #[error("NATS did not answer at {0} within 10 s")]
    NatsUnreachable(String),
    #[error("NATS credentials: {0}")]
    Credentials(#[from] switchboard_runtime::config::ConfigError),
    #[error("writing the bus's security files: {0}")]
    BusAuth(String),
    #[error("SB_PARKED: {0}")]
    Parked(String),
    #[error("no parked message {0}")]
    NoSuchParked(u64),
    #[error("parked message {0} has no Switchboard-Original-Subject header to replay it to")]
    NoOriginalSubject(u64),
    #[error("{0}")]
    Invalid(String),
    /// Some services are not ready (the table says which).
    #[error("{0} service(s) not ready")]
    NotReady(usize),
}

/// An error and its causes on one line: reqwest's own message alone
/// ("error sending request") does not say what went wrong.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
