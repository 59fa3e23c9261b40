//! How the customer socket performs its session's effects: sends, the
//! conversation's subscriptions (its queue position included), durable
//! command publishes, typing on core NATS and transcript reads. Effects that
//! produce an answer feed it back to the session at once; the shell performs
//! what it decides before the rest of the queue.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::subjects;

use super::session::Effect;
use super::socket::{CustomerSocket, Subscriptions};
use crate::socket::conversation::{
    ConversationFeed, publish_command, publish_typing, read_transcript,
};
use crate::socket::shell::{Closed, FollowUp, FrameSink, Outbox};

impl CustomerSocket {
    /// Performs one effect; what the session decides on its answer (a
    /// transcript page, a failure) is performed next.
    pub(super) async fn perform_effect<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effect: Effect,
    ) -> Result<FollowUp<Effect>, Closed> {
        let tenant = self.session.ctx.tenant;
        Ok(match effect {
            Effect::Send(frame) => {
                out.send(&frame).await?;
                FollowUp::done()
            }
            Effect::Attach(conversation) => match self.subscribe(conversation).await {
                Ok(subscriptions) => {
                    self.attached = Some(subscriptions);
                    FollowUp::done()
                }
                Err(error) => {
                    tracing::warn!(%error, "subscribing to a conversation failed");
                    // Whatever was queued for the conversation must not happen.
                    FollowUp::instead(self.session.on_attach_failed())
                }
            },
            Effect::Detach => {
                self.attached = None;
                FollowUp::done()
            }
            Effect::WatchQueue(conversation) => {
                self.watch_queue(conversation).await;
                FollowUp::done()
            }
            // The position subscription lives as long as the attachment:
            // dropping it on leaving the queue would reopen the race for
            // the next handoff of the same conversation.
            Effect::UnwatchQueue => FollowUp::done(),
            Effect::Publish(command) => {
                match publish_command(&self.state.bus, tenant, &command).await {
                    Ok(()) => FollowUp::done(),
                    Err(error) => {
                        tracing::warn!(%error, "publishing a customer command failed");
                        FollowUp::then(self.session.on_publish_failed(&command.command_id))
                    }
                }
            }
            Effect::Typing(event) => {
                publish_typing(&self.state.bus, tenant, &event).await;
                FollowUp::done()
            }
            Effect::Fetch(fetch) => {
                let (conversation, after_seq) = (fetch.conversation, fetch.after_seq);
                let page = read_transcript(&self.state.bus, tenant, conversation, after_seq).await;
                FollowUp::then(self.session.on_page(fetch, page))
            }
        })
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
