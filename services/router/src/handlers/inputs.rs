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
use switchboard_bus::service::Consumer;

use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::{BusError, Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::RoutingInput;
use switchboard_runtime::{clock, telemetry};

use super::Counters;
use super::perform::{Performer, Scope};
use super::presence::Presence;
use super::step::{self, BadInput, Parsed};
use crate::catalog::{Catalog, watch};
use crate::domain::{Input, State};
use crate::store::{SaveError, SnapshotStore};

/// Decisions redone in the lane after lost compare-and-sets, before the
/// input is naked and redelivered instead.
const CAS_ATTEMPTS: usize = 8;
/// How long an input waits for this instance's configuration watch to catch
/// up with the revision another instance already applied.
const CATALOG_WAIT: Duration = Duration::from_secs(2);

pub fn spec(lanes: usize) -> ConsumerSpec {
    // Retries wait for the bus or a lagging configuration watch: short
    // first, at most 2 s, so a tenant's queue is not held up for long.
    ConsumerSpec::new(
        streams::ROUTING,
        consumers::ROUTER_INPUTS,
        filter::ALL_ROUTING,
    )
    .lanes(lanes)
    .backoff(Duration::from_millis(100), Duration::from_secs(2))
}

#[derive(Debug, Clone)]
pub struct InputHandler {
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub performer: Performer,
    pub presence: Presence,
    pub counters: Counters,
}

/// How one try at an input ended, when it did not fail.
enum Attempt {
    Done,
    Conflict,
}

/// Why an input was not applied.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("the subject names no tenant")]
    NoTenant,
    #[error("undecodable RoutingInput: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error("the input's tenant is not its subject's")]
    WrongTenant,
    #[error("input_id must be set")]
    NoInputId,
    #[error(transparent)]
    BadInput(#[from] BadInput),
    #[error("the configuration watch is behind")]
    CatalogBehind,
    #[error("the routing state changed under {CAS_ATTEMPTS} decisions in a row")]
    Contended,
    #[error("cannot read the routing state: {0}")]
    Read(#[source] BusError),
    #[error("cannot read the agent's presence: {0}")]
    Presence(#[source] BusError),
    #[error("cannot write the routing state: {0}")]
    Save(#[source] SaveError),
    #[error("re-performing effects: {0}")]
    Replay(#[source] BusError),
    #[error("performing effects: {0}")]
    Perform(#[source] BusError),
}

impl Classify for RouteError {
    fn disposition(&self) -> Disposition {
        match self {
            RouteError::NoTenant
            | RouteError::Undecodable(_)
            | RouteError::WrongTenant
            | RouteError::NoInputId
            | RouteError::BadInput(_)
            | RouteError::Save(SaveError::TooLarge(_)) => Disposition::Park,
            RouteError::CatalogBehind
            | RouteError::Contended
            | RouteError::Read(_)
            | RouteError::Presence(_)
            | RouteError::Save(_)
            | RouteError::Replay(_)
            | RouteError::Perform(_) => Disposition::Retry,
        }
    }
}

impl InputHandler {
    async fn route(&self, delivery: &Delivery) -> Result<(), RouteError> {
        let tenant = subjects::tenant_of(&delivery.subject).ok_or(RouteError::NoTenant)?;
        let input = RoutingInput::decode(delivery.payload.clone())?;
        if input.tenant != tenant.to_string() {
            return Err(RouteError::WrongTenant);
        }
        if input.input_id.is_empty() {
            return Err(RouteError::NoInputId);
        }
        let parsed = match step::parse(&input)? {
            Parsed::Connected(agent) => {
                return self
                    .watch_presence(tenant, agent, clock::now_ms_unsigned())
                    .await;
            }
            Parsed::PresenceCheck(agent) => {
                let now = clock::now_ms_unsigned();
                match self
                    .check_presence(tenant, agent, &input.input_id, now)
                    .await?
                {
                    Some(decide) => decide,
                    None => return Ok(()),
                }
            }
            parsed => parsed,
        };
        if let Some(conversation) = conversation_of(&parsed) {
            telemetry::record_conversation(&conversation);
        }
        if let Some(revision) = watch::revision_of(&input) {
            // A change this instance may not have seen yet: apply it, not an older one.
            if !self.catalog.wait_seen(revision, CATALOG_WAIT).await {
                return Err(RouteError::CatalogBehind);
            }
        }
        for _ in 0..CAS_ATTEMPTS {
            match self
                .attempt(tenant, &input.input_id, parsed.clone())
                .await?
            {
                Attempt::Done => return Ok(()),
                Attempt::Conflict => {
                    self.counters.cas_conflicts.inc();
                }
            }
        }
        Err(RouteError::Contended)
    }

    async fn attempt(
        &self,
        tenant: TenantId,
        input_id: &str,
        parsed: Parsed,
    ) -> Result<Attempt, RouteError> {
        let (mut snapshot, mut revision) =
            self.store.take(tenant).await.map_err(RouteError::Read)?;
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
            performed.map_err(RouteError::Replay)?;
            self.store.performed(tenant, input_id);
            return Ok(Attempt::Done);
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
                return Err(RouteError::CatalogBehind);
            }
            config = self.catalog.tenant(tenant);
        }
        let declined = declines_the_outstanding_offer(&snapshot.state, &parsed);
        let effects = step::apply(&mut snapshot, &config, parsed, clock::now_ms_unsigned());
        snapshot.record(input_id, effects.clone());
        let written = match self.store.save(tenant, &mut snapshot, revision).await {
            Ok(written) => written,
            // The snapshot taken is dropped: the next attempt reads the stored one.
            Err(SaveError::Conflict) => return Ok(Attempt::Conflict),
            Err(error) => return Err(RouteError::Save(error)),
        };
        let scope = Scope {
            tenant,
            input_id,
            snapshot: &snapshot,
            replay: false,
        };
        self.counters.queues.update(tenant, &snapshot.state);
        let performed = self.performer.perform(&scope, &effects).await;
        if declined && performed.is_ok() {
            self.counters.offers.with(["declined"]).inc();
        }
        self.store.keep(tenant, (snapshot, written));
        // Committed: should performing fail, the redelivery finds the input
        // applied and re-performs.
        performed.map_err(RouteError::Perform)?;
        // A redelivery now only needs to know it was applied.
        self.store.performed(tenant, input_id);
        Ok(Attempt::Done)
    }
}

/// A decline of the offer its agent holds now (a late or repeated one
/// changes nothing and counts nothing).
fn declines_the_outstanding_offer(state: &State, parsed: &Parsed) -> bool {
    let Parsed::Core(Input::Decline { offer, agent }) = parsed else {
        return false;
    };
    state
        .conversation(offer.conversation)
        .and_then(|c| c.offer())
        .is_some_and(|o| o.id == *offer && o.agent == *agent)
}

/// The conversation an input is about, for its span.
fn conversation_of(parsed: &Parsed) -> Option<ConversationId> {
    match parsed {
        Parsed::Handoff { conversation, .. } | Parsed::Closed(conversation) => Some(*conversation),
        Parsed::Core(
            Input::Handoff { conversation, .. }
            | Input::AcceptWindowExpired { conversation }
            | Input::ConversationEnded { conversation },
        ) => Some(*conversation),
        Parsed::Core(
            Input::Accept { offer, .. }
            | Input::Decline { offer, .. }
            | Input::OfferExpired { offer },
        ) => Some(offer.conversation),
        Parsed::Core(_)
        | Parsed::ConfigChanged
        | Parsed::Connected(_)
        | Parsed::PresenceCheck(_) => None,
    }
}

impl Consumer for InputHandler {
    type Error = RouteError;

    async fn consume(&self, delivery: Delivery) -> Result<(), RouteError> {
        let routed = self.route(&delivery).await;
        match &routed {
            Ok(()) => {
                self.counters.inputs.inc();
            }
            Err(error) => {
                if error.disposition() == Disposition::Retry {
                    self.counters.inputs_retried.inc();
                    tracing::warn!(%error, "routing input failed; retrying");
                } else {
                    self.counters.inputs_parked.inc();
                }
            }
        }
        routed
    }
}
