//! The `router-inputs` consumer: every tenant's routing inputs, one subject
//! per tenant (`sb.route.{tenant}`, stream `SB_ROUTING`). Lanes are keyed by
//! subject, so within one instance a tenant's inputs are handled one at a
//! time, in order.
//!
//! For each input: load the tenant's snapshot with its revision; if the
//! input was applied already (a redelivery), re-perform its recorded effects
//! and ack; otherwise reconcile the configuration, decide, record the input
//! and its effects, and write the snapshot with compare-and-set. Only once
//! that write succeeds are the effects performed, then the input acked.
//!
//! A lost compare-and-set means another instance (or a stale cached copy)
//! got there first: the decision is thrown away and made again from the
//! stored state. It is retried here, in the lane, rather than by a nak, so
//! the tenant's later inputs on this instance do not overtake it. Several
//! instances share the durable consumer, so two of them may each hold one of
//! a tenant's inputs at the same moment; compare-and-set makes them commit
//! one after the other, which keeps every routing rule (the limit, one
//! assignment per conversation) whatever the interleaving. Only the order
//! of two inputs delivered to different instances at once is not fixed.

use std::time::Duration;

use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery, Outcome};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::RoutingInput;
use switchboard_runtime::clock;

use super::Counters;
use super::perform::{Performer, Scope};
use super::step::{self, Parsed};
use crate::catalog::{Catalog, watch};
use crate::store::{SaveError, SnapshotStore};

/// Decisions redone in the lane after lost compare-and-sets, before the
/// input is naked and redelivered instead.
const CAS_ATTEMPTS: usize = 8;
/// How long an input waits for this instance's configuration watch to catch
/// up with the revision another instance already applied.
const CATALOG_WAIT: Duration = Duration::from_secs(2);

pub fn spec(lanes: usize) -> ConsumerSpec {
    ConsumerSpec::new(
        streams::ROUTING,
        consumers::ROUTER_INPUTS,
        filter::ALL_ROUTING,
    )
    .lanes(lanes)
}

#[derive(Debug, Clone)]
pub struct InputHandler {
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub performer: Performer,
    pub counters: Counters,
}

/// How one try at an input ended.
enum Attempt {
    Done,
    Conflict,
    /// Worth retrying later (the bus, a lagging watch).
    Failed(String),
    /// Retrying cannot help.
    Poison(String),
}

impl InputHandler {
    pub async fn handle(&self, delivery: Delivery) -> Outcome {
        let outcome = self.route(&delivery).await;
        match &outcome {
            Outcome::Ack => self.counters.inputs.inc(),
            Outcome::Retry(_) => self.counters.inputs_retried.inc(),
            Outcome::Park(_) => self.counters.inputs_parked.inc(),
        }
        outcome
    }

    async fn route(&self, delivery: &Delivery) -> Outcome {
        let Some(tenant) = subjects::tenant_of(&delivery.subject) else {
            return Outcome::Park("the subject names no tenant".into());
        };
        let input = match RoutingInput::decode(delivery.payload.clone()) {
            Ok(input) => input,
            Err(error) => return Outcome::Park(format!("undecodable RoutingInput: {error}")),
        };
        if input.tenant != tenant.to_string() {
            return Outcome::Park("the input's tenant is not its subject's".into());
        }
        if input.input_id.is_empty() {
            return Outcome::Park("input_id must be set".into());
        }
        let parsed = match step::parse(&input) {
            Ok(parsed) => parsed,
            Err(error) => return Outcome::Park(error.to_string()),
        };
        if let Some(revision) = watch::revision_of(&input) {
            // A change this instance may not have seen yet: apply it, not an older one.
            if !self.catalog.wait_seen(revision, CATALOG_WAIT).await {
                return Outcome::Retry(Duration::from_millis(500));
            }
        }
        for _ in 0..CAS_ATTEMPTS {
            match self.attempt(tenant, &input.input_id, parsed.clone()).await {
                Attempt::Done => return Outcome::Ack,
                Attempt::Conflict => self.counters.cas_conflicts.inc(),
                Attempt::Failed(reason) => {
                    tracing::warn!(%tenant, input = %input.input_id, %reason, "routing input failed; retrying");
                    let delay = 100 * u64::try_from(delivery.attempt.clamp(1, 20)).unwrap_or(1);
                    return Outcome::Retry(Duration::from_millis(delay));
                }
                Attempt::Poison(reason) => return Outcome::Park(reason),
            }
        }
        Outcome::Retry(Duration::from_millis(20))
    }

    async fn attempt(&self, tenant: TenantId, input_id: &str, parsed: Parsed) -> Attempt {
        let (mut snapshot, mut revision) = match self.store.take(tenant).await {
            Ok(versioned) => versioned,
            Err(error) => {
                return Attempt::Failed(format!("cannot read the routing state: {error}"));
            }
        };
        if let Some(applied) = snapshot.applied(input_id) {
            let effects = applied.effects.clone();
            self.counters.inputs_replayed.inc();
            // Judge what is still current against the stored state, not a
            // cached copy another instance may have moved past (replays are rare).
            if let Ok(stored) = self.store.read(tenant).await {
                (snapshot, revision) = stored;
            }
            let scope = Scope {
                tenant,
                input_id,
                snapshot: &snapshot,
                replay: true,
            };
            let performed = self.performer.perform(&scope, &effects).await;
            self.store.keep(tenant, (snapshot, revision));
            return match performed {
                Ok(()) => {
                    self.store.performed(tenant, input_id);
                    Attempt::Done
                }
                Err(error) => Attempt::Failed(format!("re-performing effects: {error}")),
            };
        }
        let mut config = self.catalog.tenant(tenant);
        if config.revision < snapshot.config_revision {
            // Another instance reconciled with a newer configuration than this
            // one's watch has shown yet: never roll the tenant back to older settings.
            if !self
                .catalog
                .wait_seen(snapshot.config_revision, CATALOG_WAIT)
                .await
            {
                self.store.keep(tenant, (snapshot, revision));
                return Attempt::Failed("the configuration watch is behind".into());
            }
            config = self.catalog.tenant(tenant);
        }
        let effects = step::apply(&mut snapshot, &config, parsed, clock::now_ms_unsigned());
        snapshot.record(input_id, effects.clone());
        let written = match self.store.save(tenant, &mut snapshot, revision).await {
            Ok(written) => written,
            // The snapshot taken is dropped: the next attempt reads the stored one.
            Err(SaveError::Conflict) => return Attempt::Conflict,
            Err(error @ SaveError::TooLarge(_)) => return Attempt::Poison(error.to_string()),
            Err(SaveError::Bus(error)) => {
                return Attempt::Failed(format!("cannot write the routing state: {error}"));
            }
        };
        let scope = Scope {
            tenant,
            input_id,
            snapshot: &snapshot,
            replay: false,
        };
        let performed = self.performer.perform(&scope, &effects).await;
        self.store.keep(tenant, (snapshot, written));
        match performed {
            Ok(()) => {
                // A redelivery now only needs to know it was applied.
                self.store.performed(tenant, input_id);
                Attempt::Done
            }
            // Committed: the redelivery finds the input applied and re-performs.
            Err(error) => Attempt::Failed(format!("performing effects: {error}")),
        }
    }
}
