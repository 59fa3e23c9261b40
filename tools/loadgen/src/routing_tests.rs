//! The simulated agent and customer against a fake gateway speaking
//! CONTRACT.md §3, which plays the router too: a handoff becomes an offer to
//! the one agent, an accept an assignment, the agent's `end` ends the chat on
//! both sockets. The ledger must correlate the two sides, and the agent must
//! count offers beyond the limit as violations.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use crate::ledger::Ledger;
use crate::routing_agent::{self, GREETING};
use crate::routing_customer::{self, Outcome};

type Outbox = mpsc::UnboundedSender<Value>;

struct Fake {
    /// Offers sent to the agent right after it turns available; their
    /// accepts are counted, not answered.
    unsolicited_offers: usize,
    accepts: watch::Sender<usize>,
    agent: Mutex<Option<Outbox>>,
    customers: Mutex<HashMap<String, Outbox>>,
}

impl Fake {
    fn new(unsolicited_offers: usize) -> Arc<Self> {
        Arc::new(Self {
            unsolicited_offers,
            accepts: watch::Sender::new(0),
            agent: Mutex::default(),
            customers: Mutex::default(),
        })
    }

    fn to_agent(&self, frame: Value) {
        if let Some(agent) = &*self.agent.lock().unwrap() {
            let _ = agent.send(frame);
        }
    }

    fn to_customer(&self, conversation: &str, frame: Value) {
        if let Some(customer) = self.customers.lock().unwrap().get(conversation) {
            let _ = customer.send(frame);
        }
    }

    /// One client frame from the socket at `path`, answered through `me`.
    fn on_frame(&self, path: &str, frame: &Value, me: &Outbox) {
        let conversation = frame["conversation"].as_str().unwrap_or("c1").to_owned();
        let message = |role: &str, text: &str| {
            json!({"type": "message", "message": {"id": "m", "conversation": conversation,
                "seq": 1, "author": {"role": role, "name": role}, "text": text}})
        };
        match (path, frame["type"].as_str().unwrap_or_default()) {
            ("/ws/agent", "hello") => {
                *self.agent.lock().unwrap() = Some(me.clone());
                let _ = me.send(json!({"type": "welcome", "agent": {"id": "a", "name": "A"},
                    "spaces": [], "conversations": []}));
            }
            ("/ws/agent", "set_status") => {
                let _ = me.send(json!({"type": "status", "space": "s", "status": "available"}));
                for n in 0..self.unsolicited_offers {
                    self.to_agent(json!({"type": "offer", "offer_id": format!("o{n}"),
                        "conversation": format!("x{n}")}));
                }
            }
            ("/ws/agent", "accept") if self.unsolicited_offers > 0 => {
                self.accepts.send_modify(|n| *n += 1);
            }
            ("/ws/agent", "accept") => {
                self.to_agent(json!({"type": "assigned", "conversation": "c1", "transcript": []}));
            }
            ("/ws/agent", "message") => self.to_customer("c1", message("agent", GREETING)),
            ("/ws/agent", "end") => {
                let ended = json!({"type": "ended", "conversation": "c1", "reason": "agent_ended"});
                self.to_agent(ended.clone());
                self.to_customer("c1", ended);
            }
            ("/ws/customer?widget=w", "hello") => {
                let _ = me.send(json!({"type": "welcome", "signed_in": true}));
            }
            ("/ws/customer?widget=w", "message") => {
                self.customers
                    .lock()
                    .unwrap()
                    .insert("c1".into(), me.clone());
                let _ = me.send(json!({"type": "conversation", "id": "c1", "state": "ai"}));
                let _ = me.send(message("ai", "an answer"));
            }
            ("/ws/customer?widget=w", "request_human") => {
                self.to_agent(json!({"type": "offer", "offer_id": "o-c1", "conversation": "c1"}));
            }
            _ => {}
        }
    }
}

// tungstenite's handshake callback type returns its large error response.
#[allow(clippy::result_large_err)]
async fn fake_gateway(fake: Arc<Fake>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let fake = Arc::clone(&fake);
            tokio::spawn(async move {
                let mut path = String::new();
                let socket = tokio_tungstenite::accept_hdr_async(
                    stream,
                    |request: &Request, response: Response| {
                        path = request.uri().to_string();
                        Ok(response)
                    },
                )
                .await
                .unwrap();
                let (mut sink, mut stream) = socket.split();
                let (me, mut outbox) = mpsc::unbounded_channel::<Value>();
                tokio::spawn(async move {
                    while let Some(frame) = outbox.recv().await {
                        let _ = sink.send(Message::text(frame.to_string())).await;
                    }
                });
                while let Some(Ok(Message::Text(text))) = stream.next().await {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                    fake.on_frame(&path, &frame, &me);
                }
            });
        }
    });
    format!("ws://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handoff_is_offered_accepted_answered_and_ended_with_both_sides_timed() {
    let ws = fake_gateway(Fake::new(0)).await;
    let ledger = Arc::new(Ledger::default());
    let (stop, stopped) = watch::channel(false);
    let socket = routing_agent::connect(&ws, "token").await.unwrap();
    let think = Duration::from_millis(20);
    let agent = tokio::spawn(routing_agent::run(
        socket,
        Arc::clone(&ledger),
        3,
        think,
        stopped,
    ));
    let started = Instant::now();
    let waiting = routing_customer::prepare(&format!("{ws}/ws/customer?widget=w"), "jwt")
        .await
        .unwrap();
    let outcome = waiting.hand_off(&ledger, Duration::from_secs(10)).await;
    assert_eq!(outcome, Outcome::Served);
    stop.send(true).unwrap();
    let report = agent.await.unwrap();

    let summary = ledger.summary(started);
    assert_eq!((summary.handoffs, summary.assignments), (1, 1));
    assert_eq!(summary.handoff_to_offer.len(), 1);
    assert_eq!(summary.accept_to_message.len(), 1);
    assert_eq!((report.offers, report.assigned, report.ended), (1, 1, 1));
    assert_eq!((report.violations, report.held_at_stop), (0, 0));
    assert!(started.elapsed() >= think, "the agent thinks before ending");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offer_beyond_the_limit_counts_as_a_violation_from_the_agents_view() {
    let fake = Fake::new(4);
    let ws = fake_gateway(Arc::clone(&fake)).await;
    let ledger = Arc::new(Ledger::default());
    let (stop, stopped) = watch::channel(false);
    let socket = routing_agent::connect(&ws, "token").await.unwrap();
    let agent = tokio::spawn(routing_agent::run(
        socket,
        Arc::clone(&ledger),
        3,
        Duration::from_secs(60),
        stopped,
    ));
    // The agent counts each offer before it accepts it.
    let mut accepts = fake.accepts.subscribe();
    tokio::time::timeout(Duration::from_secs(10), accepts.wait_for(|n| *n == 4))
        .await
        .expect("four accepts")
        .unwrap();
    stop.send(true).unwrap();
    let report = agent.await.unwrap();
    assert_eq!(report.offers, 4);
    assert_eq!((report.violations, report.max_held), (1, 4));
}
