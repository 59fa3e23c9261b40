//! Fuzzing of the customer session: a random run of client frames (valid,
//! changed, garbage), the bus messages the socket receives (events, typing,
//! queue positions, transcript pages: valid ones for the attached
//! conversation, changed on the wire, decoded as the socket decodes them)
//! and failed I/O. Whatever the order, the session never panics, every
//! frame it sends encodes, and every error frame has a code and a message.

mod seeds;

use std::collections::VecDeque;

use proptest::prelude::*;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{Access, QueuePosition, SupportMode, TypingEvent};
use switchboard_testkit::fuzz::{ProtoEdit, config, proto_edits, through_the_wire};

use self::seeds::{author, event, page};
use super::{ctx, identity, now, resume_token};
use crate::socket::fuzz::{customer_frame, frame_text};
use crate::socket::intake::ClientSession;
use crate::socket::server_frame::OutgoingFrame;
use crate::ws::server_frame::ServerFrame;
use crate::ws::session::{CustomerSession, Effect, Fetch};

const FIELDS: &[&str] = &["type", "token", "resume", "client_id", "text", "on"];

/// One thing that happens to a customer socket.
#[derive(Debug, Clone)]
enum Op {
    Text(String),
    /// `hello` signed in as customer `n`, or resuming the attached conversation.
    SignedHello(u8),
    Resume,
    SignIn(u8),
    /// A conversation event made from seed `n` for the attached conversation.
    Event(u8, Vec<ProtoEdit>),
    Typing(i32, Vec<ProtoEdit>),
    Queue(u32, Vec<ProtoEdit>),
    /// The answer to the oldest transcript read; `None` when it failed.
    Page(Option<u64>, Vec<ProtoEdit>),
    PublishFailed,
    AttachFailed,
    Context(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => frame_text(customer_frame().boxed(), FIELDS).prop_map(Op::Text),
        1 => (0u8..3).prop_map(Op::SignedHello),
        1 => Just(Op::Resume),
        1 => (0u8..3).prop_map(Op::SignIn),
        8 => (0u8..12, proto_edits()).prop_map(|(n, e)| Op::Event(n, e)),
        2 => (-1i32..6, proto_edits()).prop_map(|(r, e)| Op::Typing(r, e)),
        2 => (any::<u32>(), proto_edits()).prop_map(|(p, e)| Op::Queue(p, e)),
        3 => (proptest::option::of(0u64..6), proto_edits()).prop_map(|(n, e)| Op::Page(n, e)),
        1 => Just(Op::PublishFailed),
        1 => Just(Op::AttachFailed),
        1 => (0u8..12).prop_map(Op::Context),
    ]
}

/// A customer socket and what its shell would still have to answer.
struct Run {
    session: CustomerSession,
    fetches: VecDeque<Fetch>,
    last_command: String,
}

impl Run {
    fn new() -> Self {
        Self {
            session: CustomerSession::new(
                ctx(SupportMode::AiAndTeam, Access::Open),
                1_000,
                now().instant,
            ),
            fetches: VecDeque::new(),
            last_command: String::new(),
        }
    }

    fn attached(&self) -> (String, String, u64) {
        let tenant = self.session.ctx.tenant.to_string();
        match self.session.attached() {
            Some(a) => (tenant, a.id.to_string(), a.last_seq),
            None => (tenant, String::new(), 0),
        }
    }

    fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        let (tenant, conversation, last_seq) = self.attached();
        let effects = match op {
            Op::Text(text) => self.session.on_client_text(&text, now()),
            Op::SignedHello(n) => {
                let hello = format!(
                    r#"{{"type":"hello","token":"{}"}}"#,
                    identity(&n.to_string())
                );
                self.session.on_client_text(&hello, now())
            }
            Op::Resume => {
                let Some(attached) = self.session.attached() else {
                    return Ok(());
                };
                let customer = self.session.customer.as_ref().map(|c| c.key.clone());
                let token = resume_token(
                    &self.session.ctx,
                    attached.id,
                    &customer.unwrap_or_default(),
                );
                let hello = format!(r#"{{"type":"hello","resume":"{token}"}}"#);
                self.session.on_client_text(&hello, now())
            }
            Op::SignIn(n) => {
                let frame = format!(
                    r#"{{"type":"sign_in","token":"{}"}}"#,
                    identity(&n.to_string())
                );
                self.session.on_client_text(&frame, now())
            }
            Op::Event(seed, edits) => {
                let event = event(seed, &tenant, &conversation, last_seq, &self.last_command);
                match through_the_wire(&event, &edits) {
                    Ok(event) => self.session.on_event(event),
                    Err(_) => return Ok(()),
                }
            }
            Op::Typing(role, edits) => {
                let typing = TypingEvent {
                    tenant,
                    conversation,
                    author: Some(author(role)),
                    on: true,
                };
                match through_the_wire(&typing, &edits) {
                    Ok(typing) => self.session.on_typing_event(typing),
                    Err(_) => return Ok(()),
                }
            }
            Op::Queue(position, edits) => {
                let queued = QueuePosition {
                    tenant,
                    conversation,
                    position,
                };
                match through_the_wire(&queued, &edits) {
                    Ok(queued) => self.session.on_queue_position(queued),
                    Err(_) => return Ok(()),
                }
            }
            Op::Page(messages, edits) => {
                let Some(fetch) = self.fetches.pop_front() else {
                    return Ok(());
                };
                let page = messages.map(|n| page(&tenant, &fetch, n));
                match page.map(|p| through_the_wire(&p, &edits)).transpose() {
                    Ok(page) => self.session.on_page(fetch, page),
                    // An undecodable answer is a failed read to the shell.
                    Err(_) => self.session.on_page(fetch, None),
                }
            }
            Op::PublishFailed => self.session.on_publish_failed(&self.last_command),
            Op::AttachFailed => self.session.on_attach_failed(),
            Op::Context(n) => {
                let modes = [
                    SupportMode::AiAgent,
                    SupportMode::SupportTeam,
                    SupportMode::AiAndTeam,
                ];
                let access = [Access::Open, Access::SignedIn];
                let mut context = ctx(modes[usize::from(n % 3)], access[usize::from(n / 3 % 2)]);
                context.tenant = self.session.ctx.tenant;
                context.experience = self.session.ctx.experience;
                self.session.set_context(context);
                Vec::new()
            }
        };
        self.check(effects)
    }

    fn check(&mut self, effects: Vec<Effect>) -> Result<(), TestCaseError> {
        for effect in effects {
            match effect {
                Effect::Send(frame) => {
                    if let ServerFrame::Error { code, message } = &frame {
                        prop_assert!(!code.is_empty() && !message.is_empty(), "{frame:?}");
                    }
                    prop_assert!(
                        !frame.to_json().contains("could not be encoded"),
                        "{frame:?}"
                    );
                }
                Effect::Fetch(fetch) => self.fetches.push_back(fetch),
                Effect::Publish(command) => self.last_command = command.command_id,
                _ => {}
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(1_500))]

    #[test]
    fn any_run_of_frames_and_bus_messages_keeps_the_customer_session_answering(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut run = Run::new();
        // Most runs start greeted, so the frames after reach a conversation.
        run.apply(Op::Text(r#"{"type":"hello"}"#.into()))?;
        for op in ops {
            run.apply(op)?;
        }
    }
}

/// Found by the fuzz test above: the owner's refusal was relayed as it
/// came, so one without a code went out as an error frame naming nothing.
#[test]
fn fuzz_regression_an_unnamed_refusal_reaches_the_customer_named() {
    let mut run = Run::new();
    run.apply(Op::Text(r#"{"type":"hello"}"#.into())).unwrap();
    run.apply(Op::Text(super::HI.into())).unwrap();
    let (tenant, conversation, last_seq) = run.attached();
    let mut refused = event(8, &tenant, &conversation, last_seq, &run.last_command);
    if let Some(Event::Rejected(rejected)) = &mut refused.event {
        rejected.code.clear();
        rejected.message.clear();
    }
    let effects = run.session.on_event(refused);
    let Some(Effect::Send(ServerFrame::Error { code, message })) = effects.first() else {
        panic!("the refusal is not answered: {effects:?}");
    };
    assert_eq!(code, "internal");
    assert!(message.contains("without saying why"), "{message}");
}
