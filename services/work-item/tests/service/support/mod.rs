//! What the service tests share: a work-item service started in-process on
//! its own nats-server and SQLite file, the test playing the transcript
//! service (events into `SB_EVENTS`, answers to transcript reads), and a
//! client of the work-item RPC, as the gateway calls it.

pub mod transcript;

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_bus::Bus;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::work_item_request::Request;
use switchboard_contracts::v1::{
    WorkItem, WorkItemPage, WorkItemQuery, WorkItemRequest, WorkItemUpdate,
};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_testkit::{NatsServer, eventually};
use switchboard_work_item::config::WorkItemConfig;
use switchboard_work_item::server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

pub use chat::Chat;
use transcript::Threads;

mod chat;

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(15);

pub struct Harness {
    pub bus: Bus,
    pub threads: Threads,
    pub metrics: Metrics,
    pub health_addr: SocketAddr,
    shutdown: Shutdown,
    running: tokio::task::JoinHandle<()>,
    fake_transcript: CancellationToken,
    _data: tempfile::TempDir,
    _nats: NatsServer,
}

impl Harness {
    pub async fn start() -> Self {
        let nats = NatsServer::start().await;
        let data = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", data.path().join("switchboard.db").display());
        let service = server::start(WorkItemConfig::for_tests(&nats.url(), &database_url))
            .await
            .expect("work-item starts");
        let (health_addr, metrics) = (service.health_addr(), service.metrics().clone());
        let shutdown = service.shutdown_handle();
        let running = tokio::spawn(service.run_until(std::future::pending()));
        let bus = Bus::connect(&nats.url(), "work-item-test")
            .await
            .expect("test client");
        let threads = Threads::default();
        let fake_transcript = CancellationToken::new();
        transcript::serve(
            nats.client().await,
            threads.clone(),
            fake_transcript.clone(),
        )
        .await;
        Self {
            bus,
            threads,
            metrics,
            health_addr,
            shutdown,
            running,
            fake_transcript,
            _data: data,
            _nats: nats,
        }
    }

    /// Triggers shutdown and checks the service drains in time.
    pub async fn stop(self) {
        self.fake_transcript.cancel();
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(20), self.running)
            .await
            .expect("the service drains within 20 s")
            .expect("the service task does not panic");
    }

    /// A counter's value, by name.
    pub fn counter(&self, name: &str) -> u64 {
        self.metrics.counter(name, "").get()
    }

    /// Waits until counter `name` reaches `n` (the service counts after it
    /// commits, so a reader can see the item a moment before the count).
    pub async fn counter_reaches(&self, name: &str, n: u64) -> u64 {
        eventually(&format!("{name} to reach {n}"), WAIT, || async move {
            let value = self.counter(name);
            (value >= n).then_some(value)
        })
        .await
    }

    /// Waits until the service has handled (acked or parked) `n` events.
    pub async fn handled(&self, n: u64) {
        eventually(&format!("{n} events handled"), WAIT, || async move {
            (self.counter("work_item_events_handled_total") >= n).then_some(())
        })
        .await;
    }

    /// Sends a request on `subject_tenant`'s subject, as the gateway does.
    pub async fn ask(&self, subject_tenant: TenantId, request: Request) -> WorkItemPage {
        self.bus
            .request(
                subjects::workitem_rpc(subject_tenant),
                &WorkItemRequest {
                    request: Some(request),
                },
                Duration::from_secs(5),
            )
            .await
            .expect("work-item answers")
    }

    pub async fn query(&self, tenant: TenantId, query: WorkItemQuery) -> WorkItemPage {
        let query = WorkItemQuery {
            tenant: tenant.to_string(),
            ..query
        };
        self.ask(tenant, Request::Query(query)).await
    }

    pub async fn list(&self, tenant: TenantId) -> Vec<WorkItem> {
        let page = self.query(tenant, WorkItemQuery::default()).await;
        assert_eq!(page.error, "", "{}", page.message);
        page.items
    }

    /// Moves an item, as the agent `by` limited to `spaces`.
    pub async fn update(
        &self,
        tenant: TenantId,
        id: &str,
        status: &str,
        spaces: &[String],
    ) -> WorkItemPage {
        let update = WorkItemUpdate {
            tenant: tenant.to_string(),
            id: id.to_owned(),
            status: status.to_owned(),
            by: "agent-grace".into(),
            spaces: spaces.to_vec(),
        };
        self.ask(tenant, Request::Update(update)).await
    }

    /// Waits for the conversation's item to satisfy `check`.
    pub async fn item_where(&self, chat: &Chat, check: impl Fn(&WorkItem) -> bool) -> WorkItem {
        let check = &check;
        eventually("the work item", WAIT, || async move {
            self.list(chat.tenant)
                .await
                .into_iter()
                .find(|i| i.conversation == chat.conversation.to_string() && check(i))
        })
        .await
    }

    /// `GET path` on the health port: the status line and body.
    pub async fn health(&self, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(self.health_addr)
            .await
            .expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        response
    }
}
