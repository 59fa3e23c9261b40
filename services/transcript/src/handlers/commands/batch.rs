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
//! Every other command (end, handoff, assign …) is a state change. A batch
//! is handled in rounds: first the round's state changes, all in one
//! transaction ([`Store::apply_all`](crate::store::Store::apply_all), each conversation's in stream order),
//! their events sent; then the round's posts in one transaction while each
//! conversation's state changes wait for their acks and follow up
//! (inactivity timer, deleted configuration), conversations side by side.
//! A state change of a conversation with a post earlier in the round closes
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
use super::transitions::{Timer, Transition};
use super::{CommandHandler, Failure, parse};
use crate::domain::{self, NewMessage, Record};
use crate::error::{Refusal, StoreError};
use crate::events::{self, Publication};
use crate::store::{Appended, Applied};

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

/// What became of one of a round's commands other than a post, between
/// the commit and the acks.
enum Step {
    /// Applied, its events sent: waits for their acks, then follows up.
    Sent(Timer, Applied, Vec<PendingAck>),
    Failed(Failure),
}

/// A command other than a post.
struct Single {
    index: usize,
    address: Address,
    command: ConversationCommand,
    span: tracing::Span,
}

/// Commands of a batch handled together: per conversation its commands
/// other than posts, in stream order (applied together first), then the
/// posts (stored together after them). A conversation's posts may follow
/// its other commands in a round, never precede them: such a command closes
/// the round.
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

    fn chain(&mut self, single: Single) {
        let conversation = single.address.conversation;
        match self.chains.iter_mut().find(|(c, _)| *c == conversation) {
            Some((_, chain)) => chain.push(single),
            None => self.chains.push((conversation, vec![single])),
        }
    }
}

impl CommandHandler {
    /// Handles a round: its state changes in one transaction, their events
    /// sent; then its posts in another while each conversation's changes
    /// wait for their acks and follow up (conversations side by side).
    async fn run(
        &self,
        round: Round,
        results: &mut [Option<Result<(), Failure>>],
        unsettled: &mut Vec<Unsettled>,
    ) {
        let chains = self.apply_chains(&round.chains).await;
        let follow_ups = join_all(chains.into_iter().map(|chain| async move {
            let mut handled = Vec::with_capacity(chain.len());
            for (single, step) in chain {
                let result = match step {
                    Step::Sent(timer, applied, acks) => {
                        self.follow_up(&single.address, timer, &applied, acks)
                            .instrument(single.span.clone())
                            .await
                    }
                    Step::Failed(Failure::Refused(refusal)) => {
                        self.reject(&single.address, &single.command, refusal)
                            .instrument(single.span.clone())
                            .await
                    }
                    Step::Failed(failure) => Err(failure),
                };
                handled.push((single.index, result));
            }
            handled
        }));
        let (posts, chains) = futures::join!(self.store_posts(round.posts, unsettled), follow_ups);
        for (index, result) in posts.into_iter().chain(chains.into_iter().flatten()) {
            results[index] = Some(result);
        }
    }

    /// Applies every chain's commands in one transaction (each chain in
    /// stream order) and sends their events, chain after chain, without
    /// waiting for acks. Returns each chain's steps.
    async fn apply_chains<'a>(
        &self,
        chains: &'a [(ConversationId, Vec<Single>)],
    ) -> Vec<Vec<(&'a Single, Step)>> {
        let limits = self.inactivity.limits();
        let at_ms = now_ms();
        let mut timers = Vec::new();
        let mut changes = Vec::new();
        for single in chains.iter().flat_map(|(_, chain)| chain) {
            let transition = Transition::of(&single.command, limits);
            timers.push(transition.as_ref().map(Transition::timer));
            if let Some(transition) = transition {
                let command_id = single.command.command_id.as_str();
                changes.push(transition.change(&single.address, command_id, at_ms));
            }
        }
        let mut applied = match self.store.apply_all(changes).await {
            Ok(applied) => applied
                .into_iter()
                .map(|r| r.map_err(Failure::from))
                .collect(),
            // Nothing was stored: every command is retried.
            Err(error) => timers
                .iter()
                .flatten()
                .map(|_| Err(Failure::Store(retryable(&error))))
                .collect::<Vec<_>>(),
        }
        .into_iter();
        let mut timers = timers.into_iter();
        let mut steps = Vec::with_capacity(chains.len());
        for (_, chain) in chains {
            let mut sent = Vec::with_capacity(chain.len());
            for single in chain {
                let step = match timers.next().flatten() {
                    None => Step::Failed(Failure::Empty),
                    Some(timer) => match applied.next() {
                        Some(Ok(applied)) => {
                            match self
                                .send_applied(&single.command, &applied)
                                .instrument(single.span.clone())
                                .await
                            {
                                Ok(acks) => Step::Sent(timer, applied, acks),
                                Err(failure) => Step::Failed(failure),
                            }
                        }
                        Some(Err(failure)) => Step::Failed(failure),
                        None => Step::Failed(Failure::Empty),
                    },
                };
                sent.push((single, step));
            }
            steps.push(sent);
        }
        steps
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
