//! The consumer of `SB_COMMANDS` (durable `transcript-commands`): decode,
//! check the address, store, publish the resulting events, and only then let
//! the pipeline ack. A crash anywhere before the ack redelivers the command;
//! the store finds what it already did and the same events are published
//! again under the same ids, which the stream drops as duplicates.
//!
//! The consumer runs in batches ([`batch`]): the posts of a batch share one
//! transaction and their events are published together. A lone post is
//! handled here ([`CommandHandler::post`]); every other command in
//! [`transitions`].
//!
//! | outcome | when |
//! |---|---|
//! | ack | stored and published; or refused and the rejection published (an agent's message from anyone but the assignee among them) |
//! | retry (nak with backoff) | the database or the bus failed |
//! | park | undecodable, misaddressed, or a stored row that cannot be mapped |

use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::publish::PendingAck;
use switchboard_bus::service::Consumer;
use switchboard_bus::{Bus, BusError, Classify, Disposition};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, EventKind, filter};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{CommandRejected, ConversationCommand, PostMessage};
use switchboard_runtime::clock::now_ms;

use super::Counters;
use super::inactivity::InactivityTimer;
use super::orphans::Orphans;
use crate::domain::{self, Record};
use crate::error::{Refusal, StoreError, StoreErrorKind};
use crate::events::{self, Publication};
use crate::store::{Appended, Store};
pub use address::AddressError;
use address::{Address, address, parse_ids};

mod address;
mod batch;
#[cfg(test)]
mod fuzz;
mod transitions;

/// The most commands one batch holds: bounds a transaction's size and how
/// long the first command of a batch waits for the last.
pub const MAX_BATCH: usize = 256;

/// The durable consumer this handler runs behind, in batches of up to
/// [`MAX_BATCH`] (see [`batch`]).
pub fn spec(lanes: usize) -> ConsumerSpec {
    // Retries here are database or bus outages, not bad input (that is parked
    // at once): with the default 10 s backoff cap, 60 attempts ride out ~9
    // minutes of outage before a command is parked.
    ConsumerSpec::new(
        streams::COMMANDS,
        consumers::TRANSCRIPT_COMMANDS,
        filter::ALL_COMMANDS,
    )
    .lanes(lanes)
    .max_batch(MAX_BATCH)
    .max_deliver(60)
}

/// What the handler needs; cloned into the pipeline.
#[derive(Debug, Clone)]
pub struct CommandHandler {
    pub store: Store,
    pub bus: Bus,
    pub counters: Counters,
    pub inactivity: InactivityTimer,
    /// Ends a conversation that opens or moves on into configuration
    /// deleted meanwhile.
    pub orphans: Orphans,
}

/// Why handling stopped short of the ack.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Answered with a `CommandRejected` on the way out; one that reaches
    /// the pipeline was not, and is parked to stay visible.
    #[error("unanswered refusal: {0}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(StoreError),
    #[error("bus: {0}")]
    Bus(#[from] BusError),
    #[error("undecodable ConversationCommand: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error(transparent)]
    Misaddressed(#[from] AddressError),
    #[error("stored ids do not parse: {0}")]
    StoredIds(#[source] AddressError),
    #[error("the command carries no command")]
    Empty,
}

impl Classify for Failure {
    fn disposition(&self) -> Disposition {
        match self {
            Failure::Store(error) if error.kind() == StoreErrorKind::Corrupt => Disposition::Park,
            Failure::Store(_) | Failure::Bus(_) => Disposition::Retry,
            Failure::Refused(_)
            | Failure::Undecodable(_)
            | Failure::Misaddressed(_)
            | Failure::StoredIds(_)
            | Failure::Empty => Disposition::Park,
        }
    }
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Failure::Refused(refusal)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Refused(refusal) => Failure::Refused(refusal),
            error => Failure::Store(error),
        }
    }
}

/// Decodes a delivery and checks it is addressed where it was sent.
fn parse(delivery: &Delivery) -> Result<(Address, ConversationCommand), Failure> {
    let command = ConversationCommand::decode(delivery.payload.clone())?;
    let address = address(&command, &delivery.subject)?;
    Ok((address, command))
}

impl CommandHandler {
    async fn try_handle(&self, delivery: &Delivery) -> Result<(), Failure> {
        let (address, command) = parse(delivery)?;
        self.dispatch(&address, &command).await
    }

    /// Handles one command on its own; a refusal is answered.
    async fn dispatch(
        &self,
        address: &Address,
        command: &ConversationCommand,
    ) -> Result<(), Failure> {
        let handled = match &command.command {
            Some(Command::Post(post)) => self.post(address, command, post.clone()).await,
            Some(_) => self.transition(address, command).await,
            None => Err(Failure::Empty),
        };
        match handled {
            Err(Failure::Refused(refusal)) => self.reject(address, command, refusal).await,
            other => other,
        }
    }

    async fn post(
        &self,
        address: &Address,
        command: &ConversationCommand,
        post: PostMessage,
    ) -> Result<(), Failure> {
        let initial = post.start.as_ref().map(|s| s.initial_state());
        let new = domain::validate_post(
            address.tenant,
            address.conversation,
            &command.command_id,
            post,
            now_ms(),
        )?;
        let appended = self.store.append(&new).await?;
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
        if appended.opened_conversation() {
            // The open event goes first so every consumer learns the
            // conversation's settings before its first message.
            let initial = initial.unwrap_or_else(|| info.state());
            self.publish(events::opened(info, initial)).await?;
            if matches!(appended, Appended::New(..)) {
                self.counters.conversations_opened.inc();
                tracing::info!(command = %command.command_id, "conversation opened");
            }
        }
        self.publish(events::message_added(info, message)).await?;
        if appended.opened_conversation() {
            // Opening in `ai` or `live` starts the inactivity clock. Later
            // messages only move `last_activity`: no timer call.
            let record = Record {
                info: info.clone(),
                active_since: info.created_at_ms,
                ..Default::default()
            };
            self.inactivity
                .follow(address.tenant, address.conversation, &record, None)
                .await?;
            self.orphans.check(address.tenant, info).await?;
        }
        Ok(())
    }

    async fn reject(
        &self,
        address: &Address,
        command: &ConversationCommand,
        refusal: Refusal,
    ) -> Result<(), Failure> {
        self.counters.commands_rejected.inc();
        if matches!(refusal, Refusal::NotAssignee(_)) {
            // No honest gateway sends this: worth an operator's look.
            tracing::warn!(code = refusal.code(), %refusal, command = %command.command_id, "agent message refused: not from the assignee");
        } else {
            tracing::info!(code = refusal.code(), %refusal, command = %command.command_id, "command refused");
        }
        let info = self
            .store
            .conversation(address.tenant, address.conversation)
            .await?;
        let client_id = match &command.command {
            Some(Command::Post(post)) => post.client_id.clone(),
            _ => String::new(),
        };
        let rejection = CommandRejected {
            command_id: command.command_id.clone(),
            client_id,
            code: refusal.code().to_owned(),
            message: refusal.to_string(),
        };
        self.publish(events::rejected(
            &command.tenant,
            &command.conversation,
            info,
            rejection,
            now_ms(),
        ))
        .await
    }

    async fn publish(&self, publication: Publication) -> Result<(), Failure> {
        self.send(&publication).await?.stored().await?;
        Ok(())
    }

    /// Sends an event without waiting for the stream's ack.
    async fn send(&self, publication: &Publication) -> Result<PendingAck, Failure> {
        let event = &publication.event;
        let (tenant, conversation) =
            parse_ids(&event.tenant, &event.conversation).map_err(Failure::StoredIds)?;
        // events.rs builds every publication around its event, so an empty
        // one cannot reach this point.
        let kind = EventKind::of_event(event).ok_or(Failure::Empty)?;
        Ok(self
            .bus
            .send_durable(
                subjects::event(tenant, conversation, kind),
                &publication.msg_id,
                event,
            )
            .await?)
    }

    /// Counts a failure by what the pipeline will do with it.
    fn count_failure(&self, failure: &Failure) {
        match failure.disposition() {
            Disposition::Park => {
                self.counters.commands_parked.inc();
            }
            Disposition::Retry => {
                self.counters.commands_retried.inc();
            }
            Disposition::Answered => {}
        }
    }
}

impl Consumer for CommandHandler {
    type Error = Failure;

    /// Handles one delivery; the pipeline acks, naks or parks on the result.
    async fn consume(&self, delivery: Delivery) -> Result<(), Failure> {
        let handled = self.try_handle(&delivery).await;
        if let Err(failure) = &handled {
            self.count_failure(failure);
        }
        handled
    }
}
