//! # Switchboard secrets at rest
//!
//! The configuration bucket is readable by every service and by whoever
//! operates NATS; secrets (a tenant's identity secret, a webhook's signing
//! secret) must not sit there in clear. They are sealed with a key from
//! `SWITCHBOARD_SECRET_KEY`, with an AEAD whose associated data names the
//! record and field, so a sealed value neither reads nor moves elsewhere.
//!
//! | module | what |
//! |---|---|
//! | [`key`] | [`SecretKey`] and the [`Keyring`]: the current key and earlier ones |
//! | [`seal`] | [`Keyring::seal`] and [`Keyring::open`] of a `SealedSecret` |
//! | [`vars`] | the keyring from `SWITCHBOARD_SECRET_KEY`, `_FILE` and `_PREVIOUS` |

pub mod key;
pub mod seal;
pub mod vars;

pub use key::{KeyError, Keyring, SecretKey};
pub use seal::OpenError;
