//! The ai-bridge under test: a fresh `nats-server`, configuration records
//! written through the config cache, the service started in-process, and the
//! test playing the transcript service's part (events out, RPC answers) while
//! it records everything the bridge publishes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_ai_bridge::config::AiBridgeConfig;
use switchboard_ai_bridge::server::Service;
use switchboard_bus::Bus;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::ids::{AiAgentId, ConversationId, ExperienceId, MessageId, TenantId};
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{
    AiAgent, AiHandoff, AiKind, Author, ChatMessage, ConversationCommand, ConversationEvent,
    ConversationInfo, ConversationState, Customer, Edition, Experience, Knowledge, MessageAdded,
    PostMessage, Role, SupportMode, Tenant, conversation_command, conversation_event,
};
use switchboard_runtime::shutdown::Shutdown;
use switchboard_testkit::{NatsServer, eventually};
use tokio_util::sync::CancellationToken;

use crate::fake_transcript::{Thread, answer_transcript_queries};
use crate::observe::{Seen, record};

pub const WAIT: Duration = Duration::from_secs(10);
pub const PASSWORD_ANSWER: &str = "Use the Forgot password link on the sign-in page.";
pub const NEXT_STEPS: &str = "Email support@example.com and we will get back to you within a day.";

pub struct Bridge {
    /// Kept alive for the test; dropping it stops the server.
    _nats: NatsServer,
    pub bus: Bus,
    pub tenant: TenantId,
    pub agent: AiAgent,
    pub experience: Experience,
    pub health: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    threads: Arc<Mutex<HashMap<String, Thread>>>,
    queries: Arc<AtomicUsize>,
    service: Shutdown,
    running: Option<tokio::task::JoinHandle<()>>,
    test_tasks: CancellationToken,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.service.trigger();
        self.test_tasks.cancel();
    }
}

impl Bridge {
    /// A tenant with one published AI agent of `kind` and an experience in `mode`.
    pub async fn start(kind: AiKind, mode: SupportMode) -> Self {
        Self::start_with(kind, mode, None).await
    }

    /// As [`Bridge::start`], the AI agent with these handoff settings.
    pub async fn start_with(kind: AiKind, mode: SupportMode, handoff: Option<AiHandoff>) -> Self {
        let nats = NatsServer::start().await;
        let bus = Bus::connect(&nats.url(), "ai-bridge-test").await.unwrap();
        bus.ensure_topology().await.unwrap();
        let test_tasks = CancellationToken::new();
        let config = ConfigCache::start(&bus, test_tasks.clone()).await.unwrap();
        config.ready().await;

        let tenant = TenantId::new();
        let agent_id = AiAgentId::new();
        let agent = AiAgent {
            id: agent_id.to_string(),
            tenant: tenant.to_string(),
            name: "Sparky".into(),
            published: true,
            knowledge: knowledge(),
            next_steps: NEXT_STEPS.into(),
            kind: kind as i32,
            handoff,
        };
        let experience = Experience {
            id: ExperienceId::new().to_string(),
            tenant: tenant.to_string(),
            name: "Help centre".into(),
            support_mode: mode as i32,
            ai_agent: agent.id.clone(),
            ..Default::default()
        };
        let tenant_record = Tenant {
            id: tenant.to_string(),
            name: "Acme".into(),
            edition: Edition::Premium as i32,
            maximum_conversations: 3,
            ..Default::default()
        };
        config
            .put(&keys::tenant(tenant), &tenant_record)
            .await
            .unwrap();
        config.put(&keys::ai_agent(agent_id), &agent).await.unwrap();
        config
            .put(&keys::experience(&experience.id), &experience)
            .await
            .unwrap();

        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let threads: Arc<Mutex<HashMap<String, Thread>>> = Arc::default();
        record(&nats, "sb.>", seen.clone(), test_tasks.clone()).await;
        record(&nats, filter::ALL_AI, seen.clone(), test_tasks.clone()).await;
        let queries: Arc<AtomicUsize> = Arc::default();
        answer_transcript_queries(&nats, threads.clone(), queries.clone(), test_tasks.clone())
            .await;

        let service = Service::start(AiBridgeConfig::for_tests(&nats.url()))
            .await
            .unwrap();
        Self {
            _nats: nats,
            bus,
            tenant,
            agent,
            experience,
            health: service.health_addr(),
            seen,
            threads,
            queries,
            service: service.shutdown_handle(),
            test_tasks,
            running: Some(tokio::spawn(service.run_until(std::future::pending()))),
        }
    }

    /// Triggers the service's shutdown and waits for it to drain and return.
    pub async fn stop(&mut self) {
        self.service.trigger();
        if let Some(running) = self.running.take() {
            tokio::time::timeout(WAIT, running)
                .await
                .expect("the service drains within the wait")
                .expect("the service task does not panic");
        }
    }

    /// Starts the service again after [`Bridge::stop`], on the same bus.
    pub async fn restart(&mut self) {
        let service = Service::start(AiBridgeConfig::for_tests(&self._nats.url()))
            .await
            .unwrap();
        self.health = service.health_addr();
        self.service = service.shutdown_handle();
        self.running = Some(tokio::spawn(service.run_until(std::future::pending())));
    }

    /// Opens a conversation in state `ai` in the fake transcript.
    pub fn conversation(&self) -> ConversationId {
        let id = ConversationId::new();
        let info = ConversationInfo {
            id: id.to_string(),
            tenant: self.tenant.to_string(),
            experience: self.experience.id.clone(),
            customer: Some(Customer {
                key: "anon:visitor".into(),
                name: "Visitor".into(),
                ..Default::default()
            }),
            state: ConversationState::Ai as i32,
            support_mode: self.experience.support_mode,
            ai_agent: self.agent.id.clone(),
            ..Default::default()
        };
        let thread = Thread {
            info,
            messages: Vec::new(),
        };
        self.threads_mut().insert(id.to_string(), thread);
        id
    }

    /// Stores a message as the transcript would, and returns the event the
    /// transcript would publish for it.
    pub fn add_message(
        &self,
        conversation: ConversationId,
        role: Role,
        text: &str,
    ) -> ConversationEvent {
        let mut threads = self.threads_mut();
        let thread = threads
            .get_mut(&conversation.to_string())
            .expect("open conversation");
        thread.info.last_seq += 1;
        let message = ChatMessage {
            id: MessageId::new().to_string(),
            tenant: self.tenant.to_string(),
            conversation: conversation.to_string(),
            seq: thread.info.last_seq,
            author: Some(Author {
                role: role as i32,
                id: "anon:visitor".into(),
                name: "Visitor".into(),
            }),
            text: text.into(),
            at_ms: 1,
            client_id: format!("c{}", thread.info.last_seq),
            notice: String::new(),
        };
        thread.messages.push(message.clone());
        ConversationEvent {
            tenant: self.tenant.to_string(),
            conversation: conversation.to_string(),
            at_ms: 1,
            info: Some(thread.info.clone()),
            event: Some(conversation_event::Event::Message(MessageAdded {
                message: Some(message),
            })),
        }
    }

    /// Moves a conversation to another state in the fake transcript.
    pub fn set_state(&self, conversation: ConversationId, state: ConversationState) {
        let mut threads = self.threads_mut();
        let thread = threads
            .get_mut(&conversation.to_string())
            .expect("open conversation");
        thread.info.state = state as i32;
    }

    /// Publishes an event to `SB_EVENTS` with the transcript's message id scheme.
    pub async fn publish(&self, event: &ConversationEvent) -> ChatMessage {
        let message = message_of(event);
        self.publish_with_id(event, &format!("msg:{}", message.id))
            .await;
        message
    }

    pub async fn publish_with_id(&self, event: &ConversationEvent, msg_id: &str) {
        self.bus
            .publish_durable(
                subjects::event_of(event).expect("an event with its ids"),
                msg_id,
                event,
            )
            .await
            .unwrap();
    }

    /// A customer message, stored and published.
    pub async fn customer_says(&self, conversation: ConversationId, text: &str) -> ChatMessage {
        let event = self.add_message(conversation, Role::Customer, text);
        self.publish(&event).await
    }

    /// Everything seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The posts seen for `conversation`, in order.
    pub fn posts(&self, conversation: ConversationId) -> Vec<(ConversationCommand, PostMessage)> {
        self.seen()
            .into_iter()
            .filter_map(|seen| match seen {
                Seen::Command(command) if command.conversation == conversation.to_string() => {
                    match command.command.clone() {
                        Some(conversation_command::Command::Post(post)) => Some((command, post)),
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect()
    }

    /// Waits for the post with `client_id` into `conversation`.
    pub async fn post_with(
        &self,
        conversation: ConversationId,
        client_id: &str,
    ) -> (ConversationCommand, PostMessage) {
        eventually(
            &format!("a post with client_id {client_id}"),
            WAIT,
            || async {
                self.posts(conversation)
                    .into_iter()
                    .find(|(_, post)| post.client_id == client_id)
            },
        )
        .await
    }

    /// How many transcript reads the fake transcript has answered.
    pub fn queries_answered(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }

    /// Waits until `pick` finds something in what was seen.
    pub async fn wait_for<T>(&self, what: &str, pick: impl Fn(&[Seen]) -> Option<T>) -> T {
        eventually(what, WAIT, || async { pick(&self.seen()) }).await
    }

    fn threads_mut(&self) -> std::sync::MutexGuard<'_, HashMap<String, Thread>> {
        self.threads.lock().unwrap()
    }
}

fn message_of(event: &ConversationEvent) -> ChatMessage {
    match &event.event {
        Some(conversation_event::Event::Message(MessageAdded { message: Some(m) })) => m.clone(),
        _ => panic!("not a MessageAdded event"),
    }
}

fn knowledge() -> Vec<Knowledge> {
    let pair = |question: &str, answer: &str| Knowledge {
        question: question.into(),
        answer: answer.into(),
    };
    vec![
        pair("How do I reset my password?", PASSWORD_ANSWER),
        pair(
            "What are your opening hours?",
            "We are open Monday to Friday, 9am to 5pm.",
        ),
        pair(
            "How do I get a refund?",
            "Refunds are issued from the Orders page within 30 days of purchase.",
        ),
    ]
}
