//! The handlers the kit runs: a consumer's and a responder's, each a type
//! with its method or a plain closure.

use std::future::Future;

use crate::consume::Delivery;
use crate::failure::Classify;
use crate::rpc::Refuse;

/// A consumer's handler, cloned into the pipeline: a type with a
/// `consume` method, or any `Fn(Delivery) -> impl Future<Output = Result<(), E>>`.
pub trait Consumer: Clone + Send + Sync + 'static {
    type Error: Classify;
    fn consume(&self, delivery: Delivery) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<F, Fut, E> Consumer for F
where
    F: Fn(Delivery) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Classify,
{
    type Error = E;
    fn consume(&self, delivery: Delivery) -> impl Future<Output = Result<(), E>> + Send {
        self(delivery)
    }
}

/// A batch consumer's handler ([`crate::consume::run_batched`]): one
/// result per delivery, in the order given.
pub trait BatchConsumer: Clone + Send + Sync + 'static {
    type Error: Classify;
    fn consume_batch(
        &self,
        batch: Vec<Delivery>,
    ) -> impl Future<Output = Vec<Result<(), Self::Error>>> + Send;
}

/// What a [`StagedBatchConsumer`]'s first stage leaves to finish: one
/// result per delivery, in the order given, once it is done.
pub type Settling<E> = futures::future::BoxFuture<'static, Vec<Result<(), E>>>;

/// A batch consumer in two stages ([`crate::consume::run_batched`]). The
/// first (`consume_batch` itself) runs batch after batch, in stream order:
/// what must happen in order (a transaction, publishes that keep the
/// stream's order) happens there. What it returns, the second stage (say,
/// waiting for those publishes to be acknowledged), runs beside the next
/// batches' first stage; each message is settled (ack, nak, park) once its
/// batch's second stage gave its result.
pub trait StagedBatchConsumer: Clone + Send + Sync + 'static {
    type Error: Classify;
    fn consume_batch(
        &self,
        batch: Vec<Delivery>,
    ) -> impl Future<Output = Settling<Self::Error>> + Send;
}

/// A responder's handler, cloned into each request's task.
pub trait Answer: Clone + Send + Sync + 'static {
    type Reply: prost::Message + 'static;
    type Error: Refuse<Self::Reply>;
    fn answer(
        &self,
        request: async_nats::Message,
    ) -> impl Future<Output = Result<Self::Reply, Self::Error>> + Send;
}

impl<F, Fut, M, E> Answer for F
where
    F: Fn(async_nats::Message) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<M, E>> + Send + 'static,
    M: prost::Message + 'static,
    E: Refuse<M>,
{
    type Reply = M;
    type Error = E;
    fn answer(&self, request: async_nats::Message) -> impl Future<Output = Result<M, E>> + Send {
        self(request)
    }
}
