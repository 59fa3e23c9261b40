//! One phase of the live-chat benchmark: its own tenant and team of agents
//! (the [`Crew`]), the customers' outcomes, and the [`PhaseReport`] that adds
//! them up. Each phase gets a fresh tenant so that no agent, queue or
//! availability carries over from the previous one.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::bench::External;
use crate::ledger::{Ledger, Summary};
use crate::routing_agent::{self, AgentReport};
use crate::routing_customer::Outcome;
use crate::team::{self, Team};

/// Sockets connecting at once (the gateway's accept backlog is finite).
pub const CONNECT_BATCH: usize = 50;

/// Connecting, signing in and the first AI answer, per customer.
pub const PREPARE_TIMEOUT: Duration = Duration::from_secs(60);

/// From the handoff to the end of the chat, per customer: generous, since
/// with more arrivals than capacity the wait for an agent grows.
pub const HANDOFF_TIMEOUT: Duration = Duration::from_secs(120);

/// The tenant and its connected, available agents.
pub struct Crew {
    pub team: Team,
    pub ledger: Arc<Ledger>,
    widget_url: String,
    stop: watch::Sender<bool>,
    agents: Vec<JoinHandle<AgentReport>>,
}

impl Crew {
    /// Creates the tenant with `agents` agents and starts them all.
    pub async fn start(
        target: &External,
        ws_base: &str,
        agents: usize,
        limit: u32,
        handle: Duration,
    ) -> anyhow::Result<Self> {
        let team = team::create(
            &target.gateway_url,
            &target.operator_token,
            agents,
            limit,
            "ai_and_team",
        )
        .await
        .context("configure the live-chat tenant")?;
        let sockets: Vec<anyhow::Result<_>> = futures::stream::iter(&team.agent_tokens)
            .map(|token| routing_agent::connect(ws_base, token))
            .buffer_unordered(CONNECT_BATCH)
            .collect()
            .await;
        let ledger = Arc::new(Ledger::default());
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::with_capacity(agents);
        for socket in sockets {
            let socket = socket.context("an agent could not connect and turn available")?;
            tasks.push(tokio::spawn(routing_agent::run(
                socket,
                Arc::clone(&ledger),
                limit as usize,
                handle,
                stopped.clone(),
            )));
        }
        Ok(Self {
            widget_url: format!("{ws_base}/ws/customer?widget={}", team.widget),
            team,
            ledger,
            stop,
            agents: tasks,
        })
    }

    pub fn widget_url(&self) -> &str {
        &self.widget_url
    }

    /// Stops every agent and adds up what they saw.
    pub async fn stop(self) -> anyhow::Result<AgentReport> {
        // Fails only when every agent has stopped already.
        let _ = self.stop.send(true);
        let mut total = AgentReport::default();
        for task in self.agents {
            match task.await {
                Ok(report) => total.add(&report),
                Err(e) => bail!("an agent task died: {e}"),
            }
        }
        Ok(total)
    }
}

/// Customers by how their visit went.
#[derive(Debug, Default, Clone)]
pub struct Outcomes {
    pub customers: u64,
    /// Could not connect, sign in or get the AI's answer.
    pub not_ready: u64,
    pub served: u64,
    pub fallbacks: u64,
    pub ended_without_agent: u64,
    pub failed: u64,
    pub examples: Vec<String>,
}

impl Outcomes {
    /// `Err`: the customer never got as far as the handoff.
    pub fn add(&mut self, result: Result<Outcome, String>) {
        self.customers += 1;
        let example = match result {
            Ok(Outcome::Served) => {
                self.served += 1;
                None
            }
            Ok(Outcome::Fallback) => {
                self.fallbacks += 1;
                Some("fallback instead of an agent".to_owned())
            }
            Ok(Outcome::EndedWithoutAgent(reason)) => {
                self.ended_without_agent += 1;
                Some(format!("ended without an agent: {reason}"))
            }
            Ok(Outcome::Failed(why)) => {
                self.failed += 1;
                Some(why)
            }
            Err(why) => {
                self.not_ready += 1;
                Some(format!("before the handoff: {why}"))
            }
        };
        if let Some(example) = example
            && self.examples.len() < 5
        {
            self.examples.push(example);
        }
    }

    /// Awaits every customer task and adds its outcome.
    pub async fn collect(&mut self, tasks: Vec<JoinHandle<Result<Outcome, String>>>) {
        for task in tasks {
            self.add(
                task.await
                    .unwrap_or_else(|e| Err(format!("task died: {e}"))),
            );
        }
    }
}

/// What one phase measured.
#[derive(Debug, Clone)]
pub struct PhaseReport {
    pub name: &'static str,
    pub agents: usize,
    pub outcomes: Outcomes,
    pub ledger: Summary,
    pub agent_view: AgentReport,
    /// How long the customers took to arrive (steady) or to be handed off
    /// (burst: until the last one was served).
    pub elapsed: Duration,
}
