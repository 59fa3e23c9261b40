//! The value types: limit bounds, offer id text, and state snapshots.

use super::support::*;
use crate::domain::{InvalidLimit, Limit, OfferId, State};

#[test]
fn the_limit_is_between_one_and_twenty_and_three_by_default() {
    assert_eq!(Limit::default().get(), 3);
    assert_eq!(Limit::new(0), Err(InvalidLimit(0)));
    assert_eq!(Limit::new(21), Err(InvalidLimit(21)));
    assert_eq!(Limit::new(20).map(Limit::get), Ok(20));
    assert!(serde_json::from_str::<Limit>("0").is_err());
}

#[test]
fn an_offer_id_round_trips_through_text() {
    let offer = OfferId {
        conversation: conversation(7),
        number: 42,
    };
    assert_eq!(offer.to_string().parse(), Ok(offer));
    assert_eq!(
        serde_json::to_string(&offer).unwrap(),
        format!("\"{offer}\"")
    );
    assert!("not-an-offer".parse::<OfferId>().is_err());
    assert!(format!("{}:x", conversation(7)).parse::<OfferId>().is_err());
}

#[test]
fn a_state_snapshot_round_trips_through_json() {
    let mut tenant = Tenant::with_available_agents(2, &[1, 2]);
    tenant.limit(1);
    tenant.assign(1, 1);
    tenant.handoff(2, 1);
    tenant.handoff(3, 2);
    let text = serde_json::to_string(&tenant.state).unwrap();
    let back: State = serde_json::from_str(&text).unwrap();
    assert_eq!(back, tenant.state);
}
