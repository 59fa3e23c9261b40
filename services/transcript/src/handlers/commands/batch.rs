//! The batched path of the command consumer: the posts of a batch are stored
//! in one transaction ([`Store::append_batch`]), their events are sent one
//! after another without waiting (so they reach `SB_EVENTS` in order) and
//! their acks awaited together, and only then does the pipeline ack the
//! commands. Nothing is acked before it is stored and its events are durable.
//!
//! Awaiting the acks of the plain posts' events is the batch's second stage
//! ([`StagedBatchConsumer`]): the pipeline runs it beside the next batch's
//! transaction. What must come before anything of the next batch stays in
//! the first stage: the transaction, the sends, an opening post's inactivity
//! timer and configuration check (after its events are durable), a refused
//! post's answer, and every command other than a post.
//!
//! Every other command (end, handoff, assign …) takes the single path. A
//! batch is handled in rounds: the posts of a round stored together while
//! each other conversation's commands run in order, conversations side by
//! side. A command whose conversation is in the round's other part closes
//! the round, so a conversation's commands apply in stream order.
//! A refused post is answered with a `CommandRejected` like a lone one.

use futures::future::join_all;
use switchboard_bus::consume::Delivery;
use switchboard_bus::publish::PendingAck;
use switchboard_bus::service::{Settling, StagedBatchConsumer};
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{ConversationCommand, ConversationState};
use switchboard_runtime::clock::now_ms;
use tracing::Instrument;

use super::address::Address;
use super::{CommandHandler, Failure, parse};
use crate::domain::{self, NewMessage, Record};
use crate::error::{Refusal, StoreError};
use crate::events::{self, Publication};
use crate::store::Appended;

/// A validated post waiting for the batch's transaction.
struct Waiting {
    index: usize,
    address: Address,
    command: ConversationCommand,
    post: NewMessage,
    /// The state its start opens the conversation in, if it carries one.
    initial: Option<ConversationState>,
    /// Its delivery's span: its events carry the sender's trace on.
    span: tracing::Span,
}

/// What became of one stored post, between the commit and the acks.
enum Stored {
    Published(Waiting, Appended, Vec<switchboard_bus::publish::PendingAck>),
    Refused(Waiting, Refusal),
    Failed(usize, Failure),
}

impl Stored {
    fn span(&self) -> tracing::Span {
        match self {
            Stored::Published(w, ..) | Stored::Refused(w, _) => w.span.clone(),
            Stored::Failed(..) => tracing::Span::none(),
        }
    }
}

/// A stored post whose events were sent and are not acknowledged yet: the
/// second stage waits for them.
struct Unsettled {
    index: usize,
    acks: Vec<PendingAck>,
    span: tracing::Span,
}

impl StagedBatchConsumer for CommandHandler {
    type Error = Failure;

    /// The first stage stores, sends and does whatever must happen in order;
    /// the stage it returns waits for the acks of the plain posts' events.
    async fn consume_batch(&self, batch: Vec<Delivery>) -> Settling<Failure> {
        let mut results: Vec<Option<Result<(), Failure>>> = batch.iter().map(|_| None).collect();
        let mut unsettled = Vec::new();
        let mut round = Round::default();
        for (index, delivery) in batch.iter().enumerate() {
            let (address, command) = match parse(delivery) {
                Ok(parsed) => parsed,
                Err(failure) => {
                    results[index] = Some(Err(failure));
                    continue;
                }
            };
            let conversation = address.conversation;
            let Some(Command::Post(post)) = &command.command else {
                if round.has_posts_of(conversation) {
                    let round = std::mem::take(&mut round);
                    self.run(round, &mut results, &mut unsettled).await;
                }
                round.chain(Single {
                    index,
                    address,
                    command,
                    span: delivery.span.clone(),
                });
                continue;
            };
            if round.has_chain_of(conversation) {
                let round = std::mem::take(&mut round);
                self.run(round, &mut results, &mut unsettled).await;
            }
            let initial = post.start.as_ref().map(|s| s.initial_state());
            match domain::validate_post(
                address.tenant,
                conversation,
                &command.command_id,
                post.clone(),
                now_ms(),
            ) {
                Ok(post) => round.posts.push(Waiting {
                    index,
                    address,
                    command,
                    post,
                    initial,
                    span: delivery.span.clone(),
                }),
                Err(refusal) => {
                    let answered = self.reject(&address, &command, refusal);
                    results[index] = Some(answered.instrument(delivery.span.clone()).await);
                }
            }
        }
        self.run(round, &mut results, &mut unsettled).await;
        let handler = self.clone();
        Box::pin(async move {
            let settled = join_all(unsettled.into_iter().map(|post| {
                async move {
                    for ack in post.acks {
                        if let Err(error) = ack.stored().await {
                            return (post.index, Err(Failure::from(error)));
                        }
                    }
                    (post.index, Ok(()))
                }
                .instrument(post.span)
            }))
            .await;
            for (index, result) in settled {
                results[index] = Some(result);
            }
            results
                .into_iter()
                .map(|result| {
                    let result = result.unwrap_or(Err(Failure::Empty));
                    if let Err(failure) = &result {
                        handler.count_failure(failure);
                    }
                    result
                })
                .collect()
        })
    }
}

/// A command other than a post, handled on its own.
struct Single {
    index: usize,
    address: Address,
    command: ConversationCommand,
    span: tracing::Span,
}

/// Commands of a batch that may be handled side by side: posts of some
/// conversations (stored together), and per other conversation its other
/// commands in stream order. A conversation is never in both parts: the
/// command that would put it there closes the round.
#[derive(Default)]
struct Round {
    posts: Vec<Waiting>,
    chains: Vec<(ConversationId, Vec<Single>)>,
}

impl Round {
    fn has_posts_of(&self, conversation: ConversationId) -> bool {
        self.posts
            .iter()
            .any(|w| w.address.conversation == conversation)
    }

    fn has_chain_of(&self, conversation: ConversationId) -> bool {
        self.chains.iter().any(|(c, _)| *c == conversation)
    }

    fn chain(&mut self, single: Single) {
        let conversation = single.address.conversation;
        match self.chains.iter_mut().find(|(c, _)| *c == conversation) {
            Some((_, chain)) => chain.push(single),
            None => self.chains.push((conversation, vec![single])),
        }
    }
}

impl CommandHandler {
    /// Handles a round: its posts in one transaction while each
    /// conversation's other commands run one after another, conversations
    /// side by side (their waits on the bus overlap; on SQLite the writes
    /// still take turns).
    async fn run(
        &self,
        round: Round,
        results: &mut [Option<Result<(), Failure>>],
        unsettled: &mut Vec<Unsettled>,
    ) {
        let chains = join_all(round.chains.into_iter().map(|(_, chain)| async move {
            let mut handled = Vec::with_capacity(chain.len());
            for single in chain {
                let result = self
                    .dispatch(&single.address, &single.command)
                    .instrument(single.span)
                    .await;
                handled.push((single.index, result));
            }
            handled
        }));
        let (posts, chains) = futures::join!(self.store_posts(round.posts, unsettled), chains);
        for (index, result) in posts.into_iter().chain(chains.into_iter().flatten()) {
            results[index] = Some(result);
        }
    }

    /// Stores the waiting posts in one transaction, publishes their events
    /// and gives each post's result, except for the posts whose events only
    /// remain to be acknowledged: those are left in `unsettled`.
    async fn store_posts(
        &self,
        waiting: Vec<Waiting>,
        unsettled: &mut Vec<Unsettled>,
    ) -> Vec<(usize, Result<(), Failure>)> {
        if waiting.is_empty() {
            return Vec::new();
        }
        let posts: Vec<NewMessage> = waiting.iter().map(|w| w.post.clone()).collect();
        let stored = match self.store.append_batch(&posts).await {
            Ok(stored) => stored,
            Err(error) => {
                // Nothing of the batch was kept: every post is retried.
                return waiting
                    .iter()
                    .map(|w| (w.index, Err(Failure::Store(retryable(&error)))))
                    .collect();
            }
        };
        // Sent in order, acks awaited later: the stream keeps the order.
        let mut sent = Vec::with_capacity(waiting.len());
        for (w, result) in waiting.into_iter().zip(stored) {
            sent.push(match result {
                Ok(appended) => {
                    let span = w.span.clone();
                    self.send_post_events(w, appended).instrument(span).await
                }
                Err(StoreError::Refused(refusal)) => Stored::Refused(w, refusal),
                Err(error) => Stored::Failed(w.index, Failure::from(error)),
            });
        }
        let mut now = Vec::with_capacity(sent.len());
        for stored in sent {
            match stored {
                Stored::Published(w, appended, acks) if !appended.opened_conversation() => {
                    unsettled.push(Unsettled {
                        index: w.index,
                        acks,
                        span: w.span,
                    });
                }
                stored => now.push(stored),
            }
        }
        join_all(now.into_iter().map(|stored| {
            let span = stored.span();
            self.settle_post(stored).instrument(span)
        }))
        .await
    }

    /// Counts the post and sends its events: the opening first (a post with
    /// seq 1 opened its conversation, on a redelivery too), then the message.
    async fn send_post_events(&self, w: Waiting, appended: Appended) -> Stored {
        let (message, info) = (appended.message(), appended.info());
        match &appended {
            Appended::New(..) => {
                self.counters.messages_stored.inc();
            }
            Appended::Duplicate(..) => {
                self.counters.duplicates.inc();
                tracing::debug!(message = %message.id, "post already stored; republishing its event");
            }
        }
        let mut publications: Vec<Publication> = Vec::with_capacity(2);
        if appended.opened_conversation() {
            let initial = w.initial.unwrap_or_else(|| info.state());
            publications.push(events::opened(info, initial));
        }
        publications.push(events::message_added(info, message));
        let mut acks = Vec::with_capacity(publications.len());
        for publication in &publications {
            match self.send(publication).await {
                Ok(ack) => acks.push(ack),
                Err(failure) => return Stored::Failed(w.index, failure),
            }
        }
        Stored::Published(w, appended, acks)
    }

    /// Waits for an opening post's events to be durable, then starts the
    /// inactivity clock and checks it against deleted configuration; answers
    /// a refused post. Both in the first stage, so that they happen before
    /// anything of the next batch.
    async fn settle_post(&self, stored: Stored) -> (usize, Result<(), Failure>) {
        match stored {
            Stored::Failed(index, failure) => (index, Err(failure)),
            Stored::Refused(w, refusal) => {
                (w.index, self.reject(&w.address, &w.command, refusal).await)
            }
            Stored::Published(w, appended, acks) => {
                let opened = async {
                    for ack in acks {
                        ack.stored().await?;
                    }
                    if appended.opened_conversation() {
                        self.after_opening(&w, &appended).await?;
                    }
                    Ok(())
                };
                (w.index, opened.await)
            }
        }
    }

    async fn after_opening(&self, w: &Waiting, appended: &Appended) -> Result<(), Failure> {
        let info = appended.info();
        if matches!(appended, Appended::New(..)) {
            self.counters.conversations_opened.inc();
            tracing::info!(command = %w.command.command_id, "conversation opened");
        }
        // Opening in `ai` or `live` starts the inactivity clock. Later
        // messages only move `last_activity`: no timer call.
        let record = Record {
            info: info.clone(),
            active_since: info.created_at_ms,
            ..Default::default()
        };
        let conversation: ConversationId = w.address.conversation;
        self.inactivity
            .follow(w.address.tenant, conversation, &record, None)
            .await?;
        self.orphans.check(w.address.tenant, info).await?;
        Ok(())
    }
}

/// The whole transaction failed: each post is retried with the reason.
fn retryable(error: &StoreError) -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(format!(
        "the batch storing this post failed: {error}"
    ))))
}
