//! Every command but a post: the store applies the domain's plan in one
//! transaction (keeping the command's outcome), the events are published in
//! order, then the inactivity timer is brought in line and the
//! conversation checked against deleted configuration, and only then does
//! the pipeline ack. A redelivery finds the stored outcome and republishes
//! it under the same ids; the timer step is idempotent too.

use switchboard_bus::publish::PendingAck;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationCommand, ConversationState};
use switchboard_runtime::clock::now_ms;

use super::address::Address;
use super::{CommandHandler, Failure};
use crate::domain::inactivity::{self, Limits};
use crate::domain::{Plan, Record, handoff, lifecycle, team};
use crate::error::Refusal;
use crate::store::{Applied, Change, Facts, Target};

/// What the inactivity timer needs after a command.
#[derive(Debug, Clone, Copy)]
pub(super) enum Timer {
    /// The command cannot start or stop the clock.
    Leave,
    /// Schedule the next check if the clock runs, cancel if it ended; for a
    /// check, after the due time it fired for.
    Follow { fired_due: Option<i64> },
}

const FOLLOW: Timer = Timer::Follow { fired_due: None };

/// How one command changes its conversation: what its decision needs, how
/// it decides, and what the inactivity timer does after.
pub(super) struct Transition<'a> {
    needs_first_text: bool,
    timer: Timer,
    decide: Decide<'a>,
}

/// A command's decision, given the time it is applied at.
type Decide<'a> = Box<dyn FnOnce(&Record, &Facts, i64) -> Result<Plan, Refusal> + Send + 'a>;

impl<'a> Transition<'a> {
    fn new(
        needs_first_text: bool,
        timer: Timer,
        decide: impl FnOnce(&Record, &Facts, i64) -> Result<Plan, Refusal> + Send + 'a,
    ) -> Self {
        Self {
            needs_first_text,
            timer,
            decide: Box::new(decide),
        }
    }

    /// The transition of every command but a post (`None` for a post or an
    /// empty command).
    pub(super) fn of(command: &'a ConversationCommand, limits: Limits) -> Option<Self> {
        let command_id = command.command_id.as_str();
        Some(match command.command.as_ref()? {
            Command::Handoff(request) => Self::new(true, Timer::Leave, |record, facts, at| {
                handoff::handoff(record, request, facts.first_customer_text.as_deref(), at)
            }),
            Command::Identify(identify) => Self::new(true, Timer::Leave, |record, facts, at| {
                handoff::identify(record, identify, facts.first_customer_text.as_deref(), at)
            }),
            Command::Assign(assign) => Self::new(false, FOLLOW, |record, _, at| {
                team::assign(record, assign, at)
            }),
            Command::ReturnToAi(back) => Self::new(false, FOLLOW, |record, _, at| {
                team::return_to_ai(record, back, at)
            }),
            Command::Notice(notice) => Self::new(false, Timer::Leave, |record, _, at| {
                lifecycle::notice(record, notice, at)
            }),
            Command::End(end) => Self::new(false, FOLLOW, move |record, _, at| {
                lifecycle::end(record, end, command_id, at)
            }),
            // The inactivity timer fired. Judged by this machine's clock
            // now, never by the due time: a check that comes early re-arms,
            // it never warns.
            Command::CheckInactivity(_) => {
                let timer = Timer::Follow {
                    fired_due: Some(command.at_ms),
                };
                Self::new(false, timer, move |record, _, _| {
                    Ok(inactivity::check(record, limits, now_ms(), command_id))
                })
            }
            Command::Post(_) => return None,
        })
    }

    pub(super) fn timer(&self) -> Timer {
        self.timer
    }

    /// The command as the store applies it, at `at_ms`.
    pub(super) fn change(self, address: &Address, command_id: &'a str, at_ms: i64) -> Change<'a> {
        let decide = self.decide;
        Change {
            target: Target {
                tenant: address.tenant,
                conversation: address.conversation,
                command_id,
                at_ms,
            },
            needs_first_text: self.needs_first_text,
            decide: Box::new(move |record, facts| decide(record, facts, at_ms)),
        }
    }
}

impl CommandHandler {
    /// Applies a command other than a post on its own, then [`Self::follow_up`].
    pub(super) async fn transition(
        &self,
        address: &Address,
        command: &ConversationCommand,
    ) -> Result<(), Failure> {
        let transition = Transition::of(command, self.inactivity.limits()).ok_or(Failure::Empty)?;
        let timer = transition.timer;
        let change = transition.change(address, &command.command_id, now_ms());
        let applied = self
            .store
            .apply(change.target, change.needs_first_text, change.decide)
            .await?;
        let acks = self.send_applied(command, &applied).await?;
        self.follow_up(address, timer, &applied, acks).await
    }

    /// Counts an applied command and sends its events in order, without
    /// waiting for the stream's acks.
    pub(super) async fn send_applied(
        &self,
        command: &ConversationCommand,
        applied: &Applied,
    ) -> Result<Vec<PendingAck>, Failure> {
        if applied.replayed {
            self.counters.duplicates.inc();
            tracing::debug!(command = %command.command_id, "command applied before; republishing its events");
        } else {
            self.count(applied);
        }
        let mut acks = Vec::with_capacity(applied.publications.len());
        for publication in &applied.publications {
            acks.push(self.send(publication).await?);
        }
        Ok(acks)
    }

    /// Once the command's events are durable: brings the inactivity timer
    /// in line and checks the conversation against deleted configuration.
    pub(super) async fn follow_up(
        &self,
        address: &Address,
        timer: Timer,
        applied: &Applied,
        acks: Vec<PendingAck>,
    ) -> Result<(), Failure> {
        for ack in acks {
            ack.stored().await?;
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
