//! A tenant at scale: a thousand agents at their limit and a thousand queued
//! conversations. Run with `--nocapture` to see the cost per input; an
//! O(agents × queue) step would make this test take minutes, not a second.

use std::time::Instant;

use super::support::*;
use crate::domain::{Effect, Input, SKIPPED_LISTED, Status, decide};

const AGENTS: u128 = 1_000;
const WAITING: u128 = 1_000;
const ROUNDS: u128 = 500;

#[test]
fn freeing_capacity_in_a_big_busy_space_costs_little_per_input() {
    let mut tenant = Tenant::new();
    let apply = |tenant: &mut Tenant, input| decide(&mut tenant.state, input, tenant.now);
    for n in 1..=AGENTS {
        let (agent, space) = (agent(n), space(1));
        apply(
            &mut tenant,
            Input::AgentUpserted {
                agent,
                spaces: vec![space],
            },
        );
        let status = Status::Available;
        apply(
            &mut tenant,
            Input::SetStatus {
                agent,
                space: None,
                status,
            },
        );
    }
    // Fill every agent to the limit (3), then queue more than anyone can take.
    let live = AGENTS * 3;
    for c in 1..=live + WAITING {
        let handoff = Input::Handoff {
            conversation: conversation(c),
            space: space(1),
        };
        for effect in apply(&mut tenant, handoff) {
            if let Effect::Offer { offer, agent, .. } = effect {
                apply(&mut tenant, Input::Accept { offer, agent });
            }
        }
    }
    let started = Instant::now();
    for c in 1..=ROUNDS {
        let ended = Input::ConversationEnded {
            conversation: conversation(c),
        };
        let effects = apply(&mut tenant, ended);
        let (offer, agent) = only_offer(&effects);
        assert_eq!(
            offer.conversation,
            conversation(live + c),
            "oldest waiting first"
        );
        for effect in &effects {
            if let Effect::Decision {
                skipped,
                skipped_total,
                ..
            } = effect
            {
                assert!(skipped.len() <= SKIPPED_LISTED);
                assert!(usize::try_from(*skipped_total).unwrap() >= skipped.len());
            }
        }
        apply(&mut tenant, Input::Accept { offer, agent });
    }
    let per_input = started.elapsed() / (2 * u32::try_from(ROUNDS).unwrap());
    println!("{AGENTS} agents at the limit, {WAITING} waiting: {per_input:?} per end or accept");
    let queued = tenant.state.space(space(1)).map(|s| s.queue().count());
    assert_eq!(queued, usize::try_from(WAITING - ROUNDS).ok());
}
