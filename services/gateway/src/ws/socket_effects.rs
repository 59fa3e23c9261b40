//! How the customer socket performs its session's effects: sends, the
//! conversation's subscriptions (its queue position included), durable
//! command publishes, typing on core NATS and transcript reads. Effects that
//! produce an answer feed it back to the session at once; the shell performs
//! what it decides before the rest of the queue.

use switchboard_contracts::ids::ConversationId;

use super::session::Effect;
use super::socket::{CustomerSocket, Subscriptions};
use crate::socket::conversation::{
    ConversationFeed, publish_typing, read_transcript, send_command,
};
use crate::socket::fanout::Family;
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
            Effect::Attach(conversation) => {
                self.attached = Some(self.subscribe(conversation));
                FollowUp::done()
            }
            Effect::Detach => {
                self.attached = None;
                FollowUp::done()
            }
            Effect::WatchQueue(conversation) => {
                self.watch_queue(conversation);
                FollowUp::done()
            }
            // The position subscription lives as long as the attachment:
            // dropping it on leaving the queue would reopen the race for
            // the next handoff of the same conversation.
            Effect::UnwatchQueue => FollowUp::done(),
            // Sent without waiting for the ack: the socket reads its next
            // frame meanwhile, and a command the stream did not take comes
            // back as a delivery (`Delivery::NotStored`).
            Effect::Publish(command) => {
                let failed = self.unacked.make_room().await;
                let mut answers: Vec<Effect> = failed
                    .iter()
                    .flat_map(|command_id| self.session.on_publish_failed(command_id))
                    .collect();
                match send_command(&self.state.bus, tenant, &command).await {
                    Ok(Some(ack)) => self.unacked.push(command.command_id, ack),
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(%error, "publishing a customer command failed");
                        answers.extend(self.session.on_publish_failed(&command.command_id));
                    }
                }
                FollowUp::then(answers)
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

    fn subscribe(&self, conversation: ConversationId) -> Subscriptions {
        let tenant = self.session.ctx.tenant;
        let fanout = &self.state.fanout;
        Subscriptions {
            feed: ConversationFeed::subscribe(fanout, tenant, conversation),
            // The queue position too, from the start: the router may publish
            // one before this socket hears the conversation entered the queue.
            queue: Some(fanout.subscribe(&[Family::Queue], tenant, conversation)),
        }
    }

    /// Follows the attached conversation's queue position.
    fn watch_queue(&mut self, conversation: ConversationId) {
        let tenant = self.session.ctx.tenant;
        let Some(subscriptions) = &mut self.attached else {
            return;
        };
        if subscriptions.queue.is_none() {
            subscriptions.queue = Some(self.state.fanout.subscribe(
                &[Family::Queue],
                tenant,
                conversation,
            ));
        }
    }
}
