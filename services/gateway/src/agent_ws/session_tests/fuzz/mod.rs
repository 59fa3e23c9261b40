//! Fuzzing of the agent session: a random run of console frames (valid,
//! changed, garbage, and frames about the conversations the agent holds),
//! the answers its shell feeds back (token checks, the router's view,
//! transcript pages), the bus messages it receives (agent events,
//! conversation events, typing: valid ones, changed on the wire, decoded as
//! the socket decodes them) and failed I/O. Whatever the order, the
//! session never panics, every frame it sends encodes, and every error
//! frame has a code and a message.

mod seeds;

use std::collections::VecDeque;

use proptest::prelude::*;
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationCommand, RoutingInput, TypingEvent};
use switchboard_testkit::fuzz::{ProtoEdit, config, proto_edits, through_the_wire};

use self::seeds::{author, held_frame};
use super::{identity, now};
use crate::agent_ws::server_frame::ServerFrame;
use crate::agent_ws::session::{AgentSession, Effect, Fetch};
use crate::error::ApiError;
use crate::socket::fuzz::{agent_frame, frame_text};
use crate::socket::intake::ClientSession;
use crate::socket::server_frame::OutgoingFrame;

const FIELDS: &[&str] = &[
    "type",
    "token",
    "status",
    "space",
    "offer_id",
    "conversation",
    "client_id",
    "text",
    "on",
];

/// One thing that happens to an agent socket. `usize`s pick a held
/// conversation (or a known offer), modulo how many there are.
#[derive(Debug, Clone)]
enum Op {
    Text(String),
    /// A frame of kind `n` about a held conversation or a known offer.
    Held(u8, usize),
    /// The answer to the pending token check.
    Authenticated(bool),
    /// The router's view: live conversations, offers; `None` when it did not answer.
    View(Option<(u8, u8)>, Vec<ProtoEdit>),
    AgentEvent(u8, usize, Vec<ProtoEdit>),
    Event(u8, usize, Vec<ProtoEdit>),
    Typing(i32, usize, Vec<ProtoEdit>),
    /// The answer to the oldest transcript read; `None` when it failed.
    Page(Option<(u64, i32)>, Vec<ProtoEdit>),
    RouteFailed,
    PublishFailed,
    AttachFailed(usize),
    ListenFailed,
}

fn op() -> impl Strategy<Value = Op> {
    let pick = any::<usize>();
    prop_oneof![
        6 => frame_text(agent_frame().boxed(), FIELDS).prop_map(Op::Text),
        6 => (0u8..7, pick).prop_map(|(n, i)| Op::Held(n, i)),
        1 => any::<bool>().prop_map(Op::Authenticated),
        2 => (proptest::option::of((0u8..4, 0u8..4)), proto_edits()).prop_map(|(v, e)| Op::View(v, e)),
        5 => (0u8..7, pick, proto_edits()).prop_map(|(n, i, e)| Op::AgentEvent(n, i, e)),
        6 => (0u8..8, pick, proto_edits()).prop_map(|(n, i, e)| Op::Event(n, i, e)),
        1 => (-1i32..6, pick, proto_edits()).prop_map(|(r, i, e)| Op::Typing(r, i, e)),
        4 => (proptest::option::of((0u64..5, -1i32..6)), proto_edits()).prop_map(|(p, e)| Op::Page(p, e)),
        1 => Just(Op::RouteFailed),
        1 => Just(Op::PublishFailed),
        1 => pick.prop_map(Op::AttachFailed),
        1 => Just(Op::ListenFailed),
    ]
}

/// An agent socket and what its shell would still have to answer.
struct Run {
    session: AgentSession,
    me: super::AgentIdentity,
    authenticating: bool,
    querying: bool,
    fetches: VecDeque<Fetch>,
    offers: Vec<String>,
    last_route: Option<RoutingInput>,
    last_command: Option<ConversationCommand>,
}

impl Run {
    fn new() -> Self {
        Self {
            session: AgentSession::new(1_000, now().instant),
            me: identity(),
            authenticating: false,
            querying: false,
            fetches: VecDeque::new(),
            offers: Vec::new(),
            last_route: None,
            last_command: None,
        }
    }

    fn held(&self, i: usize) -> ConversationId {
        let held: Vec<&ConversationId> = self.session.held().collect();
        held.get(i % held.len().max(1))
            .map_or_else(ConversationId::new, |c| **c)
    }

    fn offer(&self, i: usize) -> String {
        self.offers
            .get(i % self.offers.len().max(1))
            .cloned()
            .unwrap_or_default()
    }

    fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        let effects = match op {
            Op::Text(text) => self.session.on_client_text(&text, now()),
            Op::Held(n, i) => {
                let frame = held_frame(n, &self.held(i), &self.offer(i), &self.me);
                self.session.on_client_text(&frame.to_string(), now())
            }
            Op::Authenticated(ok) if std::mem::take(&mut self.authenticating) => {
                self.session.on_authenticated(if ok {
                    Ok(self.me.clone())
                } else {
                    Err(ApiError::Unauthorized("the token is not valid".into()))
                })
            }
            Op::View(view, edits) if std::mem::take(&mut self.querying) => {
                let view = view.map(|(live, offers)| self.view(live, offers));
                match view.map(|v| through_the_wire(&v, &edits)).transpose() {
                    Ok(view) => self.session.on_view(view, now().epoch_ms),
                    Err(_) => self.session.on_view(None, now().epoch_ms),
                }
            }
            Op::AgentEvent(n, i, edits) => {
                let event = self.agent_event(n, i);
                match through_the_wire(&event, &edits) {
                    Ok(event) => self.session.on_agent_event(event),
                    Err(_) => return Ok(()),
                }
            }
            Op::Event(n, i, edits) => {
                let event = self.event(n, i);
                match through_the_wire(&event, &edits) {
                    Ok(event) => self.session.on_event(event),
                    Err(_) => return Ok(()),
                }
            }
            Op::Typing(role, i, edits) => {
                let typing = TypingEvent {
                    tenant: self.me.tenant.to_string(),
                    conversation: self.held(i).to_string(),
                    author: Some(author(role)),
                    on: true,
                };
                match through_the_wire(&typing, &edits) {
                    Ok(typing) => self.session.on_typing_event(typing),
                    Err(_) => return Ok(()),
                }
            }
            Op::Page(page, edits) => {
                let Some(fetch) = self.fetches.pop_front() else {
                    return Ok(());
                };
                let page = page.map(|(n, state)| self.page(&fetch, n, state));
                let page = page.and_then(|p| through_the_wire(&p, &edits).ok());
                self.session.on_page(fetch, page, now().epoch_ms)
            }
            Op::RouteFailed => match self.last_route.take() {
                Some(input) => self.session.on_route_failed(&input),
                None => return Ok(()),
            },
            Op::PublishFailed => match self.last_command.take() {
                Some(command) => self.session.on_publish_failed(&command),
                None => return Ok(()),
            },
            Op::AttachFailed(i) => self.session.on_attach_failed(self.held(i)),
            Op::ListenFailed => self.session.on_listen_failed(),
            Op::Authenticated(_) | Op::View(..) => return Ok(()),
        };
        self.check(effects)
    }

    fn check(&mut self, effects: Vec<Effect>) -> Result<(), TestCaseError> {
        for effect in effects {
            match effect {
                Effect::Send(frame) => {
                    if let ServerFrame::Error(error) = &frame {
                        prop_assert!(
                            !error.code.is_empty() && !error.message.is_empty(),
                            "{frame:?}"
                        );
                    }
                    prop_assert!(
                        !frame.to_json().contains("could not be encoded"),
                        "{frame:?}"
                    );
                }
                Effect::Authenticate(_) => self.authenticating = true,
                Effect::QueryRouter => self.querying = true,
                Effect::Fetch(fetch) => self.fetches.push_back(fetch),
                Effect::Route(input) => self.last_route = Some(input),
                Effect::Publish(command) => self.last_command = Some(command),
                _ => {}
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(1_500))]

    #[test]
    fn any_run_of_frames_and_bus_messages_keeps_the_agent_session_answering(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut run = Run::new();
        // Most runs start signed in, so the frames after reach conversations.
        run.apply(Op::Text(r#"{"type":"hello","token":"t"}"#.into()))?;
        run.apply(Op::Authenticated(true))?;
        run.apply(Op::View(Some((1, 1)), Vec::new()))?;
        for op in ops {
            run.apply(op)?;
        }
    }
}

/// Found by the customer session's fuzz test: a refusal without a code or
/// message went out as an error frame naming nothing; the agent's did too.
#[test]
fn fuzz_regression_an_unnamed_refusal_reaches_the_agent_named() {
    let mut run = Run::new();
    run.apply(Op::Text(r#"{"type":"hello","token":"t"}"#.into()))
        .unwrap();
    run.apply(Op::Authenticated(true)).unwrap();
    run.apply(Op::View(Some((1, 0)), Vec::new())).unwrap();
    run.apply(Op::Held(0, 0)).unwrap();
    let mut refused = run.event(5, 0);
    if let Some(Event::Rejected(rejected)) = &mut refused.event {
        rejected.code.clear();
        rejected.message.clear();
    }
    let effects = run.session.on_event(refused);
    let Some(Effect::Send(ServerFrame::Error(error))) = effects.first() else {
        panic!("the refusal is not answered: {effects:?}");
    };
    assert_eq!(error.code, "internal");
    assert!(error.message.contains("without saying why"), "{error:?}");
}
