//! The timer service's errors: why a fire attempt failed (every one is
//! retried with backoff: a due timer is never dropped), and why a
//! partition's watch was interrupted (it resumes). Why it could not start is
//! the service kit's [`StartError`].

use async_nats::jetstream::consumer::StreamError;
use async_nats::jetstream::context::PublishError;
use async_nats::jetstream::kv::UpdateError;
use async_nats::jetstream::stream::ConsumerError;
use switchboard_bus::{Classify, Disposition};

pub use switchboard_bus::service::StartError;

/// One fire attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum FireError {
    #[error("publishing to {subject}: {source}")]
    Publish {
        subject: String,
        #[source]
        source: PublishError,
    },
    #[error("publishing to {subject}: no ack in time")]
    PublishTimedOut { subject: String },
    #[error("deleting the fired record: {0}")]
    Delete(#[source] UpdateError),
    #[error("deleting the fired record: no ack in time")]
    DeleteTimedOut,
}

/// A due timer is never dropped: every failed fire is tried again.
impl Classify for FireError {
    fn disposition(&self) -> Disposition {
        Disposition::Retry
    }
}

/// A partition's watch stopped; it resumes from the last revision seen.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("creating the consumer: {0}")]
    Consumer(#[source] ConsumerError),
    #[error("subscribing: {0}")]
    Subscribe(#[source] StreamError),
    #[error("the consumer's stream ended")]
    Ended,
}
