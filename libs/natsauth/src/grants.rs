//! What each service's NATS user may publish and subscribe to: the subjects
//! of its messages and exactly the JetStream API calls on the streams,
//! consumers and buckets it uses. Nothing else is allowed (a user JWT with
//! an allow list denies the rest).
//!
//! Every service ensures the topology at start (`Bus::ensure_topology`), so
//! each may read, create and update the streams and buckets (never delete or
//! purge them). Replies to requests a service answers travel under the
//! `resp` permission; a service's own inboxes are `_INBOX.{service}.>`, so
//! no service can read another's replies.

use serde_json::{Value, json};

/// Every stream `Bus::ensure_topology` and the services create.
const STREAMS: &[&str] = &[
    "SB_COMMANDS",
    "SB_EVENTS",
    "SB_AI",
    "SB_ROUTING",
    "SB_AUDIT",
    "SB_PARKED",
    "SB_WORK_ITEMS",
    "KV_SB_CONFIG",
    "KV_SB_PRESENCE",
    "KV_SB_TIMERS",
    "KV_SB_TIMER_LEASES",
    "KV_SB_ROUTER_STATE",
    "SB_ROUTER_LOG",
];

/// The services that connect to the bus, by the name they connect with.
pub const SERVICES: &[&str] = &[
    "gateway",
    "ai-bridge",
    "router",
    "timer",
    "transcript",
    "work-item",
    "webhook",
];

/// A user's permissions: what it may publish and subscribe to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
    /// May answer requests it receives (their reply subjects).
    pub respond: bool,
}

impl Grant {
    fn publish(mut self, subjects: impl IntoIterator<Item = String>) -> Self {
        self.publish.extend(subjects);
        self
    }

    fn subscribe(mut self, subjects: impl IntoIterator<Item = String>) -> Self {
        self.subscribe.extend(subjects);
        self
    }

    fn responds(mut self) -> Self {
        self.respond = true;
        self
    }

    /// The `pub`, `sub` and `resp` claims of a user JWT.
    pub fn claims(&self) -> Value {
        let mut claims = json!({
            "pub": {"allow": self.publish},
            "sub": {"allow": self.subscribe},
        });
        if self.respond {
            claims["resp"] = json!({"max": 1, "ttl": 0});
        }
        claims
    }
}

fn owned(subjects: &[&str]) -> Vec<String> {
    subjects.iter().map(|s| (*s).to_owned()).collect()
}

/// Pulling from a durable consumer, creating it first if need be, and acking.
fn consume(stream: &str, durable: &str) -> Vec<String> {
    vec![
        format!("$JS.API.CONSUMER.CREATE.{stream}.{durable}"),
        format!("$JS.API.CONSUMER.CREATE.{stream}.{durable}.>"),
        format!("$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}"),
        format!("$JS.API.CONSUMER.INFO.{stream}.{durable}"),
        format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"),
        format!("$JS.ACK.{stream}.{durable}.>"),
    ]
}

/// Reading a stream by sequence or subject, and through ephemeral (ordered)
/// consumers: what a key-value get, list or watch does.
fn read(stream: &str) -> Vec<String> {
    vec![
        format!("$JS.API.DIRECT.GET.{stream}"),
        format!("$JS.API.DIRECT.GET.{stream}.>"),
        format!("$JS.API.STREAM.MSG.GET.{stream}"),
        format!("$JS.API.CONSUMER.CREATE.{stream}"),
        format!("$JS.API.CONSUMER.CREATE.{stream}.>"),
        format!("$JS.API.CONSUMER.DELETE.{stream}.>"),
        format!("$JS.API.CONSUMER.INFO.{stream}.>"),
        format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.>"),
        format!("$JS.ACK.{stream}.>"),
        format!("$JS.FC.{stream}.>"),
    ]
}

/// A key-value bucket: read it, and write (put, create, update, delete) keys.
fn kv_read(bucket: &str) -> Vec<String> {
    read(&format!("KV_{bucket}"))
}

fn kv_write(bucket: &str) -> Vec<String> {
    let mut subjects = kv_read(bucket);
    subjects.push(format!("$KV.{bucket}.>"));
    subjects
}

/// What every service needs: the topology, account info, parking poison
/// messages, and its own inboxes.
fn common(service: &str) -> Grant {
    let mut publish = owned(&["$JS.API.INFO", "sb.parked.>"]);
    for stream in STREAMS {
        publish.push(format!("$JS.API.STREAM.INFO.{stream}"));
        publish.push(format!("$JS.API.STREAM.CREATE.{stream}"));
        publish.push(format!("$JS.API.STREAM.UPDATE.{stream}"));
    }
    Grant {
        publish,
        subscribe: vec![format!("_INBOX.{service}.>")],
        respond: false,
    }
}

/// The permissions of `service`'s user, or `None` for an unknown name.
pub fn service(service: &str) -> Option<Grant> {
    let base = common(service);
    let grant = match service {
        "gateway" => base
            .publish(owned(&[
                "sb.cmd.>",
                "sb.typing.>",
                "sb.route.*",
                "sb.rpc.>",
            ]))
            .publish(kv_write("SB_CONFIG"))
            .publish(kv_write("SB_PRESENCE"))
            .publish(read("SB_AUDIT"))
            .subscribe(owned(&[
                "sb.evt.>",
                "sb.typing.>",
                "sb.agent.>",
                "sb.queue.>",
            ])),
        "ai-bridge" => base
            .publish(owned(&[
                "switchboard.ai.request.>",
                "sb.cmd.>",
                "sb.typing.>",
                "sb.rpc.transcript.>",
            ]))
            .publish(consume("SB_EVENTS", "ai-bridge-turns"))
            // Retired; kept while older AI bridges may run (rolling upgrade).
            .publish(consume("SB_EVENTS", "ai-bridge-events"))
            .publish(consume("SB_AI", "ai-bridge-replies"))
            .publish(consume("SB_AI", "ai-bridge-handoffs"))
            .publish(kv_read("SB_CONFIG")),
        "router" => base
            .publish(owned(&[
                "sb.agent.>",
                "sb.queue.>",
                "sb.decision.>",
                "sb.cmd.>",
                "sb.route.*",
            ]))
            .publish(consume("SB_ROUTING", "router-inputs"))
            .publish(consume("SB_EVENTS", "router-events"))
            .publish(kv_write("SB_ROUTER_STATE"))
            .publish(owned(&["sb.routerlog.*"]))
            .publish(read("SB_ROUTER_LOG"))
            .publish(kv_read("SB_CONFIG"))
            .publish(kv_read("SB_PRESENCE"))
            .publish(kv_write("SB_TIMERS"))
            .subscribe(owned(&["sb.rpc.router.>"]))
            .responds(),
        "timer" => base
            .publish(owned(&["sb.cmd.>", "sb.route.*"]))
            .publish(kv_write("SB_TIMERS"))
            .publish(kv_write("SB_TIMER_LEASES")),
        "transcript" => base
            .publish(owned(&["sb.evt.>", "sb.cmd.>"]))
            .publish(consume("SB_COMMANDS", "transcript-commands"))
            .publish(kv_read("SB_CONFIG"))
            .publish(kv_write("SB_TIMERS"))
            .subscribe(owned(&["sb.rpc.transcript.>"]))
            .responds(),
        "work-item" => base
            .publish(owned(&["sb.rpc.transcript.>", "sb.workitem.>"]))
            .publish(consume("SB_EVENTS", "work-item-events"))
            .subscribe(owned(&["sb.rpc.workitem.>"]))
            .responds(),
        "webhook" => base
            .publish(consume("SB_EVENTS", "webhook-events"))
            .publish(consume("SB_WORK_ITEMS", "webhook-work-items"))
            .publish(kv_read("SB_CONFIG"))
            .subscribe(owned(&["sb.rpc.webhook.>"]))
            .responds(),
        _ => return None,
    };
    Some(grant)
}

/// An AI platform's user, in its own account: the tenant's three contract
/// subjects (imported from the services' account) and JetStream in its own
/// account, so it can keep the requests in a stream of its own.
pub fn ai_platform(tenant: &str) -> Grant {
    Grant {
        publish: vec![
            format!("switchboard.ai.reply.{tenant}"),
            format!("switchboard.ai.handoff.{tenant}"),
            "$JS.API.>".to_owned(),
            "$JS.ACK.>".to_owned(),
            "$JS.FC.>".to_owned(),
        ],
        subscribe: vec![
            format!("switchboard.ai.request.{tenant}.>"),
            "_INBOX.>".to_owned(),
        ],
        respond: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_a_grant_and_unknown_names_have_none() {
        for name in SERVICES {
            let grant = service(name).unwrap();
            assert!(grant.subscribe.contains(&format!("_INBOX.{name}.>")));
        }
        assert_eq!(service("intruder"), None);
    }

    #[test]
    fn only_the_gateway_writes_the_configuration() {
        for name in SERVICES {
            let writes = service(name)
                .unwrap()
                .publish
                .contains(&"$KV.SB_CONFIG.>".to_owned());
            assert_eq!(writes, *name == "gateway", "{name}");
        }
    }

    #[test]
    fn a_platform_is_confined_to_its_tenant() {
        let grant = ai_platform("acme");
        assert!(grant.publish.iter().all(|s| !s.starts_with("sb.")));
        assert!(
            grant
                .subscribe
                .contains(&"switchboard.ai.request.acme.>".to_owned())
        );
        assert!(!grant.publish.iter().any(|s| s.contains("globex")));
    }
}
