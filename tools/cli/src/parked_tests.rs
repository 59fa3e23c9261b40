//! Unit tests of the parked-message helpers: filters, replay headers, rows.

use async_nats::HeaderMap;
use serde_json::json;

use crate::parked::*;

#[test]
fn the_filter_narrows_by_stream_and_consumer() {
    assert_eq!(filter(None, None).unwrap(), "sb.parked.*.*");
    assert_eq!(
        filter(Some("SB_COMMANDS"), None).unwrap(),
        "sb.parked.SB_COMMANDS.*"
    );
    assert_eq!(
        filter(None, Some("transcript-commands")).unwrap(),
        "sb.parked.*.transcript-commands"
    );
    let error = filter(Some("SB.X"), None).unwrap_err().to_string();
    assert!(error.starts_with("--stream: `SB.X`"), "{error}");
}

#[test]
fn a_replay_drops_the_parking_headers_and_gets_a_fresh_message_id() {
    let mut parked = HeaderMap::new();
    parked.insert(MSG_ID, "post:c1:m1");
    parked.insert("traceparent", "00-abc-def-01");
    parked.insert(REASON, "gave up after 5 attempts");
    parked.insert(ORIGINAL_SUBJECT, "sb.cmd.t.c");
    parked.insert("Nats-Expected-Last-Sequence", "4");
    let headers = replay_headers(&parked, 42);
    assert_eq!(header(&headers, MSG_ID).unwrap(), "post:c1:m1:replay:42");
    assert_eq!(header(&headers, "traceparent").unwrap(), "00-abc-def-01");
    assert!(header(&headers, REASON).is_none());
    assert!(header(&headers, ORIGINAL_SUBJECT).is_none());
    assert!(header(&headers, "Nats-Expected-Last-Sequence").is_none());
    let bare = replay_headers(&HeaderMap::new(), 7);
    assert_eq!(header(&bare, MSG_ID).unwrap(), "replay:SB_PARKED:7");
}

#[test]
fn a_parked_subject_names_its_stream_and_consumer() {
    assert_eq!(
        origin("sb.parked.SB_EVENTS.router"),
        ("SB_EVENTS".to_owned(), "router".to_owned())
    );
}

#[test]
fn the_list_is_one_row_per_parked_message() {
    let entry = json!({"seq": 9, "parked_at": "2026-01-01T00:00:00Z", "stream": "SB_COMMANDS",
        "consumer": "transcript-commands", "original_subject": "sb.cmd.t.c",
        "reason": "undecodable", "bytes": 3});
    let output = list_output(vec![entry.clone()]);
    assert_eq!(output.json, json!({"parked": [entry]}));
    assert_eq!(
        output.table.rows,
        vec![vec![
            "9",
            "2026-01-01T00:00:00Z",
            "SB_COMMANDS",
            "transcript-commands",
            "sb.cmd.t.c",
            "undecodable"
        ]]
    );
}
