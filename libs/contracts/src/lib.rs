//! # Switchboard contracts
//!
//! Everything that crosses the bus, in one place, so no service formats a
//! subject or picks a stream setting by hand.
//!
//! | module | what |
//! |---|---|
//! | [`v1`] | protobuf messages generated from `proto/switchboard/v1` |
//! | [`subjects`] | subject builders and filters |
//! | [`streams`] | JetStream stream, consumer and bucket names |
//! | [`config_keys`] | keys of the configuration bucket |
//! | [`editions`] | what each edition allows |
//! | [`error_codes`] | the snake_case error codes senders write and receivers match |
//! | [`ids`] | typed ids |
//! | [`texts`] | the default texts customers see |
//! | [`names`] | the wire names (snake_case) of enums used in JSON |
//! | [`webhooks`] | outgoing webhooks: event types, secret format, headers, refused addresses |

pub mod config_keys;
pub mod editions;
pub mod error_codes;
pub mod ids;
pub mod names;
pub mod streams;
pub mod subjects;
pub mod texts;
pub mod webhooks;

/// Generated protobuf types of package `switchboard.v1`.
#[allow(clippy::all, missing_docs)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/switchboard.v1.rs"));

    impl std::fmt::Debug for Tenant {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Tenant")
                .field("id", &self.id)
                .field("name", &self.name)
                .field("edition", &self.edition())
                .field("maximum_conversations", &self.maximum_conversations)
                .finish_non_exhaustive()
        }
    }
}

pub use prost::Message;

/// The compiled `proto/` schema (an encoded `google.protobuf.FileDescriptorSet`).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/switchboard.v1.fds"));
