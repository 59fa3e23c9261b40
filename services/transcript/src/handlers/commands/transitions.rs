//! Every command but a post: the store applies the domain's plan in one
//! transaction (keeping the command's outcome), the events are published in
//! order, then the inactivity timer is brought in line and the
//! conversation checked against deleted configuration, and only then does
//! the pipeline ack. A redelivery finds the stored outcome and republishes
//! it under the same ids; the timer step is idempotent too.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    AssignAgent, ConversationCommand, ConversationState, EndConversation, IdentifyCustomer,
    PostNotice, RequestHandoff, ReturnToAi,
};
use switchboard_runtime::clock::now_ms;

use super::address::Address;
use super::{CommandHandler, Failure};
use crate::domain::inactivity;
use crate::domain::{Plan, Record, handoff, lifecycle, team};
use crate::error::Refusal;
use crate::store::{Applied, Facts, Target};

/// What the inactivity timer needs after a command.
#[derive(Debug, Clone, Copy)]
enum Timer {
    /// The command cannot start or stop the clock.
    Leave,
    /// Schedule the next check if the clock runs, cancel if it ended; for a
    /// check, after the due time it fired for.
    Follow { fired_due: Option<i64> },
}

const FOLLOW: Timer = Timer::Follow { fired_due: None };

impl CommandHandler {
    pub(super) async fn handoff(
        &self,
        address: &Address,
        command: &ConversationCommand,
        request: &RequestHandoff,
    ) -> Result<(), Failure> {
        self.transition(address, command, true, Timer::Leave, |record, facts, at| {
            handoff::handoff(record, request, facts.first_customer_text.as_deref(), at)
        })
        .await
    }

    pub(super) async fn identify(
        &self,
        address: &Address,
        command: &ConversationCommand,
        identify: &IdentifyCustomer,
    ) -> Result<(), Failure> {
        self.transition(address, command, true, Timer::Leave, |record, facts, at| {
            handoff::identify(record, identify, facts.first_customer_text.as_deref(), at)
        })
        .await
    }

    pub(super) async fn assign(
        &self,
        address: &Address,
        command: &ConversationCommand,
        assign: &AssignAgent,
    ) -> Result<(), Failure> {
        self.transition(address, command, false, FOLLOW, |record, _, at| {
            team::assign(record, assign, at)
        })
        .await
    }

    pub(super) async fn return_to_ai(
        &self,
        address: &Address,
        command: &ConversationCommand,
        back: &ReturnToAi,
    ) -> Result<(), Failure> {
        self.transition(address, command, false, FOLLOW, |record, _, at| {
            team::return_to_ai(record, back, at)
        })
        .await
    }

    pub(super) async fn notice(
        &self,
        address: &Address,
        command: &ConversationCommand,
        notice: &PostNotice,
    ) -> Result<(), Failure> {
        self.transition(address, command, false, Timer::Leave, |record, _, at| {
            lifecycle::notice(record, notice, at)
        })
        .await
    }

    pub(super) async fn end(
        &self,
        address: &Address,
        command: &ConversationCommand,
        end: &EndConversation,
    ) -> Result<(), Failure> {
        let command_id = command.command_id.as_str();
        self.transition(address, command, false, FOLLOW, |record, _, at| {
            lifecycle::end(record, end, command_id, at)
        })
        .await
    }

    /// The inactivity timer fired. Judged by this machine's clock now, never
    /// by the due time: a check that comes early re-arms, it never warns.
    pub(super) async fn check_inactivity(
        &self,
        address: &Address,
        command: &ConversationCommand,
    ) -> Result<(), Failure> {
        let (limits, command_id) = (self.inactivity.limits(), command.command_id.as_str());
        let timer = Timer::Follow {
            fired_due: Some(command.at_ms),
        };
        self.transition(address, command, false, timer, |record, _, _| {
            Ok(inactivity::check(record, limits, now_ms(), command_id))
        })
        .await
    }

    async fn transition<F>(
        &self,
        address: &Address,
        command: &ConversationCommand,
        needs_first_text: bool,
        timer: Timer,
        decide: F,
    ) -> Result<(), Failure>
    where
        F: FnOnce(&Record, &Facts, i64) -> Result<Plan, Refusal>,
    {
        let at_ms = now_ms();
        let target = Target {
            tenant: address.tenant,
            conversation: address.conversation,
            command_id: &command.command_id,
            at_ms,
        };
        let applied = self
            .store
            .apply(target, needs_first_text, |record, facts| {
                decide(record, facts, at_ms)
            })
            .await?;
        if applied.replayed {
            self.counters.duplicates.inc();
            tracing::debug!(command = %command.command_id, "command applied before; republishing its events");
        } else {
            self.count(&applied);
        }
        for publication in applied.publications {
            self.publish(publication).await?;
        }
        if let Timer::Follow { fired_due } = timer {
            self.inactivity
                .follow(
                    address.tenant,
                    address.conversation,
                    &applied.record,
                    fired_due,
                )
                .await?;
        }
        // A handoff into a space, or an accept by an agent, deleted while
        // this command was on its way ends the conversation (SPEC §10).
        self.orphans
            .check(address.tenant, &applied.record.info)
            .await?;
        Ok(())
    }

    fn count(&self, applied: &Applied) {
        for publication in &applied.publications {
            match &publication.event.event {
                Some(Event::State(change)) => {
                    tracing::info!(from = ?change.from(), to = ?change.to(), reason = ?change.reason(), "conversation state changed");
                    match change.to() {
                        ConversationState::Queued => {
                            self.counters.handoffs.inc();
                        }
                        ConversationState::Live => {
                            self.counters.assignments.inc();
                        }
                        ConversationState::Ended => {
                            self.counters.conversations_ended.inc();
                        }
                        _ => {}
                    }
                }
                Some(Event::Message(_)) => {
                    self.counters.messages_stored.inc();
                }
                Some(Event::Inactive(_)) => {
                    self.counters.inactivity_warnings.inc();
                }
                _ => {}
            }
        }
    }
}
