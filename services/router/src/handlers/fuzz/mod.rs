//! Fuzzing of everything the router consumes, through its plain code: a
//! run of configuration records (the bucket watch's `Record::decode` into
//! the catalog), routing inputs (decoded, checked and parsed as the
//! `router-inputs` handler does, then applied to the tenant's snapshot),
//! conversation events (turned into routing inputs as `router-events` does)
//! and the two views' queries. Each is a valid message for the tenant's
//! records, changed on the wire, or random bytes.
//!
//! Whatever arrives: nothing panics, what does not decode or parse is
//! parked (never retried), every routing rule holds after every input, the
//! snapshot reads back as written, an input made from an event always
//! parses, and the run's steps, as the router's log records them, replay
//! to exactly the state they were decided into.

mod seeds;

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::config_keys;
use switchboard_contracts::ids::{AgentId, ConversationId, ExperienceId, SpaceId, TenantId};
use switchboard_contracts::v1::{AgentQuery, ConversationEvent, RoutingInput, SpaceQuery};
use switchboard_testkit::fuzz::{ProtoEdit, config, proto_edits, through_the_wire};

use super::events::{EventError, routing_input};
use super::inputs::RouteError;
use super::step::{Logged, Parsed, parse};
use super::{rpc, space_view};
use crate::catalog::{Catalog, Record};
use crate::domain::Config;
use crate::domain::invariants::check_state;
use crate::log::Entry;
use crate::snapshot::Snapshot;

/// One thing that reaches the router: `u8` picks the kind of message,
/// `usize`s pick among the tenant's records.
#[derive(Debug, Clone)]
enum Op {
    Config(u8, usize, Vec<ProtoEdit>),
    Input(u8, usize, usize, Vec<ProtoEdit>),
    Event(u8, usize, Vec<ProtoEdit>),
    Query(bool, usize, Vec<ProtoEdit>),
    Bytes(u8, Vec<u8>),
    Tick(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let pick = any::<usize>();
    prop_oneof![
        3 => (0u8..5, pick, proto_edits()).prop_map(|(k, i, e)| Op::Config(k, i, e)),
        // Handoffs and accepts thrice as often as the other inputs.
        8 => (proptest::sample::select(&[0u8, 0, 0, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9][..]), pick, pick, proto_edits())
            .prop_map(|(k, a, b, e)| Op::Input(k, a, b, e)),
        3 => (0u8..4, pick, proto_edits()).prop_map(|(k, i, e)| Op::Event(k, i, e)),
        1 => (any::<bool>(), pick, proto_edits()).prop_map(|(s, i, e)| Op::Query(s, i, e)),
        1 => (0u8..3, proptest::collection::vec(any::<u8>(), 0..64)).prop_map(|(k, b)| Op::Bytes(k, b)),
        2 => (0u64..120_000).prop_map(Op::Tick),
    ]
}

/// One tenant as the router holds it.
struct Router {
    tenant: TenantId,
    spaces: Vec<SpaceId>,
    agents: Vec<AgentId>,
    conversations: Vec<ConversationId>,
    experience: ExperienceId,
    catalog: Catalog,
    snapshot: Snapshot,
    revision: u64,
    now: u64,
    sequence: u64,
    /// The step being decided: inputs until the next record or tick.
    entry: Option<Entry>,
    /// The steps decided, as the log stores them.
    log: Vec<Vec<u8>>,
    /// The last step's inputs, performed: the next step forgets their effects.
    performed: Vec<String>,
}

impl Router {
    fn new() -> Self {
        Self {
            tenant: TenantId::new(),
            spaces: (0..2).map(|_| SpaceId::new()).collect(),
            agents: (0..3).map(|_| AgentId::new()).collect(),
            conversations: (0..4).map(|_| ConversationId::new()).collect(),
            experience: ExperienceId::new(),
            catalog: Catalog::default(),
            snapshot: Snapshot::new(Config::default()),
            revision: 0,
            now: 1_700_000_000_000,
            sequence: 0,
            entry: None,
            log: Vec::new(),
            performed: Vec::new(),
        }
    }

    /// Ends the step being decided, as the service appends it.
    fn close(&mut self) {
        if let Some(entry) = self.entry.take() {
            entry.end(&mut self.snapshot);
            self.performed = entry.inputs.iter().map(|l| l.id.clone()).collect();
            self.log.push(entry.encode().expect("an entry encodes"));
        }
    }

    /// The state the log's steps replay to, from an empty one.
    fn replayed(&self) -> Snapshot {
        let mut snapshot = Snapshot::new(Config::default());
        for bytes in &self.log {
            Entry::decode(bytes)
                .expect("an entry reads back")
                .replay(&mut snapshot);
        }
        snapshot
    }

    fn pick<T: Copy>(items: &[T], i: usize) -> T {
        items[i % items.len()]
    }

    fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Config(kind, i, edits) => {
                self.close();
                let (key, bytes) = self.record(kind, i);
                let bytes = switchboard_testkit::fuzz::mutate_protobuf(&bytes, &edits);
                self.config(&key, &bytes);
            }
            Op::Input(kind, a, b, edits) => {
                let input = self.input(kind, a, b);
                self.route(through_the_wire(&input, &edits))?;
            }
            Op::Event(kind, i, edits) => {
                let event = self.event(kind, i);
                self.event_in(through_the_wire(&event, &edits))?;
            }
            Op::Query(space, i, edits) => self.query(space, i, &edits),
            Op::Bytes(0, bytes) => self.route(RoutingInput::decode(bytes.as_slice()))?,
            Op::Bytes(1, bytes) => self.event_in(ConversationEvent::decode(bytes.as_slice()))?,
            Op::Bytes(_, bytes) => {
                self.close();
                let key = config_keys::agent(Self::pick(&self.agents, bytes.len()));
                self.config(&key, &bytes);
            }
            Op::Tick(ms) => {
                self.close();
                self.now += ms;
            }
        }
        Ok(())
    }

    /// A bucket entry as the watch applies it: undecodable ones are skipped.
    fn config(&mut self, key: &str, bytes: &[u8]) {
        self.revision += 1;
        match Record::decode(key, bytes) {
            Some(Ok(record)) => {
                self.catalog.apply(key, self.revision, Some(record));
            }
            Some(Err(_)) | None => self.catalog.advance(self.revision),
        }
    }

    /// A routing input, in the `router-inputs` handler's order: decode, its
    /// tenant and id, parse, then the plain step and the snapshot's write.
    fn route(&mut self, input: Result<RoutingInput, prost::DecodeError>) -> TestResult {
        let input = match input {
            Ok(input) => input,
            Err(error) => return parked(&RouteError::from(error)),
        };
        if input.tenant != self.tenant.to_string() {
            return parked(&RouteError::WrongTenant);
        }
        if input.input_id.is_empty() {
            return parked(&RouteError::NoInputId);
        }
        let parsed = match parse(&input) {
            Ok(parsed) => parsed,
            Err(bad) => {
                prop_assert!(bad.to_string().len() > "bad routing input: ".len());
                return parked(&RouteError::from(bad));
            }
        };
        self.step(parsed)
    }

    fn step(&mut self, parsed: Parsed) -> TestResult {
        let config = self.catalog.tenant(self.tenant);
        if self.entry.is_none() {
            let performed = std::mem::take(&mut self.performed);
            self.entry = Some(Entry::new(
                self.log.len() as u64,
                performed,
                config.allows_live_chat(),
            ));
        }
        let logged = Logged {
            id: format!("i{}", self.sequence),
            now: self.now,
            input: parsed,
        };
        if let Some(entry) = self.entry.as_mut() {
            entry.decide(&mut self.snapshot, &config, logged);
        }
        self.sequence += 1;
        if let Err(violation) = check_state(&self.snapshot.state) {
            prop_assert!(false, "{violation}");
        }
        let written = self.snapshot.encode().expect("a snapshot encodes");
        let read = Snapshot::decode(&written).expect("a snapshot reads back");
        prop_assert_eq!(read.encode().expect("encodes again"), written);
        Ok(())
    }

    /// An event as `router-events` takes it; the input it makes is routed.
    fn event_in(&mut self, event: Result<ConversationEvent, prost::DecodeError>) -> TestResult {
        let event = match event {
            Ok(event) => event,
            Err(error) => return parked(&EventError::from(error)),
        };
        self.sequence += 1;
        let Some(input) = routing_input(&event, self.sequence) else {
            return Ok(());
        };
        prop_assert!(!input.input_id.is_empty(), "{input:?}");
        let parsed = parse(&input);
        prop_assert!(
            parsed.is_ok(),
            "an input made from an event does not parse: {input:?}"
        );
        if input.tenant == self.tenant.to_string() {
            self.step(parsed.expect("checked"))?;
        }
        Ok(())
    }

    /// The views' queries: whatever they name, the answer encodes.
    fn query(&self, space: bool, i: usize, edits: &[ProtoEdit]) {
        if space {
            let query = SpaceQuery {
                tenant: self.tenant.to_string(),
                space: Self::pick(&self.spaces, i).to_string(),
            };
            let Ok(query) = through_the_wire(&query, edits) else {
                return;
            };
            let (Ok(tenant), Ok(space)) = (query.tenant.parse(), query.space.parse()) else {
                return;
            };
            space_view::view(&self.snapshot, &self.catalog.tenant(tenant), space).encode_to_vec();
        } else {
            let query = AgentQuery {
                tenant: self.tenant.to_string(),
                agent: Self::pick(&self.agents, i).to_string(),
            };
            let Ok(query) = through_the_wire(&query, edits) else {
                return;
            };
            let (Ok(tenant), Ok(agent)) = (query.tenant.parse(), query.agent.parse()) else {
                return;
            };
            rpc::view(&self.snapshot, &self.catalog, tenant, agent).encode_to_vec();
        }
    }
}

type TestResult = Result<(), TestCaseError>;

/// A message that can never be handled is parked, with a reason to read.
fn parked(error: &impl Classify) -> TestResult {
    prop_assert_eq!(error.disposition(), Disposition::Park, "{}", error);
    prop_assert!(!error.to_string().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn any_run_of_records_inputs_events_and_queries_keeps_every_routing_rule(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        let mut router = Router::new();
        // Start from a configured tenant with its agents available, so
        // inputs reach agents, spaces and offers.
        for (kind, i) in [(0, 0), (2, 0), (2, 1), (1, 0), (1, 1), (1, 2), (3, 0)] {
            router.apply(Op::Config(kind, i, Vec::new()))?;
        }
        for agent in 0..3 {
            router.apply(Op::Input(1, 0, agent, Vec::new()))?;
        }
        for op in ops {
            router.apply(op)?;
        }
        router.close();
        prop_assert_eq!(
            String::from_utf8(router.replayed().encode().expect("encodes")).expect("utf-8"),
            String::from_utf8(router.snapshot.encode().expect("encodes")).expect("utf-8"),
            "the log replays to the decided state"
        );
    }
}
