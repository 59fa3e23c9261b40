//! How the socket shell performs the session's effects: sends, the
//! conversation's subscriptions (its queue position included), durable
//! command publishes, typing on core NATS and transcript reads. Effects that produce an answer feed it back to
//! the session at once, before the rest of the queue.

use std::collections::VecDeque;
use std::fmt::Display;
use std::time::Duration;

use axum::extract::ws::Message;
use futures::Sink;
use futures::stream::select;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{TranscriptPage, TranscriptQuery};

use super::session::{Effect, Fetch};
use super::socket::{Closed, Shell, Subscriptions};

/// How long a transcript read may take.
const RPC_TIMEOUT: Duration = Duration::from_secs(5);

impl<S> Shell<S>
where
    S: Sink<Message> + Unpin,
    S::Error: Display,
{
    /// Performs effects in order; effects that produce an answer (a
    /// transcript read, a failure) feed it back to the session and perform
    /// what it decides next, before the rest of the queue.
    pub(super) async fn perform(&mut self, effects: Vec<Effect>) -> Result<(), Closed> {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            let follow_up = match effect {
                Effect::Send(frame) => {
                    self.send(&frame).await?;
                    Vec::new()
                }
                Effect::Attach(conversation) => match self.subscribe(conversation).await {
                    Ok(subscriptions) => {
                        self.attached = Some(subscriptions);
                        Vec::new()
                    }
                    Err(error) => {
                        tracing::warn!(%error, "subscribing to a conversation failed");
                        // Whatever was queued for the conversation must not happen.
                        queue.clear();
                        self.session.on_attach_failed()
                    }
                },
                Effect::Detach => {
                    self.attached = None;
                    Vec::new()
                }
                Effect::WatchQueue(conversation) => {
                    self.watch_queue(conversation).await;
                    Vec::new()
                }
                // The position subscription lives as long as the attachment:
                // dropping it on leaving the queue would reopen the race for
                // the next handoff of the same conversation.
                Effect::UnwatchQueue => Vec::new(),
                Effect::Publish(command) => {
                    // The session only builds commands for ids it made, so
                    // the subject always resolves.
                    let Some(subject) =
                        self.conversation_subject(&command.conversation, subjects::command)
                    else {
                        continue;
                    };
                    match self
                        .state
                        .bus
                        .publish_durable(subject, &command.command_id, &command)
                        .await
                    {
                        Ok(_) => Vec::new(),
                        Err(error) => {
                            tracing::warn!(%error, "publishing a customer command failed");
                            self.session.on_publish_failed(&command.command_id)
                        }
                    }
                }
                Effect::Typing(event) => {
                    if let Some(subject) =
                        self.conversation_subject(&event.conversation, subjects::typing)
                    {
                        // Typing is best effort: a lost indicator clears itself.
                        if let Err(error) = self.state.bus.publish_core(subject, &event).await {
                            tracing::debug!(%error, "typing publish failed");
                        }
                    }
                    Vec::new()
                }
                Effect::Fetch(fetch) => {
                    let page = self.fetch(&fetch).await;
                    self.session.on_page(fetch, page)
                }
            };
            for effect in follow_up.into_iter().rev() {
                queue.push_front(effect);
            }
        }
        Ok(())
    }

    fn conversation_subject(
        &self,
        conversation: &str,
        build: fn(TenantId, ConversationId) -> String,
    ) -> Option<String> {
        let conversation = conversation.parse::<ConversationId>().ok()?;
        Some(build(self.session.ctx.tenant, conversation))
    }

    async fn subscribe(
        &self,
        conversation: ConversationId,
    ) -> Result<Subscriptions, async_nats::SubscribeError> {
        let tenant = self.session.ctx.tenant;
        let client = &self.state.bus.client;
        let events = client
            .subscribe(subjects::event(tenant, conversation))
            .await?;
        let typing_subject = subjects::typing(tenant, conversation);
        let typing = client.subscribe(typing_subject.clone()).await?;
        // The queue position too, from the start: the router may publish
        // one before this socket hears the conversation entered the queue.
        let queue = client
            .subscribe(subjects::queue_position(tenant, conversation))
            .await?;
        Ok(Subscriptions {
            typing_subject,
            messages: select(events, typing),
            queue: Some(queue),
        })
    }

    /// Follows the attached conversation's queue position. Positions are a
    /// courtesy: if subscribing fails the conversation still waits its turn.
    async fn watch_queue(&mut self, conversation: ConversationId) {
        let subject = subjects::queue_position(self.session.ctx.tenant, conversation);
        let Some(subscriptions) = &mut self.attached else {
            return;
        };
        if subscriptions.queue.is_some() {
            return;
        }
        match self.state.bus.client.subscribe(subject).await {
            Ok(queue) => subscriptions.queue = Some(queue),
            Err(error) => tracing::warn!(%error, "following the queue position failed"),
        }
    }

    async fn fetch(&self, fetch: &Fetch) -> Option<TranscriptPage> {
        let tenant = self.session.ctx.tenant;
        let query = TranscriptQuery {
            tenant: tenant.to_string(),
            conversation: fetch.conversation.to_string(),
            after_seq: fetch.after_seq,
            limit: 0,
            tail: false,
        };
        match self
            .state
            .bus
            .request::<TranscriptPage>(subjects::transcript_rpc(tenant), &query, RPC_TIMEOUT)
            .await
        {
            Ok(page) => Some(page),
            Err(error) => {
                tracing::warn!(%error, "transcript read failed");
                None
            }
        }
    }
}
