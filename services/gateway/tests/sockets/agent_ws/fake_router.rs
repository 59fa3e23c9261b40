//! A stand-in for the router, so the agent socket is tested against the bus
//! contract alone: it answers `AgentQuery` on `sb.rpc.router.*` with the
//! view the test set, reads every `RoutingInput` from the `SB_ROUTING`
//! stream through a durable JetStream consumer (handing each to the test,
//! `agent_connected` ones on a channel of their own),
//! and, as the real router does, answers a `set_status` with one
//! `AgentStatusChanged` per space it changes. Everything else the router
//! would say, the test publishes itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, pull};
use futures::StreamExt;
use prost::Message;
use switchboard_bus::Bus;
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{AgentEvent, AgentStatusChanged, AgentView, RoutingInput};
use tokio::sync::mpsc;

pub struct FakeRouter {
    /// What `AgentQuery` is answered with.
    pub view: Arc<Mutex<AgentView>>,
    /// Every space of the agent, for a `set_status` without a space.
    pub spaces: Arc<Mutex<Vec<String>>>,
    inputs: mpsc::UnboundedReceiver<RoutingInput>,
    /// The `agent_connected` inputs, apart: every welcomed console sends one.
    connections: mpsc::UnboundedReceiver<RoutingInput>,
}

impl FakeRouter {
    /// Starts the responder and the consumer; they run until the bus closes.
    pub async fn start(bus: Bus) -> Self {
        let view = Arc::new(Mutex::new(AgentView::default()));
        let spaces = Arc::new(Mutex::new(Vec::new()));
        let mut requests = bus
            .client
            .subscribe(filter::ALL_ROUTER_RPC)
            .await
            .expect("router rpc subscription");
        let (client, answer) = (bus.client.clone(), view.clone());
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let Some(reply) = request.reply else { continue };
                let view = answer.lock().unwrap().clone();
                let _ = client.publish(reply, view.encode_to_vec().into()).await;
            }
        });
        let consumer = bus
            .js
            .get_stream(streams::ROUTING)
            .await
            .expect("routing stream")
            .create_consumer(pull::Config {
                durable_name: Some("fake-router".into()),
                ack_policy: AckPolicy::Explicit,
                filter_subject: filter::ALL_ROUTING.into(),
                ..Default::default()
            })
            .await
            .expect("fake router consumer");
        let mut messages = consumer.messages().await.expect("fake router messages");
        let (tx, inputs) = mpsc::unbounded_channel();
        let (connected, connections) = mpsc::unbounded_channel();
        let members = spaces.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = messages.next().await {
                if let Ok(input) = RoutingInput::decode(message.payload.clone()) {
                    let all = members.lock().unwrap().clone();
                    answer_set_status(&bus, &input, all).await;
                    let _ = match input.input {
                        Some(Input::AgentConnected(_)) => connected.send(input),
                        _ => tx.send(input),
                    };
                }
                message.ack().await.expect("input acked");
            }
        });
        Self {
            view,
            spaces,
            inputs,
            connections,
        }
    }

    /// The next `agent_connected` input the gateway published.
    pub async fn next_connection(&mut self) -> RoutingInput {
        tokio::time::timeout(Duration::from_secs(5), self.connections.recv())
            .await
            .expect("an agent_connected input within 5 s")
            .expect("the fake router runs")
    }

    /// The next routing input the gateway published.
    pub async fn next_input(&mut self) -> RoutingInput {
        tokio::time::timeout(Duration::from_secs(5), self.inputs.recv())
            .await
            .expect("a routing input within 5 s")
            .expect("the fake router runs")
    }
}

async fn answer_set_status(bus: &Bus, input: &RoutingInput, all: Vec<String>) {
    let Some(Input::SetStatus(set)) = &input.input else {
        return;
    };
    let spaces = if set.space.is_empty() {
        all
    } else {
        vec![set.space.clone()]
    };
    let subject = subjects::agent_events(
        input.tenant.parse().expect("tenant id"),
        set.agent.parse().expect("agent id"),
    );
    for space in spaces {
        let event = AgentEvent {
            tenant: input.tenant.clone(),
            agent: set.agent.clone(),
            event: Some(Event::Status(AgentStatusChanged {
                space,
                status: set.status,
                reason: String::new(),
            })),
        };
        bus.publish_core(subject.clone(), &event)
            .await
            .expect("status event published");
    }
}
