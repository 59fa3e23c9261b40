//! Every released snapshot format, read from its golden fixture by today's
//! code: each must give back the golden state, indexes and all, and keep
//! every routing rule. The current version's fixture must also be exactly
//! what today's code writes, so a format change cannot slip in unversioned.

use std::path::PathBuf;

use super::format::{self, FormatError, VERSION};
use super::{Snapshot, golden};
use crate::domain::Config;
use crate::domain::invariants::check_state;

fn fixture(version: u64) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("snapshot-v{version}.json"))
}

fn read(version: u64) -> Vec<u8> {
    let path = fixture(version);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_golden(read: &Snapshot) {
    let golden = golden::snapshot();
    check_state(&read.state).expect("the read state keeps every rule");
    assert_eq!(read.state, golden.state, "state, indexes included");
    assert_eq!(read.meta, golden.meta);
    assert_eq!(read.config_revision, golden.config_revision);
    let [_, _, _, ended] = golden::conversations();
    assert!(read.is_closed(ended));
    for id in ["handoff:1", "decline:1", "accept:1", "closed:4"] {
        assert_eq!(
            read.applied(id).map(|a| &a.effects),
            golden.applied(id).map(|a| &a.effects),
            "{id}"
        );
    }
}

#[test]
fn every_released_format_reads_back_as_the_golden_state() {
    for version in 1..=VERSION {
        let snapshot = format::decode(&read(version), Config::default())
            .unwrap_or_else(|e| panic!("version {version}: {e}"));
        assert_golden(&snapshot);
    }
}

#[test]
fn the_current_format_is_exactly_its_golden_fixture() {
    let written = golden::snapshot().encode().expect("encodes");
    golden::assert_fixture(
        &fixture(VERSION),
        &written,
        "the stored format changed: give it a new version (format.rs) and a fixture",
    );
}

#[test]
fn a_snapshot_this_router_cannot_read_is_a_named_error() {
    let decode = |bytes: &[u8]| format::decode(bytes, Config::default()).unwrap_err();
    assert!(matches!(decode(b"\x00garbage"), FormatError::NotJson(_)));
    assert!(matches!(
        decode(br#"{"version": 4}"#),
        FormatError::UnknownVersion(4)
    ));
    assert!(matches!(
        decode(br#"{"version": 2, "limit": 0}"#),
        FormatError::Malformed { version: 2, .. }
    ));
    assert!(matches!(
        decode(br#"{"state": 1}"#),
        FormatError::Malformed { version: 1, .. }
    ));
    // A conversation live with an agent the records do not hold.
    let mut v2: serde_json::Value = serde_json::from_slice(&read(2)).expect("json");
    v2["agents"] = serde_json::json!({});
    let bytes = serde_json::to_vec(&v2).expect("json");
    assert!(matches!(decode(&bytes), FormatError::Inconsistent(_)));
}
