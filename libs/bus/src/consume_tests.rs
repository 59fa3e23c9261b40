//! How a handler's result settles its message: the classify mapping.

use std::time::Duration;

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects::{self, EventKind};

use crate::consume::{ConsumerSpec, Outcome, lane_of, settle};
use crate::failure::{Classify, Disposition};

#[derive(Debug, thiserror::Error)]
#[error("{0:?} for the test")]
struct Failed(Disposition);

impl Classify for Failed {
    fn disposition(&self) -> Disposition {
        self.0
    }
}

fn spec() -> ConsumerSpec {
    ConsumerSpec::new("SB_TEST", "test", "sb.test.>")
        .max_deliver(5)
        .backoff(Duration::from_millis(100), Duration::from_secs(1))
}

#[test]
fn success_and_an_answered_refusal_are_acked() {
    assert_eq!(settle::<Failed>(Ok(()), 1, &spec()), Outcome::Ack);
    assert_eq!(
        settle(Err(Failed(Disposition::Answered)), 1, &spec()),
        Outcome::Ack
    );
}

#[test]
fn poison_is_parked_with_the_error_as_its_reason() {
    assert_eq!(
        settle(Err(Failed(Disposition::Park)), 1, &spec()),
        Outcome::Park("Park for the test".into())
    );
}

#[test]
fn a_retry_waits_by_the_specs_curve() {
    let Outcome::Retry(first) = settle(Err(Failed(Disposition::Retry)), 1, &spec()) else {
        panic!("expected a retry");
    };
    assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
    let Outcome::Retry(third) = settle(Err(Failed(Disposition::Retry)), 3, &spec()) else {
        panic!("expected a retry");
    };
    assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
}

#[test]
fn the_last_allowed_attempt_parks_instead_of_retrying() {
    let Outcome::Park(reason) = settle(Err(Failed(Disposition::Retry)), 5, &spec()) else {
        panic!("expected a park");
    };
    assert!(reason.starts_with("gave up after 5 attempts"), "{reason}");
}

#[test]
fn one_conversations_events_of_every_kind_share_a_lane() {
    let (t, c) = (TenantId::new(), ConversationId::new());
    let lanes = 64;
    let lane = lane_of(&subjects::event(t, c, EventKind::Message), lanes);
    for kind in EventKind::ALL {
        assert_eq!(
            lane_of(&subjects::event(t, c, kind), lanes),
            lane,
            "{kind:?}"
        );
    }
    assert_eq!(lane_of(&format!("sb.evt.{t}.{c}"), lanes), lane);
}
