//! The log entry's stored form: every released version has a golden fixture
//! (`services/router/tests/fixtures/router-log-entry-v{N}.json`) that today's
//! code reads back and replays to the golden state.

use std::path::PathBuf;

use super::{ENTRY_VERSION, Entry, EntryError};
use crate::domain::Config;
use crate::snapshot::{Snapshot, golden};

fn fixture(version: u64) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("router-log-entry-v{version}.json"))
}

#[test]
fn the_current_entry_format_is_exactly_its_golden_fixture() {
    let written = golden::entry().encode().expect("encodes");
    golden::assert_fixture(
        &fixture(ENTRY_VERSION),
        &written,
        "the stored entry changed: give it a new version (log.rs) and a fixture",
    );
}

#[test]
fn every_released_entry_version_replays_to_the_golden_state() {
    for version in 1..=ENTRY_VERSION {
        let bytes = std::fs::read(fixture(version)).expect("fixture");
        let entry = Entry::decode(&bytes).unwrap_or_else(|e| panic!("version {version}: {e}"));
        let mut replayed = Snapshot::new(Config::default());
        entry.replay(&mut replayed);
        let golden = golden::snapshot();
        assert_eq!(replayed.state, golden.state);
        assert_eq!(replayed.meta, golden.meta);
        assert_eq!(replayed.encode().ok(), golden.encode().ok());
    }
}

#[test]
fn an_entry_this_router_cannot_read_is_a_named_error() {
    assert!(matches!(
        Entry::decode(b"{\"version\": 1}"),
        Err(EntryError::Malformed(_))
    ));
    let mut future = serde_json::to_value(golden::entry()).expect("json");
    future["version"] = serde_json::json!(ENTRY_VERSION + 1);
    let bytes = serde_json::to_vec(&future).expect("json");
    assert!(matches!(
        Entry::decode(&bytes),
        Err(EntryError::UnknownVersion(v)) if v == ENTRY_VERSION + 1
    ));
}
