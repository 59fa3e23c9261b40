//! Scale-out under faults (SPEC §9): three clustered nats-servers with every
//! stream and bucket at three replicas, two instances of every service on
//! one PostgreSQL database, customers spread over both gateways. Mid-flow
//! the node leading `SB_COMMANDS` and one instance of every service are
//! SIGKILLed, then restarted. Afterwards every acknowledged message is
//! stored once with a gap-free `seq`, every conversation ends, no agent
//! went over the limit nor was any conversation assigned twice, and the
//! inactivity and accept-window timers fired once and never early.
//!
//! Prints the recovery time after the leader's loss and the round-trip
//! latency of a customer message on the cluster beside a single node
//! (`cargo nextest run -p switchboard-e2e -E 'test(fault)' --no-capture`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, TeamTenant, customer_token, team_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::{Nats, System};
use switchboard_testkit::{NatsCluster, eventually, postgres_database};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const INSTANCES: usize = 2;
const CUSTOMERS: usize = 4;
const LIMIT: usize = 2;
const INACTIVITY_WARN: Duration = Duration::from_secs(20);
const INACTIVITY_END: Duration = Duration::from_secs(5);
const ACCEPT_WINDOW: Duration = Duration::from_secs(3);
/// Long enough that Alice and Bob always answer first: an offer timeout
/// would take an agent out of the rotation.
const OFFER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one acknowledged step may take, faults included.
const STEP: Duration = Duration::from_secs(45);
/// A socket silent this long while waiting for an answer is replaced.
const SILENT: Duration = Duration::from_secs(3);
const LATENCY_SAMPLES: usize = 100;
/// The latency loop sends each message as soon as the last one is echoed,
/// faster than the default frame rate limit (10/s, bursts of 20): a dropped
/// frame would be timed as a silent socket, not as the round trip.
const LATENCY_FRAMES_PER_SECOND: &str = "1000";

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn at(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a timestamp"), &Rfc3339).expect("RFC 3339")
}

/// A customer that behaves like the widget under faults: it keeps the
/// thread by `seq`, and when its socket breaks or goes silent it reconnects
/// (to the next gateway when its own is down) with its resume token and
/// resends what was not acknowledged, with the same client id.
struct Chatter {
    gateways: Vec<String>,
    gateway: usize,
    widget: String,
    token: Option<String>,
    resume: Option<String>,
    conversation: Option<String>,
    socket: Option<Customer>,
    thread: BTreeMap<u64, Value>,
    /// Every non-message frame with when it arrived.
    events: Vec<(OffsetDateTime, Value)>,
    /// Client ids this customer saw acknowledged (echoed with a `seq`).
    acked: Vec<String>,
}

impl Chatter {
    fn new(gateways: Vec<String>, gateway: usize, widget: &str, token: Option<String>) -> Self {
        Self {
            gateways,
            gateway,
            widget: widget.to_owned(),
            token,
            resume: None,
            conversation: None,
            socket: None,
            thread: BTreeMap::new(),
            events: Vec::new(),
            acked: Vec::new(),
        }
    }

    fn record(&mut self, frame: &Value) {
        match frame["type"].as_str() {
            Some("message") => {
                let message = frame["message"].clone();
                if let Some(seq) = message["seq"].as_u64() {
                    self.thread.insert(seq, message);
                }
                return;
            }
            Some("transcript") => {
                for message in frame["messages"].as_array().into_iter().flatten() {
                    if let Some(seq) = message["seq"].as_u64() {
                        self.thread.insert(seq, message.clone());
                    }
                }
            }
            Some("error") if frame["code"] == "resume_invalid" => {
                // Never stored: the next message starts a conversation.
                self.resume = None;
                self.conversation = None;
            }
            Some("conversation") => {
                self.conversation = frame["id"].as_str().map(str::to_owned);
                if let Some(resume) = frame["resume_token"].as_str() {
                    self.resume = Some(resume.to_owned());
                }
            }
            _ => {}
        }
        self.events.push((now(), frame.clone()));
    }

    fn stored(&self, client_id: &str) -> Option<&Value> {
        self.thread.values().find(|m| m["client_id"] == client_id)
    }

    /// A socket that has said hello (and resumed, when there is a thread).
    async fn connect(&mut self) -> Option<Customer> {
        let ws = &self.gateways[self.gateway];
        let Ok(mut socket) = Customer::try_connect(ws, &self.widget).await else {
            self.gateway = (self.gateway + 1) % self.gateways.len();
            return None;
        };
        let mut hello = json!({"type": "hello"});
        if let Some(token) = &self.token {
            hello["token"] = json!(token);
        }
        if let Some(resume) = &self.resume {
            hello["resume"] = json!(resume);
        }
        socket.try_send(hello).await.ok()?;
        loop {
            let frame = tokio::time::timeout(SILENT, socket.next()).await.ok()??;
            self.record(&frame);
            match frame["type"].as_str() {
                Some("welcome") if self.resume.is_none() => return Some(socket),
                Some("transcript") => return Some(socket),
                Some("error") if frame["code"] == "resume_invalid" => return Some(socket),
                Some("error") => return None,
                _ => {}
            }
        }
    }

    async fn ensure_socket(&mut self, deadline: Instant, what: &str) {
        while self.socket.is_none() {
            assert!(Instant::now() < deadline, "no socket for {what}");
            self.socket = self.connect().await;
            if self.socket.is_none() {
                // Retry pace while a gateway restarts.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// Reads one frame; false when the socket broke or stayed silent for
    /// `silence` (the socket is then dropped).
    async fn pump(&mut self, silence: Duration) -> bool {
        self.pump_frame(silence).await.is_some()
    }

    /// As [`Self::pump`], returning the frame read.
    async fn pump_frame(&mut self, silence: Duration) -> Option<Value> {
        let socket = self.socket.as_mut().expect("a socket");
        match tokio::time::timeout(silence, socket.next()).await {
            Ok(Some(frame)) => {
                self.record(&frame);
                Some(frame)
            }
            _ => {
                self.socket = None;
                None
            }
        }
    }

    /// Sends `client_id` (again after a reconnect) until its echo is seen;
    /// returns the stored message.
    async fn say(&mut self, client_id: &str, text: &str) -> Value {
        self.say_within(client_id, text, STEP, SILENT).await
    }

    /// An `error` frame fails the test at once (a dropped frame, e.g.
    /// `rate_limited`, would otherwise look like a silent socket), except
    /// `unavailable`, which asks for the same frame again shortly.
    async fn say_within(
        &mut self,
        client_id: &str,
        text: &str,
        within: Duration,
        silence: Duration,
    ) -> Value {
        let deadline = Instant::now() + within;
        let mut sent_on_this_socket = false;
        loop {
            if let Some(message) = self.stored(client_id) {
                let message = message.clone();
                self.acked.push(client_id.to_owned());
                return message;
            }
            assert!(
                Instant::now() < deadline,
                "{client_id} was never acknowledged; thread: {:?}",
                self.thread.values().collect::<Vec<_>>()
            );
            if self.socket.is_none() {
                self.ensure_socket(deadline, client_id).await;
                sent_on_this_socket = false;
                continue;
            }
            if !sent_on_this_socket {
                let frame = json!({"type": "message", "client_id": client_id, "text": text});
                if self.socket.as_mut().unwrap().try_send(frame).await.is_err() {
                    self.socket = None;
                    continue;
                }
                sent_on_this_socket = true;
            }
            let Some(frame) = self.pump_frame(silence).await else {
                continue;
            };
            if frame["type"] == "error" {
                assert_eq!(
                    frame["code"], "unavailable",
                    "{client_id}: the gateway refused a frame: {frame}"
                );
                // Retry pace while a service recovers.
                tokio::time::sleep(Duration::from_millis(100)).await;
                sent_on_this_socket = false;
            }
        }
    }

    /// Sends a frame that is not a message, once, on the current socket.
    async fn send(&mut self, frame: Value) {
        self.ensure_socket(Instant::now() + STEP, "a frame").await;
        self.socket.as_mut().unwrap().send(frame).await;
    }

    /// Reads until an event matches `wanted` (reconnecting when the socket
    /// breaks; a silent socket is fine here).
    async fn await_event(&mut self, what: &str, within: Duration, wanted: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + within;
        let mut from = 0;
        loop {
            if self.events[from..].iter().any(|(_, e)| wanted(e)) {
                return;
            }
            from = self.events.len();
            assert!(
                Instant::now() < deadline,
                "no {what}; events: {:?}",
                self.events
            );
            if self.socket.is_none() {
                self.ensure_socket(deadline, what).await;
                continue;
            }
            let socket = self.socket.as_mut().unwrap();
            match tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
                Ok(Some(frame)) => self.record(&frame),
                Ok(None) => self.socket = None,
                Err(_) => {}
            }
        }
    }
}

/// An agent console that reconnects when its socket breaks, says hello
/// again and keeps every frame it ever got.
struct Console {
    gateway: String,
    token: String,
    socket: Option<Customer>,
    frames: Vec<Value>,
}

impl Console {
    async fn available(gateway: String, token: &str) -> Self {
        let mut console = Self {
            gateway,
            token: token.to_owned(),
            socket: None,
            frames: Vec::new(),
        };
        console.ensure_socket().await;
        console
            .socket
            .as_mut()
            .unwrap()
            .send(json!({"type": "set_status", "status": "available"}))
            .await;
        console
            .until("available", STEP, |f| {
                f["type"] == "status" && f["status"] == "available"
            })
            .await;
        console
    }

    async fn ensure_socket(&mut self) {
        let deadline = Instant::now() + STEP;
        while self.socket.is_none() {
            assert!(Instant::now() < deadline, "the agent cannot reconnect");
            if let Ok(mut socket) = Customer::open(&format!("{}/ws/agent", self.gateway)).await
                && socket
                    .try_send(json!({"type": "hello", "token": self.token}))
                    .await
                    .is_ok()
            {
                self.socket = Some(socket);
                continue;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reads one frame within `wait`; false when none came.
    async fn pump(&mut self, wait: Duration) -> bool {
        self.ensure_socket().await;
        let socket = self.socket.as_mut().unwrap();
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(frame)) => {
                self.frames.push(frame);
                true
            }
            Ok(None) => {
                self.socket = None;
                false
            }
            Err(_) => false,
        }
    }

    async fn until(&mut self, what: &str, within: Duration, wanted: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + within;
        let mut from = 0;
        loop {
            if self.frames[from..].iter().any(&wanted) {
                return;
            }
            from = self.frames.len();
            assert!(
                Instant::now() < deadline,
                "the agent saw no {what}: {:?}",
                self.frames
            );
            self.pump(Duration::from_millis(500)).await;
        }
    }

    fn has_message(&self, conversation: &str, client_id: &str) -> bool {
        self.frames.iter().any(|f| {
            f["type"] == "message"
                && f["message"]["conversation"] == conversation
                && f["message"]["client_id"] == client_id
        })
    }

    /// Sends a message into a held conversation until its echo arrives.
    async fn say(&mut self, conversation: &str, client_id: &str, text: &str) {
        let deadline = Instant::now() + STEP;
        loop {
            self.ensure_socket().await;
            let frame = json!({
                "type": "message", "conversation": conversation,
                "client_id": client_id, "text": text,
            });
            if self.socket.as_mut().unwrap().try_send(frame).await.is_err() {
                self.socket = None;
                continue;
            }
            let resend = Instant::now() + SILENT;
            while Instant::now() < resend && self.socket.is_some() {
                if self.has_message(conversation, client_id) {
                    return;
                }
                self.pump(Duration::from_millis(250)).await;
            }
            if self.has_message(conversation, client_id) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the agent's {client_id} was never echoed"
            );
        }
    }

    /// Conversations this agent was assigned, as `assigned` frames tell.
    fn assigned(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter(|f| f["type"] == "assigned")
            .filter_map(|f| f["conversation"].as_str().map(str::to_owned))
            .collect()
    }
}

fn env() -> Vec<(String, String)> {
    [
        ("SWITCHBOARD_REPLICAS", "3".to_owned()),
        ("SWITCHBOARD_INACTIVITY_WARN", millis(INACTIVITY_WARN)),
        ("SWITCHBOARD_INACTIVITY_END", millis(INACTIVITY_END)),
        ("SWITCHBOARD_ACCEPT_WINDOW", millis(ACCEPT_WINDOW)),
        ("SWITCHBOARD_OFFER_TIMEOUT", millis(OFFER_TIMEOUT)),
        ("SWITCHBOARD_TIMER_LEASE_TTL", "1s".to_owned()),
        (
            "SWITCHBOARD_WS_FRAMES_PER_SECOND",
            LATENCY_FRAMES_PER_SECOND.to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn set_limit(system: &System, team: &TeamTenant, limit: usize) {
    let (status, body) = admin::call(
        reqwest::Client::new()
            .patch(format!(
                "{}/api/v1/tenants/{}/chat-settings",
                system.gateway_url(),
                team.ai.id
            ))
            .bearer_auth(&team.ai.admin_token),
        Some(json!({"maximum_conversations": limit})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The agents' loads in the live view never exceed the limit.
async fn assert_within_limit(system: &System, team: &TeamTenant) {
    let view = admin::live_view(system, team).await;
    for agent in view["agents"].as_array().into_iter().flatten() {
        let load = agent["load"].as_u64().unwrap_or(0);
        assert!(load <= LIMIT as u64, "over the limit: {view}");
    }
}

async fn conversation(system: &System, tenant: &admin::AiTenant, id: &str) -> Value {
    let (status, body) = admin::call(
        reqwest::Client::new()
            .get(format!(
                "{}/api/v1/tenants/{}/conversations/{id}",
                system.gateway_url(),
                tenant.id
            ))
            .bearer_auth(&tenant.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits for `id` to end and returns its end reason.
async fn ended(system: &System, tenant: &admin::AiTenant, id: &str) -> String {
    eventually(
        &format!("conversation {id} to end"),
        Duration::from_secs(30),
        || async {
            let body = conversation(system, tenant, id).await;
            (body["state"] == "ended").then(|| body["end_reason"].as_str().unwrap().to_owned())
        },
    )
    .await
}

/// The stored thread: gap-free, and every acknowledged client id in it once.
async fn assert_transcript(system: &System, tenant: &admin::AiTenant, chatter: &Chatter) {
    let id = chatter.conversation.as_deref().expect("a conversation");
    let stored = admin::transcript(system, tenant, id).await;
    let seqs: Vec<u64> = stored.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "{id}: seq is gap-free"
    );
    let mut by_client: BTreeMap<&str, usize> = BTreeMap::new();
    for message in &stored {
        if let Some(client_id) = message["client_id"].as_str() {
            *by_client.entry(client_id).or_default() += 1;
        }
    }
    for client_id in &chatter.acked {
        assert_eq!(
            by_client.get(client_id.as_str()),
            Some(&1),
            "{id}: {client_id} stored exactly once: {stored:?}"
        );
    }
}

/// p50 and p99 of `samples` customer message round trips (send → echo).
async fn round_trips(ws: &str, widget: &str, tag: &str) -> (Duration, Duration) {
    let mut chatter = Chatter::new(vec![ws.to_owned()], 0, widget, None);
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for n in 0..LATENCY_SAMPLES {
        let started = Instant::now();
        chatter
            .say(&format!("{tag}-{n}"), "how long does shipping take?")
            .await;
        samples.push(started.elapsed());
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    (pick(0.50), pick(0.99))
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_scale_out_survives_losing_the_leader_node_and_an_instance_of_every_service() {
    let Some(database) = postgres_database().await else {
        eprintln!(
            "fault-test: skipped: two instances of every service need PostgreSQL \
             (run under scripts/with-postgres.sh)"
        );
        return;
    };
    let cluster = NatsCluster::start(3).await;
    let mut system = System::start_scaled(
        Nats::Cluster(cluster),
        Some(database),
        env(),
        Vec::new(),
        INSTANCES,
    )
    .await;
    let gateways: Vec<String> = (0..INSTANCES).map(|i| system.ws_url_of(i)).collect();

    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    set_limit(&system, &team, LIMIT).await;
    // A second team whose only agent never answers: its customer meets the
    // accept window.
    let idle = team_tenant(&system, "ai_and_team", &["Carol"]).await;
    // Agents on gateway 0, which stays up; customers on both.
    let mut agents = vec![
        Console::available(gateways[0].clone(), &team.agents[0].1).await,
        Console::available(gateways[0].clone(), &team.agents[1].1).await,
    ];
    let mut carol = Console::available(gateways[0].clone(), &idle.agents[0].1).await;

    let mut customers: Vec<Chatter> = (0..CUSTOMERS)
        .map(|n| {
            let token = customer_token(&team.ai, &format!("fault-{n}"), "Casey");
            Chatter::new(
                gateways.clone(),
                n % INSTANCES,
                &team.ai.widget,
                Some(token),
            )
        })
        .collect();
    for (n, customer) in customers.iter_mut().enumerate() {
        customer
            .say(&format!("c{n}-ai"), "how do i reset my password")
            .await;
        customer.send(json!({"type": "request_human"})).await;
    }

    eprintln!("fault-test: step: // Alice and Bob accept");
    // Alice and Bob accept whatever is offered, until every customer is live.
    let deadline = Instant::now() + STEP;
    let mut accepted = BTreeSet::new();
    while agents.iter().map(|a| a.assigned().len()).sum::<usize>() < CUSTOMERS {
        assert!(Instant::now() < deadline, "not every customer got an agent");
        for agent in &mut agents {
            agent.pump(Duration::from_millis(200)).await;
            let offers: Vec<Value> = agent
                .frames
                .iter()
                .filter(|f| f["type"] == "offer")
                .cloned()
                .collect();
            for offer in offers {
                if let Some(socket) = agent.socket.as_mut()
                    && accepted.insert(offer["offer_id"].to_string())
                {
                    let frame = json!({"type": "accept", "offer_id": offer["offer_id"]});
                    socket.send(frame).await;
                }
            }
        }
    }
    assert_within_limit(&system, &team).await;
    let holder: BTreeMap<String, usize> = agents
        .iter()
        .enumerate()
        .flat_map(|(i, a)| a.assigned().into_iter().map(move |c| (c, i)))
        .collect();
    for customer in &mut customers {
        let id = customer.conversation.clone().unwrap();
        assert!(holder.contains_key(&id), "{id} has an agent");
        customer
            .await_event("live", STEP, |e| {
                e["type"] == "conversation" && e["state"] == "live"
            })
            .await;
    }

    eprintln!("fault-test: step: // The accept window's customer");
    // The accept window's customer waits while the faults happen.
    let token = customer_token(&idle.ai, "fault-idle", "Ivy");
    let mut waiting = Chatter::new(gateways.clone(), 0, &idle.ai.widget, Some(token));
    waiting.say("idle-ai", "how do i reset my password").await;
    let requested = now();
    waiting.send(json!({"type": "request_human"})).await;
    carol
        .until("an offer", STEP, |f| f["type"] == "offer")
        .await;

    eprintln!("fault-test: step: // Mid-flow:");
    // Mid-flow: a message of every customer and agent is on its way.
    for (n, customer) in customers.iter_mut().enumerate() {
        let frame =
            json!({"type": "message", "client_id": format!("c{n}-0"), "text": "still there?"});
        if let Some(socket) = customer.socket.as_mut() {
            let _ = socket.try_send(frame).await;
        }
    }
    let Nats::Cluster(cluster) = &system.nats else {
        unreachable!("started on a cluster")
    };
    let leader = cluster
        .stream_leader("SB_COMMANDS")
        .await
        .expect("SB_COMMANDS has a leader");
    let killed_at = Instant::now();
    let Nats::Cluster(cluster) = &mut system.nats else {
        unreachable!()
    };
    cluster.kill(leader).await;
    // Recovery: the first customer message acknowledged after the loss.
    let mut probe = Chatter::new(vec![gateways[0].clone()], 0, &team.ai.widget, None);
    let mut attempt = 0;
    loop {
        assert!(
            killed_at.elapsed() < STEP,
            "no recovery after the leader's loss; probe saw {:?} and {:?}",
            probe.events,
            probe.thread
        );
        attempt += 1;
        if probe.socket.is_none() {
            probe.socket = probe.connect().await;
            if probe.socket.is_none() {
                continue;
            }
        }
        let frame =
            json!({"type": "message", "client_id": format!("probe-{attempt}"), "text": "hello?"});
        let _ = probe.socket.as_mut().unwrap().try_send(frame).await;
        let sent = Instant::now();
        while probe.stored(&format!("probe-{attempt}")).is_none()
            && sent.elapsed() < Duration::from_secs(1)
            && probe.socket.is_some()
        {
            probe.pump(Duration::from_secs(1)).await;
        }
        if probe.stored(&format!("probe-{attempt}")).is_some() {
            break;
        }
    }
    let recovery = killed_at.elapsed();
    println!(
        "fault-test: recovery after NATS leader loss: {} ms",
        recovery.as_millis()
    );

    eprintln!("fault-test: step: for service in switchboard_e2e::system::");
    for service in switchboard_e2e::system::SERVICES {
        system.kill_instance(service, 1).await;
    }
    for (n, customer) in customers.iter_mut().enumerate() {
        customer.say(&format!("c{n}-0"), "still there?").await;
    }
    let Nats::Cluster(cluster) = &mut system.nats else {
        unreachable!()
    };
    cluster.restart(leader).await;
    for service in switchboard_e2e::system::SERVICES {
        system.restart_instance(service, 1).await;
    }

    eprintln!("fault-test: step: // Messages both ways");
    // Messages both ways, on every conversation, after the faults.
    for round in 1..=3 {
        for (n, customer) in customers.iter_mut().enumerate() {
            customer
                .say(&format!("c{n}-{round}"), "one more thing")
                .await;
            let id = customer.conversation.clone().unwrap();
            let Some(&held_by) = holder.get(&id) else {
                panic!(
                    "{id} is not a conversation an agent took: {:?}",
                    customer.events
                )
            };
            let agent = &mut agents[held_by];
            agent.say(&id, &format!("a{n}-{round}"), "on it").await;
            let agent_text = format!("a{n}-{round}");
            let deadline = Instant::now() + STEP;
            while !customer
                .thread
                .values()
                .any(|m| m["client_id"] == agent_text.as_str())
            {
                assert!(
                    Instant::now() < deadline,
                    "{agent_text} never reached the customer"
                );
                if customer.socket.is_none() {
                    customer.ensure_socket(deadline, &agent_text).await;
                } else {
                    customer.pump(SILENT).await;
                }
            }
        }
    }
    assert_within_limit(&system, &team).await;

    eprintln!("fault-test: step: // Silence:");
    // Silence: each live conversation is warned once, then ended once.
    // All are read at once, so a frame's arrival time is when it came.
    let silences = customers.iter_mut().map(|customer| async move {
        let from = customer.events.len();
        customer
            .await_event("the end", Duration::from_secs(30), |e| e["type"] == "ended")
            .await;
        let last_at = at(&customer.thread.values().last().unwrap()["at"]);
        let tail = &customer.events[from..];
        let warnings: Vec<_> = tail
            .iter()
            .filter(|(_, e)| e["type"] == "inactive")
            .collect();
        let ends: Vec<_> = tail.iter().filter(|(_, e)| e["type"] == "ended").collect();
        assert_eq!((warnings.len(), ends.len()), (1, 1), "{tail:?}");
        let (warned, warning) = warnings[0];
        // The warning says when the end is due: a warning sent at the
        // configured silence names an end the configured time later.
        let ends_at = at(&warning["ends_at"]);
        assert!(
            ends_at - last_at >= INACTIVITY_WARN + INACTIVITY_END,
            "warned {} after the last message: early",
            ends_at - INACTIVITY_END - last_at
        );
        assert!(
            *warned - last_at >= INACTIVITY_WARN,
            "the warning arrived early"
        );
        let (end_seen, end) = ends[0];
        assert_eq!(end["reason"], "inactivity");
        assert!(*end_seen >= ends_at, "ended before its ends_at");
    });
    futures::future::join_all(silences).await;

    eprintln!("fault-test: step: // The accept window fired");
    // The accept window fired once, not early.
    assert_eq!(
        ended(&system, &idle.ai, waiting.conversation.as_ref().unwrap()).await,
        "accept_timeout"
    );
    let id = waiting.conversation.clone().unwrap();
    let thread = admin::transcript(&system, &idle.ai, &id).await;
    let fallbacks: Vec<&Value> = thread
        .iter()
        .filter(|m| m["notice"] == "fallback")
        .collect();
    assert_eq!(fallbacks.len(), 1, "one fallback: {thread:?}");
    assert!(
        at(&fallbacks[0]["at"]) - requested >= ACCEPT_WINDOW,
        "the accept window closed early"
    );
    assert_transcript(&system, &idle.ai, &waiting).await;

    eprintln!("fault-test: step: // Every conversation ended");
    // Every conversation ended; each was assigned once, to the agent whose
    // offer was recorded; nobody held more than the limit.
    let mut assigned: BTreeMap<String, usize> = BTreeMap::new();
    for agent in &agents {
        for id in agent.assigned().into_iter().collect::<BTreeSet<_>>() {
            *assigned.entry(id).or_default() += 1;
        }
        assert!(
            agent.assigned().iter().collect::<BTreeSet<_>>().len() <= LIMIT,
            "an agent over the limit"
        );
    }
    for customer in &customers {
        assert_transcript(&system, &team.ai, customer).await;
        let id = customer.conversation.as_deref().unwrap();
        assert_eq!(ended(&system, &team.ai, id).await, "inactivity");
        assert_eq!(assigned.get(id), Some(&1), "{id} assigned once");
        let info = conversation(&system, &team.ai, id).await;
        let agent_id = &team.agents[holder[id]].0;
        assert_eq!(info["assignee"], agent_id.as_str(), "{info}");
        let decisions = admin::decisions(&system, &team.ai, id).await;
        let offered: Vec<&Value> = decisions
            .iter()
            .filter(|d| d["kind"] == "offered")
            .collect();
        assert!(
            offered.iter().any(|d| d["agent"] == agent_id.as_str()),
            "{id}: {decisions:?}"
        );
    }
    assert!(probe.conversation.is_some());

    eprintln!("fault-test: step: // Latency:");
    // Latency: the cluster (two of everything, PostgreSQL) beside a single
    // node (one of everything, SQLite), in the same run.
    let (p50, p99) = round_trips(&gateways[0], &team.ai.widget, "lat3").await;
    println!(
        "fault-test: customer message round trip, 3-node cluster: p50 {} ms, p99 {} ms",
        p50.as_millis(),
        p99.as_millis()
    );
    drop(system);
    let single = System::start_with(
        None,
        vec![(
            "SWITCHBOARD_WS_FRAMES_PER_SECOND".to_owned(),
            LATENCY_FRAMES_PER_SECOND.to_owned(),
        )],
    )
    .await;
    let tenant = admin::ai_tenant(&single, "standard").await;
    let (p50, p99) = round_trips(&single.ws_url(), &tenant.widget, "lat1").await;
    println!(
        "fault-test: customer message round trip, single node: p50 {} ms, p99 {} ms",
        p50.as_millis(),
        p99.as_millis()
    );
}
