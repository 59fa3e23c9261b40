//! # Switchboard bus security
//!
//! NATS in operator mode: an operator signs the accounts, each account signs
//! its users, and every user carries its permissions in its JWT. Switchboard
//! runs its services in one account (a user per service, least privilege)
//! and each external AI platform in an account of its own that imports
//! only its tenant's contract subjects.
//!
//! | module | what |
//! |---|---|
//! | [`jwt`] | signing (and, for tests, reading) NATS JWTs |
//! | [`claims`] | the claims of the operator, the accounts, users and activations |
//! | [`grants`] | each service's permissions, and an AI platform's |
//! | [`keys`] | the deployment's root seeds, kept in one 0600 file |
//! | [`deployment`] | server settings and credentials files rendered from the keys |
//! | [`authority`] | issuing and revoking AI platform accounts, pushing them to the servers |
//! | [`creds`] | the `.creds` file format |
//! | [`files`] | secret files (0600) and directories (0700) |

pub mod authority;
pub mod claims;
pub mod creds;
pub mod deployment;
pub mod files;
pub mod grants;
pub mod jwt;
pub mod keys;

pub use authority::{Authority, PlatformCredentials};
pub use deployment::{Deployment, Layout, prepare};
pub use keys::Keys;

/// What can go wrong making or using credentials.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("nkey: {0}")]
    Key(#[source] nkeys::error::Error),
    #[error("json: {0}")]
    Json(#[source] serde_json::Error),
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("{0}")]
    Invalid(&'static str),
    #[error("pushing the account to NATS: {0}")]
    Push(String),
}
