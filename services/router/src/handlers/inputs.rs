//! The `router-inputs` consumer: every tenant's routing inputs, one subject
//! per tenant (`sb.route.{tenant}`, stream `SB_ROUTING`). Lanes are keyed by
//! subject, so within one instance a tenant's inputs are handled by one lane,
//! in order; the lane hands over every input it holds at once, and a
//! tenant's are decided together in one step ([`super::batch`]).
//!
//! Each input is first checked and parsed here ([`InputHandler::prepare`]):
//! poison is parked, presence inputs answered (a console's hello arms a
//! timer; a presence check reads the agent's record), and an input naming a
//! configuration revision waits for this instance's watch to reach it.
//! What remains is decided against the tenant's state: an input applied
//! already (a redelivery) has its recorded effects re-performed; the others
//! are applied one after the other, recorded with their effects, and the
//! step is appended to the tenant's log ([`crate::store`]), fenced by the
//! log position it was decided at. Only once that append succeeds are the
//! effects of them all performed, then the inputs acked.
//!
//! A refused append means another instance (or a held copy gone stale)
//! got there first: the decisions are thrown away and made again from the
//! latest state. It is retried here, in the lane, rather than by a nak, so
//! the tenant's later inputs on this instance do not overtake them. Several
//! instances share the durable consumer, so two of them may each hold some
//! of a tenant's inputs at the same moment; the fenced append makes them
//! commit one after the other, which keeps every routing rule (the limit,
//! one assignment per conversation) whatever the interleaving. Only the
//! order of two inputs delivered to different instances at once is not fixed.

use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::{BusError, Classify, Disposition};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::filter;
use switchboard_contracts::v1::RoutingInput;
use switchboard_runtime::clock;

use super::Counters;
use super::perform::Performer;
use super::presence::Presence;
use super::step::{self, BadInput, Parsed};
use crate::catalog::{Catalog, watch};
use crate::domain::{Input, State};
use crate::store::{ReadError, SaveError, SnapshotStore};

/// Decisions redone in the lane after refused appends, before the
/// input is naked and redelivered instead.
pub(super) const CAS_ATTEMPTS: usize = 8;
/// How long an input waits for this instance's configuration watch to catch
/// up with the revision another instance already applied.
pub(super) const CATALOG_WAIT: Duration = Duration::from_secs(2);

/// The most inputs one lane hands over at once (the consumer's
/// `max_ack_pending` bounds it too).
pub const MAX_BATCH: usize = 256;

pub fn spec(lanes: usize) -> ConsumerSpec {
    // Retries wait for the bus or a lagging configuration watch: short
    // first, at most 2 s, so a tenant's queue is not held up for long.
    ConsumerSpec::new(
        streams::ROUTING,
        consumers::ROUTER_INPUTS,
        filter::ALL_ROUTING,
    )
    .lanes(lanes)
    .max_batch(MAX_BATCH)
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
    Read(#[source] ReadError),
    #[error("cannot read the agent's presence: {0}")]
    Presence(#[source] BusError),
    #[error("cannot write the routing state: {0}")]
    Save(#[source] SaveError),
    #[error("re-performing effects: {0}")]
    Replay(#[source] BusError),
    #[error("performing effects: {0}")]
    Perform(#[source] BusError),
    /// One failure of a step that decided several inputs, for each of them.
    #[error(transparent)]
    Step(Arc<RouteError>),
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
            RouteError::Step(error) => error.disposition(),
        }
    }
}

/// An input ready to be decided: checked, parsed, its configuration seen.
#[derive(Debug, Clone)]
pub struct Ready {
    pub input_id: String,
    pub parsed: Parsed,
}

impl InputHandler {
    /// Checks and parses one delivery of `tenant`'s subject: `None` when
    /// nothing is left to decide (a presence input answered here).
    pub(super) async fn prepare(
        &self,
        tenant: TenantId,
        delivery: &Delivery,
    ) -> Result<Option<Ready>, RouteError> {
        let input = RoutingInput::decode(delivery.payload.clone())?;
        if input.tenant != tenant.to_string() {
            return Err(RouteError::WrongTenant);
        }
        if input.input_id.is_empty() {
            return Err(RouteError::NoInputId);
        }
        let parsed = match step::parse(&input)? {
            Parsed::Connected(agent) => {
                self.watch_presence(tenant, agent, clock::now_ms_unsigned())
                    .await?;
                return Ok(None);
            }
            Parsed::PresenceCheck(agent) => {
                let now = clock::now_ms_unsigned();
                match self
                    .check_presence(tenant, agent, &input.input_id, now)
                    .await?
                {
                    Some(decide) => decide,
                    None => return Ok(None),
                }
            }
            parsed => parsed,
        };
        if let Some(revision) = watch::revision_of(&input) {
            // A change this instance may not have seen yet: apply it, not an older one.
            if !self.catalog.wait_seen(revision, CATALOG_WAIT).await {
                return Err(RouteError::CatalogBehind);
            }
        }
        Ok(Some(Ready {
            input_id: input.input_id,
            parsed,
        }))
    }
}

/// A decline of the offer its agent holds now (a late or repeated one
/// changes nothing and counts nothing).
pub(super) fn declines_the_outstanding_offer(state: &State, parsed: &Parsed) -> bool {
    let Parsed::Core(Input::Decline { offer, agent }) = parsed else {
        return false;
    };
    state
        .conversation(offer.conversation)
        .and_then(|c| c.offer())
        .is_some_and(|o| o.id == *offer && o.agent == *agent)
}
