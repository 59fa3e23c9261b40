//! Closing agent consoles whose sign-in stopped holding: the token was
//! revoked (rotated, or the agent deleted), the agent was deleted, or the
//! agent was deactivated. Every gateway follows the configuration bucket
//! through its cache ([`ConfigCache::changes`]), so a change written on one
//! gateway closes the consoles held by all of them, as soon as their watch
//! delivers it (milliseconds, well under the second the operations guide
//! promises).
//!
//! One task per gateway ([`Revocations::run`]) reads the changes and tells
//! the sockets concerned; each socket registers what it signed in with
//! ([`SignIn`]) once `hello` is accepted and holds a [`Watch`] that fires
//! once. Registering checks the cache again, so a change that landed
//! between the token's resolution and the registration is not missed; a
//! watcher that fell behind the changes checks every socket against the
//! cache.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use prost::Message;
use switchboard_bus::config::{Change, ConfigCache, keys};
use switchboard_contracts::ids::AgentId;
use switchboard_contracts::v1::{Agent, TokenGrant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::api::extract::deactivated_agent;
use crate::auth::hash_token;
use crate::error::ApiError;

/// Why a signed-in console must close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// The token's grant was deleted: rotated, or its agent deleted.
    Token,
    AgentDeleted,
    AgentDeactivated,
}

impl Revoked {
    /// The `error` frame the console is sent before the close.
    pub fn error(self) -> ApiError {
        match self {
            Revoked::Token => ApiError::Unauthorized(
                "this token was revoked; sign in with the agent's new token".into(),
            ),
            Revoked::AgentDeleted => ApiError::Unauthorized("this agent was deleted".into()),
            Revoked::AgentDeactivated => deactivated_agent(),
        }
    }

    /// The close frame's reason (short: a close reason holds 123 bytes).
    pub fn close_reason(self) -> &'static str {
        match self {
            Revoked::Token => "the token was revoked",
            Revoked::AgentDeleted => "the agent was deleted",
            Revoked::AgentDeactivated => "the agent was deactivated",
        }
    }
}

/// What a console signed in with: the configuration keys of its token's
/// grant and of its agent. The token itself is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    token_key: String,
    agent_key: String,
}

impl SignIn {
    pub fn new(token: &str, agent: AgentId) -> Self {
        Self {
            token_key: keys::token(&hash_token(token)),
            agent_key: keys::agent(agent),
        }
    }

    /// What `change` does to this sign-in: a delete of its grant or its
    /// agent, or its agent written deactivated.
    pub fn revoked_by(&self, change: &Change) -> Option<Revoked> {
        if change.key == self.agent_key {
            return match &change.current {
                None => Some(Revoked::AgentDeleted),
                Some(bytes) => Agent::decode(bytes.clone())
                    .ok()
                    .filter(|agent| agent.deactivated)
                    .map(|_| Revoked::AgentDeactivated),
            };
        }
        (change.key == self.token_key && change.is_delete()).then_some(Revoked::Token)
    }

    /// Whether the sign-in still holds by what `cache` says now. The grant
    /// and the agent were read through the cache at sign-in, so a record
    /// missing from it now was deleted since.
    pub fn check(&self, cache: &ConfigCache) -> Option<Revoked> {
        match cache.get::<Agent>(&self.agent_key) {
            None => Some(Revoked::AgentDeleted),
            Some(agent) if agent.deactivated => Some(Revoked::AgentDeactivated),
            Some(_) => cache
                .get::<TokenGrant>(&self.token_key)
                .is_none()
                .then_some(Revoked::Token),
        }
    }
}

/// The signed-in consoles of this gateway. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Revocations {
    registry: Arc<Mutex<Registry>>,
}

#[derive(Debug, Default)]
struct Registry {
    next: u64,
    consoles: HashMap<u64, (SignIn, oneshot::Sender<Revoked>)>,
}

/// One console's registration: fires once when its sign-in stops holding;
/// dropping it unregisters.
#[derive(Debug)]
pub struct Watch {
    id: u64,
    registry: Revocations,
    revoked: oneshot::Receiver<Revoked>,
}

impl Watch {
    /// Ready once the sign-in was revoked; pending until then (and forever
    /// when the gateway stops watching, which only happens at shutdown).
    pub fn poll_revoked(&mut self, cx: &mut Context<'_>) -> Poll<Revoked> {
        match Pin::new(&mut self.revoked).poll(cx) {
            Poll::Ready(Ok(revoked)) => Poll::Ready(revoked),
            Poll::Ready(Err(_)) | Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.registry.lock().consoles.remove(&self.id);
    }
}

impl Revocations {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a console that signed in with `sign_in`; the watch fires at
    /// once when `cache` already says the sign-in no longer holds.
    pub fn watch(&self, sign_in: SignIn, cache: &ConfigCache) -> Watch {
        let already = sign_in.check(cache);
        self.register(sign_in, already)
    }

    /// Registers `sign_in`, firing at once with `already` when given.
    fn register(&self, sign_in: SignIn, already: Option<Revoked>) -> Watch {
        let (tell, revoked) = oneshot::channel();
        let id = {
            let mut registry = self.lock();
            registry.next += 1;
            let id = registry.next;
            registry.consoles.insert(id, (sign_in, tell));
            id
        };
        if let Some(reason) = already {
            self.fire(id, reason);
        }
        Watch {
            id,
            registry: self.clone(),
            revoked,
        }
    }

    /// Tells every console whose sign-in `change` revokes; returns how many.
    pub fn apply(&self, change: &Change) -> usize {
        // Only grants and agents matter: skip the rest without a scan.
        if !(change.key.starts_with(&keys::token("")) || change.key.starts_with(&keys::agent(""))) {
            return 0;
        }
        self.fire_where(|sign_in| sign_in.revoked_by(change))
    }

    /// Checks every console against `cache` (after missing changes).
    pub fn check_all(&self, cache: &ConfigCache) -> usize {
        self.fire_where(|sign_in| sign_in.check(cache))
    }

    fn fire_where(&self, revoked: impl Fn(&SignIn) -> Option<Revoked>) -> usize {
        let doomed: Vec<(u64, Revoked)> = self
            .lock()
            .consoles
            .iter()
            .filter_map(|(id, (sign_in, _))| Some((*id, revoked(sign_in)?)))
            .collect();
        for (id, reason) in &doomed {
            self.fire(*id, *reason);
        }
        doomed.len()
    }

    /// Tells the console registered as `id` why, and forgets it (a watch
    /// fires once).
    fn fire(&self, id: u64, reason: Revoked) {
        if let Some((_, tell)) = self.lock().consoles.remove(&id) {
            // The socket may have closed meanwhile: nobody to tell.
            let _ = tell.send(reason);
        }
    }

    /// Follows the configuration until `shutdown`, telling the consoles
    /// whose sign-in a change revokes.
    pub async fn run(self, cache: ConfigCache, shutdown: CancellationToken) {
        let mut changes = cache.changes();
        loop {
            let change = tokio::select! {
                () = shutdown.cancelled() => return,
                change = changes.recv() => change,
            };
            match change {
                Ok(change) => {
                    let closed = self.apply(&change);
                    if closed > 0 {
                        tracing::info!(key = %change.key, closed, "agent consoles signed out: their sign-in was revoked");
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    let closed = self.check_all(&cache);
                    tracing::warn!(
                        missed,
                        closed,
                        "configuration changes missed; checked every agent console"
                    );
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

#[cfg(test)]
#[path = "revocation_tests.rs"]
mod tests;
