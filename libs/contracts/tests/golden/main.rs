//! Golden tests of the wire encoding: every protobuf message of the schema,
//! with every field set, encoded by the generated Rust type and compared with
//! a checked-in fixture (`{Message}.hex`, or `{Message}.{member}.hex` for each
//! member of a message's oneof). A changed fixture means a changed wire
//! format, which other services (and other languages) read.
//!
//! The populated values are built from the schema itself (the descriptor set
//! the build compiles), so a field added to `proto/` is covered at once.
//! After a deliberate schema change, rewrite the fixtures with
//! `SWITCHBOARD_GOLDEN_UPDATE=1 cargo nextest run -p switchboard-contracts --test golden`
//! and review the diff.

mod schema;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use switchboard_contracts::Message;
use switchboard_contracts::v1;

use schema::Schema;

/// Decodes wire bytes into the Rust type and encodes them again.
type Codec = fn(&[u8]) -> Result<Vec<u8>, prost::DecodeError>;

macro_rules! codecs {
    ($($name:ident),* $(,)?) => {
        /// Every message the Rust types know, by name.
        const CODECS: &[(&str, Codec)] = &[$((
            stringify!($name),
            |bytes| v1::$name::decode(bytes).map(|value| value.encode_to_vec()),
        )),*];
    };
}

codecs! {
    // ai.proto
    AiRequest, AiReply, HandoffRequest,
    // common.proto
    Author, Customer,
    // config.proto
    Tenant, SealedSecret, Knowledge, AiHandoff, AiAgent, Space, Agent, Experience, Widget, TokenGrant, Admin,
    AiPlatformAccount,
    // conversation.proto
    ChatMessage, ConversationInfo, ConversationStart, PostMessage, EndConversation,
    RequestHandoff, AssignAgent, ReturnToAi, PostNotice, IdentifyCustomer, CheckInactivity,
    ConversationCommand, MessageAdded, StateChanged, CommandRejected, InactivityWarning,
    CustomerIdentified, ConversationEvent, TypingEvent, TranscriptQuery, TranscriptPage,
    ConversationListQuery, ConversationListItem, ConversationList,
    // presence.proto
    AgentPresence, RouteAgentConnected, RoutePresenceCheck,
    // routing.proto
    RouteHandoff, RouteSetStatus, RouteAccept, RouteDecline, RouteOfferExpired,
    RouteAcceptWindowExpired, RouteConversationClosed, RouteConfigChanged, RoutingInput,
    Offer, OfferWithdrawn, Assigned, AcceptRefused, AgentStatusChanged, AgentEvent,
    QueuePosition, SkippedAgent, RoutingDecision, AgentQuery, SpaceStatus, AgentView,
    SpaceQuery, WaitingConversation, SpaceAgent, SpaceView,
    // timer.proto
    Timer, TimerLease, TimerInstance,
    // workitem.proto
    WorkItem, WorkItemQuery, WorkItemUpdate, WorkItemRequest, WorkItemPage, WorkItemChanged,
    // webhook.proto
    Webhook, WebhookRequest, WebhookStatesQuery, WebhookDeliveriesQuery, WebhookState,
    WebhookDelivery, WebhookReply,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn updating() -> bool {
    std::env::var_os("SWITCHBOARD_GOLDEN_UPDATE").is_some_and(|v| v != "0")
}

fn to_hex(bytes: &[u8]) -> String {
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut text = String::new();
    for line in digits.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap());
        text.push('\n');
    }
    text
}

fn from_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn codec(name: &str) -> Codec {
    CODECS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, codec)| *codec)
        .unwrap_or_else(|| panic!("`{name}` has no entry in CODECS: add it"))
}

#[test]
fn the_codec_list_names_every_message_of_the_schema() {
    let schema = Schema::load();
    let in_schema: BTreeSet<&str> = schema.top_level().map(|m| m.name()).collect();
    let listed: BTreeSet<&str> = CODECS.iter().map(|(name, _)| *name).collect();
    assert_eq!(in_schema, listed);
}

#[test]
fn every_message_encodes_as_its_golden_fixture() {
    let schema = Schema::load();
    let mut expected_files = BTreeSet::new();
    let mut mismatches = Vec::new();
    for message in schema.top_level() {
        for (suffix, written) in schema.populated(message) {
            let file = format!("{}{suffix}.hex", message.name());
            let encoded = codec(message.name())(&written).unwrap_or_else(|e| {
                panic!("{file}: the Rust type refuses the schema's bytes: {e}")
            });
            assert_eq!(
                encoded.len(),
                written.len(),
                "{file}: the Rust type dropped a field the schema declares"
            );
            let path = fixtures_dir().join(&file);
            if updating() {
                std::fs::write(&path, to_hex(&encoded)).unwrap();
            }
            let fixture = std::fs::read_to_string(&path)
                .map(|text| from_hex(&text))
                .unwrap_or_default();
            if fixture != encoded {
                mismatches.push(file.clone());
            }
            // The fixture decodes back into the same value.
            let again = codec(message.name())(&fixture).unwrap_or_default();
            assert!(
                fixture.is_empty() || again == fixture,
                "{file}: the fixture does not decode back to itself"
            );
            expected_files.insert(file);
        }
    }
    assert!(
        mismatches.is_empty(),
        "the wire encoding changed (or a fixture is missing) for {mismatches:?}; \
         if that is intended, rerun with SWITCHBOARD_GOLDEN_UPDATE=1 and review the diff"
    );
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".hex"))
        .collect();
    let stale: Vec<_> = on_disk.difference(&expected_files).collect();
    assert!(stale.is_empty(), "fixtures of no message: {stale:?}");
}

#[test]
fn the_fixtures_pin_field_numbers_not_just_lengths() {
    // A tenant's id is field 1, a string: tag 0x0a, then its length.
    let fixture = std::fs::read_to_string(fixtures_dir().join("Tenant.hex")).unwrap();
    let bytes = from_hex(&fixture);
    let tenant = v1::Tenant::decode(bytes.as_slice()).unwrap();
    assert_eq!(bytes[0], 0x0a);
    assert_eq!(tenant.id, "Tenant.id");
}
