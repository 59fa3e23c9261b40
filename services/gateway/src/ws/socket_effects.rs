//! How the customer socket performs its session's effects: sends, the
//! conversation's subscriptions (its queue position included), durable
//! command publishes, typing on core NATS and transcript reads. Effects that
//! produce an answer feed it back to the session at once, before the rest of
//! the queue.

use std::collections::VecDeque;

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::subjects;

use super::session::Effect;
use super::socket::{CustomerSocket, Subscriptions};
use crate::socket::conversation::{ConversationFeed, publish_typing, read_transcript, subject_of};
use crate::socket::shell::{Closed, FrameSink, Outbox};

impl CustomerSocket {
    /// Performs effects in order; effects that produce an answer (a
    /// transcript read, a failure) feed it back to the session and perform
    /// what it decides next, before the rest of the queue.
    pub(super) async fn perform_effects<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effects: Vec<Effect>,
    ) -> Result<(), Closed> {
        let tenant = self.session.ctx.tenant;
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            let follow_up = match effect {
                Effect::Send(frame) => {
                    out.send(&frame).await?;
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
                        subject_of(tenant, &command.conversation, subjects::command)
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
                    publish_typing(&self.state.bus, tenant, &event).await;
                    Vec::new()
                }
                Effect::Fetch(fetch) => {
                    let page = read_transcript(
                        &self.state.bus,
                        tenant,
                        fetch.conversation,
                        fetch.after_seq,
                    )
                    .await;
                    self.session.on_page(fetch, page)
                }
            };
            for effect in follow_up.into_iter().rev() {
                queue.push_front(effect);
            }
        }
        Ok(())
    }

    async fn subscribe(
        &self,
        conversation: ConversationId,
    ) -> Result<Subscriptions, async_nats::SubscribeError> {
        let tenant = self.session.ctx.tenant;
        let client = &self.state.bus.client;
        let feed = ConversationFeed::subscribe(client, tenant, conversation).await?;
        // The queue position too, from the start: the router may publish
        // one before this socket hears the conversation entered the queue.
        let queue = client
            .subscribe(subjects::queue_position(tenant, conversation))
            .await?;
        Ok(Subscriptions {
            feed,
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
}
