//! Ending the open conversations whose configuration was deleted (SPEC §10;
//! the rules are in `domain::orphans`), or whose agent was deactivated (a
//! deactivated agent cannot sign in to answer them; ended like a deleted
//! agent's, they leave their customer the fallback and their work item). The transcript owns conversation
//! state, so it reconciles them against its watched configuration cache:
//!
//! - at start, once, every open conversation is checked against the
//!   cache's tombstones (a delete made while no instance ran still applies);
//! - on every delete the cache applies, the open conversations of that
//!   tenant that depend on the deleted record are found by index;
//! - after every command, the conversation it touched is checked, which
//!   closes the race with a sweep running while the command commits.
//!
//! Ending is never done here: an `EndConversation` (reason
//! `no_agents_available`, the experience's fallback text) is published to
//! the conversation's own command subject under the id
//! `orphan:{conversation}`, and the command consumer ends it like any other
//! end, in the conversation's lane, publishing the usual events (so the
//! router frees the agent or the queue, the work item gets its transcript).
//! Every instance may sweep at once and a sweep may repeat: the stream keeps
//! one command per id, the store applies it once, and ending an ended
//! conversation changes nothing. A sweep that fails is retried as a whole
//! with backoff; a crash before it finished is made good by the next start.

use std::time::Duration;

use prost::Message;
use switchboard_bus::config::{Change, ConfigCache, keys};
use switchboard_bus::{Backoff, Bus, BusError};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    self, Author, ConversationCommand, ConversationInfo, EndConversation, EndReason, Role,
};
use switchboard_runtime::clock::now_ms;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use super::Counters;
use crate::domain::orphans::{self, Kind, Reference};
use crate::error::StoreError;
use crate::store::{ORPHAN_PAGE, Store};

/// Finds and ends orphaned conversations. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Orphans {
    pub store: Store,
    pub bus: Bus,
    pub config: ConfigCache,
    pub counters: Counters,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("bus: {0}")]
    Bus(#[from] BusError),
}

/// A delete that may leave conversations behind, read from a [`Change`].
#[derive(Debug, Clone, PartialEq)]
pub enum Deletion {
    /// The record and its tenant.
    Of {
        tenant: TenantId,
        reference: Reference,
    },
    /// A delete of a kind conversations refer to, but its tenant is not
    /// known (the cache never saw the record): only a full sweep can tell.
    Unknown,
}

impl Deletion {
    /// What `change` deleted, if it deleted something conversations refer
    /// to. An agent written deactivated counts as deleted: nobody can
    /// answer their live conversations any more.
    pub fn of(change: &Change) -> Option<Deletion> {
        let reference = Reference::of_key(&change.key)?;
        if let Some(current) = &change.current {
            let agent = (reference.kind == Kind::Agent)
                .then(|| v1::Agent::decode(current.clone()).ok())
                .flatten()
                .filter(|agent| agent.deactivated)?;
            let tenant = agent.tenant.parse().ok()?;
            return Some(Deletion::Of { tenant, reference });
        }
        let tenant = match reference.kind {
            Kind::Experience => change.previous::<v1::Experience>().map(|r| r.tenant),
            Kind::Widget => change.previous::<v1::Widget>().map(|r| r.tenant),
            Kind::AiAgent => change.previous::<v1::AiAgent>().map(|r| r.tenant),
            Kind::Space => change.previous::<v1::Space>().map(|r| r.tenant),
            Kind::Agent => change.previous::<v1::Agent>().map(|r| r.tenant),
        };
        let Some(Ok(tenant)) = tenant.map(|t| t.parse::<TenantId>()) else {
            return Some(Deletion::Unknown);
        };
        Some(Deletion::Of { tenant, reference })
    }
}

impl Orphans {
    /// Sweeps everything once, then follows `changes` until `shutdown`.
    /// Subscribe before the call (`ConfigCache::changes`), so no change
    /// between the start sweep and the first receive is missed.
    pub async fn run(self, mut changes: broadcast::Receiver<Change>, shutdown: CancellationToken) {
        let backoff = Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(30),
        };
        let mut full_sweep_owed = true;
        let mut attempt = 0i64;
        loop {
            if full_sweep_owed {
                match self.sweep_all().await {
                    Ok(ended) => {
                        tracing::info!(ended, "orphaned conversations swept");
                        full_sweep_owed = false;
                        attempt = 0;
                    }
                    Err(error) => {
                        attempt += 1;
                        tracing::warn!(%error, attempt, "sweeping orphaned conversations failed; retrying");
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            () = tokio::time::sleep(backoff.delay(attempt)) => continue,
                        }
                    }
                }
            }
            let change = tokio::select! {
                () = shutdown.cancelled() => return,
                change = changes.recv() => change,
            };
            match change {
                Ok(change) => match Deletion::of(&change) {
                    None => {}
                    Some(Deletion::Unknown) => full_sweep_owed = true,
                    Some(Deletion::Of { tenant, reference }) => {
                        if let Err(error) = self.sweep(tenant, &reference).await {
                            tracing::warn!(%error, key = %change.key, "sweeping after a delete failed; sweeping everything");
                            full_sweep_owed = true;
                        }
                    }
                },
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "configuration changes missed; sweeping everything");
                    full_sweep_owed = true;
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    /// Ends every open conversation that depends on a record the cache
    /// knows was deleted. Returns how many end commands it sent.
    pub async fn sweep_all(&self) -> Result<usize, SweepError> {
        let mut ended = 0;
        for kind in Kind::ALL {
            for (tenant, reference) in self.store.referenced(kind).await? {
                if self.is_gone(&reference) {
                    ended += self.sweep(tenant, &reference).await?;
                }
            }
        }
        Ok(ended)
    }

    /// Ends `tenant`'s open conversations that depend on the deleted
    /// `reference`. Returns how many end commands it sent.
    pub async fn sweep(
        &self,
        tenant: TenantId,
        reference: &Reference,
    ) -> Result<usize, SweepError> {
        let mut after = String::new();
        let mut ended = 0;
        loop {
            let page = self
                .store
                .open_referencing(tenant, reference, &after, ORPHAN_PAGE)
                .await?;
            for found in &page {
                let text = self.fallback_text(&found.experience);
                self.end(tenant, found.id, &text).await?;
                tracing::info!(conversation = %found.id, key = %reference.key(), "conversation ended: its configuration was deleted or its agent deactivated");
            }
            ended += page.len();
            match page.last() {
                Some(last) if page.len() == ORPHAN_PAGE as usize => after = last.id.to_string(),
                _ => return Ok(ended),
            }
        }
    }

    /// After a command touched `info`: ends it if it depends on a record
    /// already deleted (it opened, was handed off or accepted while a
    /// sweep ran, or on a socket whose widget has gone since).
    pub async fn check(&self, tenant: TenantId, info: &ConversationInfo) -> Result<(), BusError> {
        let Some(reference) = orphans::orphaned_by(info, |r| self.is_gone(r)) else {
            return Ok(());
        };
        let Ok(conversation) = info.id.parse::<ConversationId>() else {
            return Ok(());
        };
        tracing::info!(%conversation, key = %reference.key(), "conversation depends on deleted configuration; ending it");
        self.end(tenant, conversation, &self.fallback_text(&info.experience))
            .await
    }

    /// Whether the record is deleted, or is an agent deactivated.
    fn is_gone(&self, reference: &Reference) -> bool {
        let key = reference.key();
        self.config.is_deleted(&key)
            || (reference.kind == Kind::Agent
                && self
                    .config
                    .get::<v1::Agent>(&key)
                    .is_some_and(|agent| agent.deactivated))
    }

    /// The fallback of the conversation's experience, as the cache last saw
    /// it: a deleted experience still says what its admin wrote.
    fn fallback_text(&self, experience: &str) -> String {
        let record = (!experience.is_empty())
            .then(|| {
                self.config
                    .last_known::<v1::Experience>(&keys::experience(experience))
            })
            .flatten();
        orphans::fallback_text(record.as_ref())
    }

    async fn end(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        fallback_text: &str,
    ) -> Result<(), BusError> {
        let command = end_command(tenant, conversation, fallback_text, now_ms());
        self.bus
            .publish_durable(
                subjects::command(tenant, conversation),
                &command.command_id,
                &command,
            )
            .await?;
        self.counters.orphans_ended.inc();
        Ok(())
    }
}

/// The end of an orphaned conversation: the fallback, then `ended` with
/// reason `no_agents_available` (nobody can take it any more), by the system.
pub fn end_command(
    tenant: TenantId,
    conversation: ConversationId,
    fallback_text: &str,
    at_ms: i64,
) -> ConversationCommand {
    let conversation = conversation.to_string();
    ConversationCommand {
        tenant: tenant.to_string(),
        command_id: orphans::command_id(&conversation),
        conversation,
        at_ms,
        command: Some(Command::End(EndConversation {
            reason: EndReason::NoAgentsAvailable as i32,
            by: Some(Author {
                role: Role::System as i32,
                ..Default::default()
            }),
            fallback_text: fallback_text.to_owned(),
        })),
    }
}

#[cfg(test)]
#[path = "orphans_tests.rs"]
mod tests;
