//! The shell on channels, with tokio's clock paused: a probe session that
//! echoes frame types and turns bus deliveries into frames stands in for the
//! customer and agent sessions, so what is tested is the loop itself —
//! keepalive, silence, reload, shutdown, closing and error frames.

pub(super) mod probe;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::ws::{CloseFrame, Message};
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use serde_json::{Value, json};
use switchboard_runtime::metrics::Metrics;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::intake::Intake;
use super::shell::{self, GOING_AWAY, Meters, PING_EVERY, RELOAD_EVERY};
use probe::{BusInput, Echo, Probe};

/// A running shell and the client's, the bus's and the server's ends of it.
struct Harness {
    client: UnboundedSender<Result<Message, Infallible>>,
    server: UnboundedReceiver<Message>,
    bus: mpsc::UnboundedSender<BusInput>,
    shutdown: CancellationToken,
    meters: Meters,
    reloads: Arc<AtomicUsize>,
    started: Instant,
}

impl Harness {
    fn start() -> Self {
        let metrics = Metrics::new();
        let meters = Meters {
            open: metrics.gauge("open", "open sockets"),
            frames_in: metrics.counter("frames_in_total", "frames in"),
            frame_errors: metrics.counter("frame_errors_total", "error frames"),
        };
        let (sink, server) = unbounded();
        let (client, stream) = unbounded();
        let (bus, deliveries) = mpsc::unbounded_channel();
        let reloads = Arc::new(AtomicUsize::new(0));
        let probe = Probe {
            echo: Echo(Intake::new(1000, std::time::Instant::now())),
            bus: deliveries,
            reloads: reloads.clone(),
        };
        let shutdown = CancellationToken::new();
        tokio::spawn(shell::run(
            sink,
            stream,
            probe,
            meters.clone(),
            shutdown.clone(),
        ));
        Self {
            client,
            server,
            bus,
            shutdown,
            meters,
            reloads,
            started: Instant::now(),
        }
    }

    fn send(&self, message: Message) {
        self.client
            .unbounded_send(Ok(message))
            .expect("the shell reads");
    }

    fn send_json(&self, frame: Value) {
        self.send(Message::Text(frame.to_string().into()));
    }

    /// The next message the server sends; panics if the socket ended.
    async fn next(&mut self) -> Message {
        self.server.next().await.expect("the socket is still open")
    }

    async fn next_json(&mut self) -> Value {
        match self.next().await {
            Message::Text(text) => serde_json::from_str(text.as_str()).expect("JSON"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The server's close frame, after which the socket has ended.
    async fn closed_with(&mut self) -> CloseFrame {
        let Message::Close(Some(frame)) = self.next().await else {
            panic!("expected a close frame");
        };
        assert!(self.server.next().await.is_none(), "nothing after close");
        frame
    }

    fn since_start(&self) -> Duration {
        Instant::now() - self.started
    }
}

#[tokio::test(start_paused = true)]
async fn a_quiet_client_is_pinged_every_thirty_seconds() {
    let mut socket = Harness::start();
    assert!(matches!(socket.next().await, Message::Ping(_)));
    assert_eq!(socket.since_start(), PING_EVERY);
    socket.send(Message::Pong(Default::default()));
    assert!(matches!(socket.next().await, Message::Ping(_)));
    assert_eq!(socket.since_start(), 2 * PING_EVERY);
}

#[tokio::test(start_paused = true)]
async fn a_silent_client_is_closed_at_the_first_ping_past_the_silence_limit() {
    let mut socket = Harness::start();
    assert!(matches!(socket.next().await, Message::Ping(_)));
    assert!(matches!(socket.next().await, Message::Ping(_)));
    let close = socket.closed_with().await;
    // Silent for 75 s is gone; the tick that notices is the one at 90 s.
    assert_eq!(socket.since_start(), Duration::from_secs(90));
    assert_eq!(close.code, GOING_AWAY);
    assert_eq!(close.reason.as_str(), "no answer to pings");
    assert_eq!(
        socket.meters.open.get(),
        0,
        "the socket is no longer counted"
    );
}

#[tokio::test(start_paused = true)]
async fn answering_pings_keeps_a_quiet_client_open() {
    let mut socket = Harness::start();
    for ping in 1..=6 {
        assert!(matches!(socket.next().await, Message::Ping(_)));
        assert_eq!(socket.since_start(), ping * PING_EVERY);
        socket.send(Message::Pong(Default::default()));
    }
    assert_eq!(socket.meters.open.get(), 1);
    assert_eq!(socket.meters.frames_in.get(), 0, "pongs are not frames");
}

#[tokio::test(start_paused = true)]
async fn any_frame_restarts_the_silence_limit() {
    let mut socket = Harness::start();
    assert!(matches!(socket.next().await, Message::Ping(_)));
    assert!(matches!(socket.next().await, Message::Ping(_)));
    socket.send_json(json!({"type": "typing"}));
    assert_eq!(socket.next_json().await["type"], "echo");
    // Heard at 60 s: pings at 90 and 120, closed at the 150 s tick.
    assert!(matches!(socket.next().await, Message::Ping(_)));
    assert!(matches!(socket.next().await, Message::Ping(_)));
    let close = socket.closed_with().await;
    assert_eq!(socket.since_start(), Duration::from_secs(150));
    assert_eq!(close.reason.as_str(), "no answer to pings");
}

#[tokio::test(start_paused = true)]
async fn shutdown_closes_the_socket_as_going_away_with_the_reason() {
    let mut socket = Harness::start();
    socket.send_json(json!({"type": "hello"}));
    assert_eq!(
        socket.next_json().await,
        json!({"type": "echo", "kind": "hello"})
    );
    socket.shutdown.cancel();
    let close = socket.closed_with().await;
    assert_eq!(close.code, GOING_AWAY);
    assert_eq!(close.reason.as_str(), "the server is shutting down");
    assert_eq!(socket.meters.open.get(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_bad_frame_is_answered_with_an_error_frame_and_the_socket_lives_on() {
    let mut socket = Harness::start();
    socket.send(Message::Text("not json".into()));
    let error = socket.next_json().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "invalid");
    socket.send(Message::Binary(vec![1, 2, 3].into()));
    let error = socket.next_json().await;
    assert_eq!(error["code"], "invalid");
    assert!(error["message"].as_str().unwrap().contains("binary frames"));
    socket.send_json(json!({"type": "end"}));
    assert_eq!(socket.next_json().await["kind"], "end");
    assert_eq!(socket.meters.frames_in.get(), 3);
    assert_eq!(socket.meters.frame_errors.get(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_client_close_ends_the_socket_without_a_close_of_its_own() {
    let mut socket = Harness::start();
    socket.send_json(json!({"type": "hello"}));
    socket.next_json().await;
    assert_eq!(socket.meters.open.get(), 1);
    socket.send(Message::Close(None));
    assert!(socket.server.next().await.is_none(), "the sink is closed");
    assert_eq!(socket.meters.open.get(), 0);
}

#[tokio::test(start_paused = true)]
async fn bus_deliveries_become_frames_and_a_lost_bus_closes_with_its_reason() {
    let mut socket = Harness::start();
    socket
        .bus
        .send(BusInput::Event(7))
        .expect("the probe listens");
    assert_eq!(socket.next_json().await, json!({"type": "event", "n": 7}));
    socket.bus.send(BusInput::Lost).expect("the probe listens");
    let close = socket.closed_with().await;
    assert_eq!(close.code, GOING_AWAY);
    assert_eq!(close.reason.as_str(), "the connection to the bus was lost");
}

#[tokio::test(start_paused = true)]
async fn configuration_is_reloaded_before_a_text_frame_at_most_every_five_seconds() {
    let mut socket = Harness::start();
    let reloads = |socket: &Harness| socket.reloads.load(Ordering::SeqCst);
    socket.send_json(json!({"type": "a"}));
    socket.next_json().await;
    assert_eq!(
        reloads(&socket),
        0,
        "the socket opened with fresh configuration"
    );
    tokio::time::advance(RELOAD_EVERY).await;
    socket.send_json(json!({"type": "b"}));
    socket.next_json().await;
    socket.send_json(json!({"type": "c"}));
    socket.next_json().await;
    assert_eq!(reloads(&socket), 1);
}

/// A socket's sending half that keeps frames until it is flushed, then hands
/// them over as one write.
struct Buffered {
    queued: Vec<Message>,
    writes: UnboundedSender<Vec<Message>>,
}

impl futures::Sink<Message> for Buffered {
    type Error = Infallible;

    fn poll_ready(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn start_send(mut self: std::pin::Pin<&mut Self>, frame: Message) -> Result<(), Infallible> {
        self.queued.push(frame);
        Ok(())
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        if !self.queued.is_empty() {
            let write = std::mem::take(&mut self.queued);
            let _ = self.writes.unbounded_send(write);
        }
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        self.poll_flush(cx)
    }
}

#[tokio::test(start_paused = true)]
async fn deliveries_ready_together_are_written_together_and_none_waits_for_the_next() {
    let metrics = Metrics::new();
    let meters = Meters {
        open: metrics.gauge("open", "open sockets"),
        frames_in: metrics.counter("frames_in_total", "frames in"),
        frame_errors: metrics.counter("frame_errors_total", "error frames"),
    };
    let (writes, mut written) = unbounded();
    let (_client, stream) = unbounded::<Result<Message, Infallible>>();
    let (bus, deliveries) = mpsc::unbounded_channel();
    for n in 0..5 {
        bus.send(BusInput::Event(n)).expect("queued");
    }
    let probe = Probe {
        echo: Echo(Intake::new(1000, std::time::Instant::now())),
        bus: deliveries,
        reloads: Arc::new(AtomicUsize::new(0)),
    };
    let sink = Buffered {
        queued: Vec::new(),
        writes,
    };
    tokio::spawn(shell::run(
        sink,
        stream,
        probe,
        meters,
        CancellationToken::new(),
    ));
    let first = written.next().await.expect("a write");
    assert_eq!(first.len(), 5, "five deliveries ready at once, one write");
    // A lone delivery is written as soon as nothing else is ready.
    bus.send(BusInput::Event(5)).expect("queued");
    let lone = written.next().await.expect("a write");
    assert_eq!(lone.len(), 1);
    let Message::Text(text) = &lone[0] else {
        panic!("a text frame");
    };
    let frame: Value = serde_json::from_str(text.as_str()).expect("JSON");
    assert_eq!(frame, json!({"type": "event", "n": 5}));
}
