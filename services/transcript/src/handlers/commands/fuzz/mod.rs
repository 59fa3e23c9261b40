//! Fuzzing of the `transcript-commands` consumer's plain code: a run of
//! commands for one conversation (every kind, valid for its state, changed
//! on the wire, or random bytes), each decoded and addressed as the handler
//! does, then decided by the domain against the conversation as the
//! earlier commands left it.
//!
//! Whatever arrives: nothing panics; what does not decode, is misaddressed
//! or carries no command is parked (never retried); a refusal goes back
//! with a known code and a message; a plan leaves a conversation in a real
//! state whose events encode.

mod seeds;

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    ConversationCommand, ConversationInfo, ConversationState, PostMessage,
};
use switchboard_testkit::fuzz::{ProtoEdit, config, proto_edits, through_the_wire};

use super::Failure;
use super::address::address;
use crate::domain::inactivity::{self, Limits};
use crate::domain::{Plan, Record, handoff, lifecycle, team, validate_post};
use crate::error::Refusal;
use crate::events;

#[derive(Debug, Clone)]
enum Op {
    /// Command kind `n`, its variant `v`, changed by the edits.
    Command(u8, u8, Vec<ProtoEdit>),
    /// A valid command on another conversation's subject.
    Misrouted(u8),
    Bytes(Vec<u8>),
    Tick(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0u8..8, any::<u8>(), proto_edits()).prop_map(|(n, v, e)| Op::Command(n, v, e)),
        1 => (0u8..8).prop_map(Op::Misrouted),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Op::Bytes),
        2 => (0i64..600_000).prop_map(Op::Tick),
    ]
}

/// One conversation as its owner holds it.
struct Owner {
    tenant: TenantId,
    conversation: ConversationId,
    record: Option<Record>,
    first_text: Option<String>,
    now: i64,
    commands: u64,
}

type TestResult = Result<(), TestCaseError>;

const LIMITS: Limits = Limits {
    warn_ms: 60_000,
    end_ms: 30_000,
};

impl Owner {
    fn new() -> Self {
        Self {
            tenant: TenantId::new(),
            conversation: ConversationId::new(),
            record: None,
            first_text: None,
            now: 1_700_000_000_000,
            commands: 0,
        }
    }

    fn apply(&mut self, op: Op) -> TestResult {
        let subject = subjects::command(self.tenant, self.conversation);
        match op {
            Op::Command(kind, variant, edits) => {
                let command = self.command(kind, variant);
                self.handle(&subject, through_the_wire(&command, &edits))
            }
            Op::Misrouted(kind) => {
                let other = subjects::command(self.tenant, ConversationId::new());
                self.handle(&other, Ok(self.command(kind, 0)))
            }
            Op::Bytes(bytes) => {
                self.handle(&subject, ConversationCommand::decode(bytes.as_slice()))
            }
            Op::Tick(ms) => {
                self.now += ms;
                Ok(())
            }
        }
    }

    /// The handler's order: decode, address, then the command's rule.
    fn handle(
        &mut self,
        subject: &str,
        command: Result<ConversationCommand, prost::DecodeError>,
    ) -> TestResult {
        let command = match command {
            Ok(command) => command,
            Err(error) => return parked(&Failure::from(error)),
        };
        if let Err(error) = address(&command, subject) {
            return parked(&Failure::from(error));
        }
        self.commands += 1;
        let Some(kind) = &command.command else {
            return parked(&Failure::Empty);
        };
        if let Command::Post(post) = kind {
            return self.post(&command, post.clone());
        }
        let Some(record) = &self.record else {
            // The store finds no conversation: refused as not found.
            return answered(&Refusal::ConversationNotFound);
        };
        let (id, first, at) = (
            command.command_id.as_str(),
            self.first_text.as_deref(),
            self.now,
        );
        let decided = match kind {
            Command::Handoff(request) => handoff::handoff(record, request, first, at),
            Command::Identify(identify) => handoff::identify(record, identify, first, at),
            Command::Assign(assign) => team::assign(record, assign, at),
            Command::ReturnToAi(back) => team::return_to_ai(record, back, at),
            Command::Notice(notice) => lifecycle::notice(record, notice, at),
            Command::End(end) => lifecycle::end(record, end, id, at),
            Command::CheckInactivity(_) => {
                let plan = inactivity::check(record, LIMITS, at, id);
                inactivity::recheck_at(plan.current(), LIMITS, command.at_ms);
                Ok(plan)
            }
            Command::Post(_) => unreachable!("handled above"),
        };
        match decided {
            Ok(plan) => self.follow(&plan),
            Err(refusal) => answered(&refusal),
        }
    }

    fn post(&mut self, command: &ConversationCommand, post: PostMessage) -> TestResult {
        let new = match validate_post(
            self.tenant,
            self.conversation,
            &command.command_id,
            post,
            self.now,
        ) {
            Ok(new) => new,
            Err(refusal) => return answered(&refusal),
        };
        let record = match (&mut self.record, &new.start) {
            (Some(record), _) => record,
            // The store opens a conversation only with a post that may.
            (None, None) => return answered(&Refusal::ConversationNotFound),
            (None, Some(start)) => self.record.insert(Record {
                info: ConversationInfo {
                    id: self.conversation.to_string(),
                    tenant: self.tenant.to_string(),
                    state: start.initial_state,
                    customer: start.customer.clone(),
                    support_mode: start.support_mode,
                    created_at_ms: self.now,
                    ..Default::default()
                },
                active_since: self.now,
                ..Default::default()
            }),
        };
        record.info.last_seq += 1;
        record.info.last_activity_ms = self.now;
        if self.first_text.is_none() {
            self.first_text = Some(new.text);
        }
        Ok(())
    }

    /// A plan's steps publish events that encode; the conversation it leaves
    /// is in one of the four states.
    fn follow(&mut self, plan: &Plan) -> TestResult {
        let after = plan.current();
        prop_assert!(
            ConversationState::try_from(after.info.state)
                .is_ok_and(|s| s != ConversationState::Unspecified),
            "{after:?}"
        );
        for step in &plan.steps {
            let published = events::state_changed(
                &step.after.info,
                ConversationState::Ai,
                step.after.info.end_reason(),
                "m".into(),
                self.now,
            );
            published.event.encode_to_vec();
        }
        inactivity::next_check(after, LIMITS);
        self.record = Some(after.clone());
        Ok(())
    }
}

/// What can never be handled is parked, with a reason to read.
fn parked(failure: &Failure) -> TestResult {
    prop_assert_eq!(failure.disposition(), Disposition::Park, "{}", failure);
    prop_assert!(!failure.to_string().is_empty());
    Ok(())
}

/// A refusal is answered to the sender with a known code and a message.
fn answered(refusal: &Refusal) -> TestResult {
    prop_assert!(ErrorCode::parse(refusal.code()).is_some(), "{refusal:?}");
    prop_assert!(!refusal.to_string().is_empty(), "{refusal:?}");
    Ok(())
}

proptest! {
    #![proptest_config(config(2_400))]

    #[test]
    fn any_run_of_commands_is_decided_refused_or_parked(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut owner = Owner::new();
        // Most runs start with an open conversation, so later commands act on it.
        owner.apply(Op::Command(0, 1, Vec::new()))?;
        for op in ops {
            owner.apply(op)?;
        }
    }
}
