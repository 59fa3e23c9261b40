//! The fan-out's routing, without a bus: messages are handed to `route` as
//! the wildcard subscriptions would.

use std::future::poll_fn;

use futures::FutureExt;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects::{self, EventKind};

use super::*;

fn fanout() -> Fanout {
    Fanout {
        routes: Arc::default(),
        next_id: Arc::default(),
    }
}

fn message(subject: String) -> Message {
    Message {
        subject: subject.into(),
        reply: None,
        payload: Default::default(),
        headers: None,
        status: None,
        description: None,
        length: 0,
    }
}

/// What the subscription has now, without waiting.
fn ready(subscription: &mut Subscription) -> Option<Fanned> {
    poll_fn(|cx| subscription.poll_next(cx))
        .now_or_never()
        .flatten()
}

fn subject_of(fanned: Option<Fanned>) -> String {
    match fanned {
        Some(Fanned::Message(message)) => message.subject.to_string(),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn a_message_reaches_the_sockets_of_its_conversation_and_family_only() {
    let fanout = fanout();
    let (t, c, other) = (
        TenantId::new(),
        ConversationId::new(),
        ConversationId::new(),
    );
    let mut feed = fanout.subscribe(&[Family::Events, Family::Typing], t, c);
    let mut second = fanout.subscribe(&[Family::Events, Family::Typing], t, c);
    let mut queue = fanout.subscribe(&[Family::Queue], t, c);

    let event = subjects::event(t, c, EventKind::Message);
    fanout.route(message(event.clone()));
    fanout.route(message(subjects::typing(t, c)));
    fanout.route(message(subjects::event(t, other, EventKind::Message)));
    fanout.route(message(subjects::event(
        TenantId::new(),
        c,
        EventKind::Message,
    )));

    for subscription in [&mut feed, &mut second] {
        assert_eq!(subject_of(ready(subscription)), event);
        assert_eq!(subject_of(ready(subscription)), subjects::typing(t, c));
        assert!(ready(subscription).is_none());
    }
    assert!(ready(&mut queue).is_none());
    fanout.route(message(subjects::queue_position(t, c)));
    assert_eq!(
        subject_of(ready(&mut queue)),
        subjects::queue_position(t, c)
    );
}

#[test]
fn a_socket_that_falls_behind_reads_what_waits_then_resyncs() {
    let fanout = fanout();
    let (t, c) = (TenantId::new(), ConversationId::new());
    let mut feed = fanout.subscribe(&[Family::Events], t, c);
    for _ in 0..ROUTE_CAPACITY + 3 {
        fanout.route(message(subjects::event(t, c, EventKind::Message)));
    }
    for _ in 0..ROUTE_CAPACITY {
        assert!(matches!(ready(&mut feed), Some(Fanned::Message(_))));
    }
    assert!(matches!(ready(&mut feed), Some(Fanned::Resync)));
    assert!(ready(&mut feed).is_none());
}

#[test]
fn a_reconnect_resyncs_every_socket_once() {
    let fanout = fanout();
    let t = TenantId::new();
    let mut sockets: Vec<Subscription> = (0..3)
        .map(|_| fanout.subscribe(&[Family::Events, Family::Typing], t, ConversationId::new()))
        .collect();
    fanout.resync_all();
    for socket in &mut sockets {
        assert!(matches!(ready(socket), Some(Fanned::Resync)));
        // Registered under two families, resynced once.
        assert!(ready(socket).is_none());
    }
}

#[test]
fn a_closed_socket_leaves_no_route_behind() {
    let fanout = fanout();
    let (t, c) = (TenantId::new(), ConversationId::new());
    let first = fanout.subscribe(&[Family::Events, Family::Typing], t, c);
    let second = fanout.subscribe(&[Family::Events], t, c);
    assert_eq!(fanout.routed(), 2);
    drop(first);
    assert_eq!(fanout.routed(), 1);
    drop(second);
    assert_eq!(fanout.routed(), 0);
    fanout.route(message(subjects::event(t, c, EventKind::State)));
}

#[test]
fn the_family_is_read_off_the_subject() {
    let (t, c) = (TenantId::new(), ConversationId::new());
    assert_eq!(
        Family::of(&subjects::event(t, c, EventKind::State)),
        Some(Family::Events)
    );
    assert_eq!(Family::of(&subjects::typing(t, c)), Some(Family::Typing));
    assert_eq!(
        Family::of(&subjects::queue_position(t, c)),
        Some(Family::Queue)
    );
    assert_eq!(Family::of(&subjects::command(t, c)), None);
}
