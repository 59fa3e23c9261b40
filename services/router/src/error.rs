//! Why the router could not start: the service kit's start error. Errors
//! while routing are classified where they happen: a bad input is parked, a
//! bus failure retried, a lost compare-and-set decided again (see
//! [`crate::handlers::inputs`]).

pub use switchboard_bus::service::StartError;
