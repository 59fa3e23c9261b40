//! P7's reader: the last 100 messages of a conversation through the HTTP
//! API (`GET …/conversations/{id}/transcript?limit=100`, as the tenant's
//! admin), by a few readers, each at its share of a fixed rate (or one
//! request after another when the rate is 0), timed per request.
//! The conversation holds exactly 100 customer messages (the pool wrote them
//! before any load), so a server that ignores `limit` returns the same page.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::bench::External;
use crate::chat_pool::Pool;
use crate::closed_loop::histogram;
use crate::results::Latency;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReadReport {
    pub readers: usize,
    /// The rate asked for, all readers together (0: back to back).
    pub reads_per_s: f64,
    pub reads: u64,
    pub failures: u64,
    pub failure_example: Option<String>,
    /// The fewest messages one read returned.
    pub fewest_messages: usize,
    pub latency: Latency,
}

pub struct Reader {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Reader {
    pub fn new(target: &External, pool: &Pool) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: format!(
                "{}/api/v1/tenants/{}/conversations/{}/transcript?limit={}",
                target.gateway_url.trim_end_matches('/'),
                pool.tenant,
                pool.read_conversation,
                pool.read_messages
            ),
            token: pool.admin_token.clone(),
        }
    }

    async fn read(&self) -> Result<usize, String> {
        let response = self
            .http
            .get(&self.url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("GET transcript: {e}"))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| format!("transcript body: {e}"))?;
        if !status.is_success() {
            return Err(format!("GET transcript answered {status}: {body}"));
        }
        Ok(body["messages"].as_array().map_or(0, Vec::len))
    }

    /// `readers` loops for `duration`, together reading `rate` times a
    /// second (each reader at its share, its reads one after another when
    /// one runs late), or back to back for a `rate` of 0.
    pub async fn measure(&self, readers: usize, rate: f64, duration: Duration) -> ReadReport {
        let deadline = Instant::now() + duration;
        let readers = readers.max(1);
        let period = (rate > 0.0).then(|| Duration::from_secs_f64(readers as f64 / rate));
        let loops = (0..readers).map(|_| async move {
            let mut pace = period.map(|period| {
                let mut pace = tokio::time::interval(period);
                pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                pace
            });
            let mut report = ReadReport {
                fewest_messages: usize::MAX,
                ..ReadReport::default()
            };
            let mut micros = histogram();
            while Instant::now() < deadline {
                if let Some(pace) = pace.as_mut() {
                    pace.tick().await;
                    if Instant::now() >= deadline {
                        break;
                    }
                }
                let started = Instant::now();
                match self.read().await {
                    Ok(count) => {
                        micros.saturating_record(started.elapsed().as_micros().max(1) as u64);
                        report.reads += 1;
                        report.fewest_messages = report.fewest_messages.min(count);
                    }
                    Err(e) => {
                        report.failures += 1;
                        report.failure_example.get_or_insert(e);
                    }
                }
            }
            (report, micros)
        });
        let mut total = ReadReport {
            readers,
            reads_per_s: rate,
            fewest_messages: usize::MAX,
            ..ReadReport::default()
        };
        let mut all = histogram();
        for (report, micros) in futures::future::join_all(loops).await {
            total.reads += report.reads;
            total.failures += report.failures;
            total.fewest_messages = total.fewest_messages.min(report.fewest_messages);
            if total.failure_example.is_none() {
                total.failure_example = report.failure_example;
            }
            let _ = all.add(&micros);
        }
        if total.fewest_messages == usize::MAX {
            total.fewest_messages = 0;
        }
        total.latency = Latency::of(&all);
        total
    }
}
