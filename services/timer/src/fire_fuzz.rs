//! Fuzzing of what the timer service fires: records as another service
//! scheduled them (valid timers with any headers, subjects and ids), changed
//! on the wire, or random bytes, read as a fire task reads them. Whatever a
//! record holds: nothing panics, and a record that cannot be fired is given
//! up at once (left in the bucket, never retried), while one that can has
//! everything a publish needs.

use std::collections::HashMap;

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::timers;
use switchboard_contracts::v1::Timer;
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{fireable, stored_headers};

fn timer() -> impl Strategy<Value = Timer> {
    let id = prop_oneof![
        Just("inactivity.c1".to_owned()),
        "[a-z0-9._=/-]{1,20}",
        text()
    ];
    let subject = prop_oneof![Just("sb.cmd.t.c".to_owned()), text()];
    let header = (
        prop_oneof![Just("traceparent".to_owned()), text()],
        prop_oneof![Just("00-abc-01".to_owned()), text()],
    );
    let headers = proptest::collection::vec(header, 0..3);
    (
        id,
        any::<u64>(),
        subject,
        headers,
        prop_oneof![Just(String::new()), text()],
    )
        .prop_map(|(id, due_ms, subject, headers, msg_id)| Timer {
            id,
            due_ms,
            subject,
            payload: vec![1, 2, 3],
            msg_id,
            scheduled_at_ms: 1,
            headers: headers.into_iter().collect::<HashMap<_, _>>(),
        })
}

/// What a fire task does with a due record, short of the bus.
fn fire(record: &[u8]) {
    if let Ok(timer) = fireable(record) {
        // Everything the publish is built from.
        stored_headers(&timer);
        timers::msg_id(&timer);
    }
}

proptest! {
    #![proptest_config(config(9_000))]

    #[test]
    fn any_record_is_fired_or_given_up_without_a_panic(
        timer in timer(),
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        fire(&timer.encode_to_vec());
        if let Ok(changed) = through_the_wire(&timer, &edits) {
            fire(&changed.encode_to_vec());
        }
        fire(&bytes);
        // What can be fired is what the client would have scheduled.
        prop_assert_eq!(fireable(&timer.encode_to_vec()).is_ok(), timers::validate(&timer).is_ok());
    }
}

/// Found by the test above: a record whose header name the client would
/// refuse (here with a `:`) decoded, and building its publish panicked in
/// the fire task, so the timer never fired nor was given up.
#[test]
fn fuzz_regression_a_record_with_a_bad_header_name_is_given_up() {
    let timer = Timer {
        id: "inactivity.c1".into(),
        due_ms: 5,
        subject: "sb.cmd.t.c".into(),
        headers: HashMap::from([("bad:name".to_owned(), "v".to_owned())]),
        ..Default::default()
    };
    let refused = fireable(&timer.encode_to_vec()).unwrap_err();
    assert!(
        refused.to_string().contains("header `bad:name`"),
        "{refused}"
    );
}
