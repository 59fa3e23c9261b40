//! Fuzzing of the timer service's load path: bucket entries as a partition
//! watch receives them (valid timers under their own key, the same under
//! another key, changed on the wire, random bytes), read as the watch reads
//! them, held in the table, and taken when due by a fire task. Whatever an
//! entry holds: nothing panics, an entry that is not a timer under its own
//! key is ignored, and every due record is fired or given up, leaving the
//! table empty.

use proptest::prelude::*;
use prost::Message;
use switchboard_contracts::streams::timer_keys;
use switchboard_contracts::v1::Timer;
use switchboard_testkit::fuzz::{config, proto_edits, through_the_wire};

use super::TimerHead;
use crate::domain::TimerTable;
use crate::fire::fireable;

/// The watch's reading of a put: the head, and its key's agreement.
fn load(key: &str, payload: &[u8], partition: u16) -> Option<u64> {
    let head = TimerHead::decode(payload).ok()?;
    let (in_key, id) = timer_keys::parse_key(key)?;
    (id == head.id && in_key == partition && timer_keys::partition(id) == partition)
        .then_some(head.due_ms)
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_entry_is_loaded_and_fired_or_ignored(
        id in "[a-z0-9._=/-]{1,24}",
        due_ms in prop_oneof![Just(0u64), 1u64..1_000, Just(u64::MAX)],
        other_key in any::<bool>(),
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..48),
    ) {
        let timer = Timer {
            id: id.clone(),
            due_ms,
            subject: "sb.cmd.t.c".into(),
            payload: vec![1],
            ..Default::default()
        };
        let key = if other_key { timer_keys::key(&format!("{id}x")) } else { timer_keys::key(&id) };
        let partition = timer_keys::partition(&id);
        let mut table = TimerTable::new(timer_keys::PARTITIONS, 0);
        let generation = table.own(partition);
        let mut entries = vec![timer.encode_to_vec(), bytes];
        if let Ok(changed) = through_the_wire(&timer, &edits) {
            entries.push(changed.encode_to_vec());
        }
        for (revision, payload) in (1u64..).zip(entries) {
            let Some(due) = load(&key, &payload, partition) else {
                continue;
            };
            table.put(partition, generation, &key, revision, due, payload.into_boxed_slice());
        }
        let mut taken = Vec::new();
        table.advance(u64::MAX, &mut taken);
        for due in &taken {
            // Fired (and its record deleted) or given up: either way, done.
            let _ = fireable(&due.record);
            table.complete(due);
        }
        prop_assert!(table.is_empty(), "{} timers left", table.len());
    }
}
