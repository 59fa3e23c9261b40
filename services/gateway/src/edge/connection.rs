//! One HTTP connection and its timeouts.
//!
//! A connection is always in one [`Phase`], which says which deadline runs:
//! waiting for a request's head (header timeout), idle between requests
//! (idle timeout), busy with a request (none here: the body has its own
//! deadline, and handlers bound their own waits), or upgraded (none: a
//! WebSocket keeps itself alive). The socket wrapper ([`Watched`]) sees a
//! request's first byte arrive; the service around the router ([`Edge`])
//! sees each request start and end. Both report to a watch channel, and the
//! connection's task sleeps until the current phase's deadline.
//!
//! hyper's own header timeout is not used: it restarts whenever hyper waits
//! for a request, so it would also close idle keep-alive connections at the
//! (much shorter) header timeout.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use switchboard_runtime::metrics::Gauge;
use switchboard_runtime::shutdown::Shutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use super::{BodyDeadline, EdgeSettings};

/// Where a connection is, and so which deadline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Accepted, or a request's first byte in: its head must follow.
    AwaitingHead { since: Instant },
    /// Between requests, nothing of the next one in yet.
    Idle { since: Instant },
    /// Requests in flight (HTTP/1.1 serves one at a time; counted anyway).
    Busy { requests: usize },
    /// Handed over to a WebSocket.
    Upgraded,
}

impl Phase {
    /// When the connection closes if nothing changes, and why.
    fn deadline(self, settings: &EdgeSettings) -> Option<(Instant, &'static str)> {
        match self {
            Phase::AwaitingHead { since } => Some((
                since + settings.header_timeout,
                "the request's headers did not arrive in time",
            )),
            Phase::Idle { since } => Some((since + settings.idle_timeout, "idle")),
            Phase::Busy { .. } | Phase::Upgraded => None,
        }
    }

    /// Bytes came in: while idle, they start the next request's head.
    fn bytes_arrived(&mut self, now: Instant) -> bool {
        match self {
            Phase::Idle { .. } => {
                *self = Phase::AwaitingHead { since: now };
                true
            }
            _ => false,
        }
    }

    fn request_started(&mut self) {
        *self = match *self {
            Phase::Busy { requests } => Phase::Busy {
                requests: requests + 1,
            },
            Phase::Upgraded => Phase::Upgraded,
            Phase::AwaitingHead { .. } | Phase::Idle { .. } => Phase::Busy { requests: 1 },
        };
    }

    fn request_finished(&mut self, now: Instant) {
        if let Phase::Busy { requests } = *self {
            *self = if requests > 1 {
                Phase::Busy {
                    requests: requests - 1,
                }
            } else {
                Phase::Idle { since: now }
            };
        }
    }
}

type PhaseTx = Arc<watch::Sender<Phase>>;

/// A connection's place under the cap, counted in the open-connections
/// gauge. It travels with the socket, into a WebSocket after an upgrade, so
/// the slot frees when the socket closes.
#[derive(Debug)]
pub(super) struct Slot {
    _permit: OwnedSemaphorePermit,
    open: Gauge,
}

impl Slot {
    pub(super) fn new(permit: OwnedSemaphorePermit, open: Gauge) -> Self {
        open.inc();
        Self {
            _permit: permit,
            open,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.dec();
    }
}

/// Serves one connection until it ends, is upgraded, or misses a deadline.
pub(super) async fn serve(
    tcp: TcpStream,
    peer: SocketAddr,
    slot: Slot,
    router: Router,
    settings: EdgeSettings,
    stop: Shutdown,
) {
    let (phase, mut watching) = watch::channel(Phase::AwaitingHead {
        since: Instant::now(),
    });
    let phase = Arc::new(phase);
    let io = Watched {
        tcp,
        phase: Arc::clone(&phase),
        _slot: slot,
    };
    let service = Edge {
        router,
        peer,
        phase,
        body_timeout: settings.body_timeout,
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.header_read_timeout(None);
    let connection = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        let deadline = watching.borrow_and_update().deadline(&settings);
        let (at, why) = deadline.unwrap_or((Instant::now(), ""));
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
                return;
            }
            Ok(()) = watching.changed() => {}
            () = tokio::time::sleep_until(at), if deadline.is_some() => {
                tracing::debug!(%peer, why, "connection closed");
                return;
            }
            () = stop.cancelled(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The socket, reporting the first bytes of each request.
struct Watched {
    tcp: TcpStream,
    phase: PhaseTx,
    _slot: Slot,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let now = Instant::now();
            this.phase
                .send_if_modified(|phase| phase.bytes_arrived(now));
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

/// The router as hyper calls it: each request gets the client's address
/// (`ConnectInfo`) and its body deadline, and reports its start and end.
#[derive(Clone)]
struct Edge {
    router: Router,
    peer: SocketAddr,
    phase: PhaseTx,
    body_timeout: std::time::Duration,
}

impl hyper::service::Service<Request<Incoming>> for Edge {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        self.phase.send_modify(Phase::request_started);
        let in_flight = InFlight {
            phase: Arc::clone(&self.phase),
            upgraded: false,
        };
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        request.extensions_mut().insert(BodyDeadline {
            at: Instant::now() + self.body_timeout,
            limit: self.body_timeout,
        });
        let router = self.router.clone();
        Box::pin(async move {
            // The whole guard moves in (not just the field set below), so
            // the request ends when this future does.
            let mut in_flight = in_flight;
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            in_flight.upgraded = response.status() == StatusCode::SWITCHING_PROTOCOLS;
            Ok(response)
        })
    }
}

/// A request in flight; it ends when its response is handed to hyper (or
/// when hyper drops it, the connection gone). The response's body is written
/// after that, under the idle timeout: a client that stops reading is let go.
struct InFlight {
    phase: PhaseTx,
    upgraded: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.upgraded {
            self.phase.send_replace(Phase::Upgraded);
        } else {
            let now = Instant::now();
            self.phase.send_modify(|phase| phase.request_finished(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SETTINGS: EdgeSettings = EdgeSettings {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(120),
        max_connections: 1,
    };

    #[test]
    fn each_phase_runs_its_own_deadline() {
        let t0 = Instant::now();
        let mut phase = Phase::AwaitingHead { since: t0 };
        assert_eq!(
            phase.deadline(&SETTINGS).map(|d| d.0),
            Some(t0 + SETTINGS.header_timeout)
        );
        phase.request_started();
        assert_eq!(phase, Phase::Busy { requests: 1 });
        assert_eq!(phase.deadline(&SETTINGS), None, "the body has its own");
        let t1 = t0 + Duration::from_secs(1);
        phase.request_finished(t1);
        assert_eq!(
            phase.deadline(&SETTINGS).map(|d| d.0),
            Some(t1 + SETTINGS.idle_timeout)
        );
        let t2 = t1 + Duration::from_secs(60);
        assert!(phase.bytes_arrived(t2), "the next request starts");
        assert_eq!(
            phase.deadline(&SETTINGS).map(|d| d.0),
            Some(t2 + SETTINGS.header_timeout)
        );
        assert!(
            !phase.bytes_arrived(t2 + Duration::from_secs(1)),
            "still that head"
        );
    }

    #[test]
    fn an_upgraded_connection_has_no_deadline_and_stays_upgraded() {
        let mut phase = Phase::Upgraded;
        phase.request_started();
        phase.request_finished(Instant::now());
        assert!(!phase.bytes_arrived(Instant::now()));
        assert_eq!(phase, Phase::Upgraded);
        assert_eq!(phase.deadline(&SETTINGS), None);
    }

    #[test]
    fn overlapping_requests_keep_the_connection_busy_until_the_last_ends() {
        let now = Instant::now();
        let mut phase = Phase::Idle { since: now };
        phase.request_started();
        phase.request_started();
        phase.request_finished(now);
        assert_eq!(phase, Phase::Busy { requests: 1 });
        phase.request_finished(now);
        assert_eq!(phase, Phase::Idle { since: now });
    }
}
