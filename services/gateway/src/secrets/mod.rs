//! # Secrets at rest
//!
//! The configuration bucket is readable by every service and by whoever
//! operates NATS; the secrets a tenant's customers are signed in with must
//! not sit there in clear. The gateway seals them with a key only it holds
//! (`SWITCHBOARD_SECRET_KEY`), with an AEAD whose associated data names the
//! record and field, so a sealed value neither reads nor moves elsewhere.
//!
//! | module | what |
//! |---|---|
//! | [`key`] | [`SecretKey`] and the [`Keyring`]: the current key and earlier ones |
//! | [`seal`] | [`Keyring::seal`] and [`Keyring::open`] of a `SealedSecret` |
//! | [`identity`] | a tenant's identity secrets: read, stored, rotated with an overlap |
//! | [`sweep`] | at start: seal what earlier releases wrote in clear, report what does not open |

pub mod identity;
pub mod sweep;

/// Keys and sealing live in `switchboard-secrets` (the webhook service
/// opens what the gateway seals).
pub use switchboard_secrets::{key, seal};

pub use identity::IdentitySecrets;
pub use key::{KeyError, Keyring, SecretKey};
pub use seal::OpenError;
