//! The rules about one step: what an input may change and what each effect
//! must satisfy, judged from the state before, the state after and the
//! effects. The offers' own rules are in `offers`.

use super::offers::check_offers;
use super::status::{check_disconnected, check_status_effects};
use super::{Rule, Violation, broken};
use crate::domain::effect::{Effect, FallbackReason};
use crate::domain::input::Input;
use crate::domain::state::{Stage, State};
use crate::domain::types::{OfferId, Status};

/// Checks one step: `before` became `after` when `input` produced `effects`.
pub fn check_step(
    before: &State,
    input: &Input,
    after: &State,
    effects: &[Effect],
) -> Result<(), Violation> {
    check_limit(before, after)?;
    check_stale(before, input, after, effects)?;
    check_fallbacks(before, input, after, effects)?;
    check_timeout(before, input, after)?;
    check_status_effects(before, input, after, effects)?;
    check_disconnected(before, input, after)?;
    check_offers(before, after, effects)?;
    check_assigned(before, input, after, effects)
}

fn check_assigned(
    before: &State,
    input: &Input,
    after: &State,
    effects: &[Effect],
) -> Result<(), Violation> {
    for effect in effects {
        if let Effect::Assigned {
            offer,
            agent,
            conversation,
            ..
        } = effect
        {
            let won = before.conversation(*conversation).and_then(|c| c.offer());
            let asked = *input
                == Input::Accept {
                    offer: *offer,
                    agent: *agent,
                };
            let live = after.conversation(*conversation).map(|c| c.stage);
            if !asked
                || won.is_none_or(|o| o.id != *offer || o.agent != *agent)
                || live != Some(Stage::Live { agent: *agent })
            {
                return broken(
                    Rule::AssignedOnce,
                    format!("{conversation:?} assigned to {agent:?} without winning {offer:?}"),
                );
            }
        }
    }
    Ok(())
}

fn check_limit(before: &State, after: &State) -> Result<(), Violation> {
    for (id, agent) in &after.agents {
        let load = agent.load();
        let was = before.agent(*id).map_or(0, |a| a.load());
        if load > after.limit.get() && load > was {
            return broken(
                Rule::Limit,
                format!("{id:?} went from {was} to {load} over {:?}", after.limit),
            );
        }
    }
    Ok(())
}

fn check_stale(
    before: &State,
    input: &Input,
    after: &State,
    effects: &[Effect],
) -> Result<(), Violation> {
    let outstanding = |offer: &OfferId| {
        before
            .conversation(offer.conversation)
            .and_then(|c| c.offer())
            .filter(|o| o.id == *offer)
    };
    let stale = match input {
        Input::Accept { offer, agent } => {
            let refused = outstanding(offer).is_none_or(|o| o.agent != *agent);
            if refused && !matches!(effects, [Effect::AcceptRefused { .. }]) {
                return broken(
                    Rule::AssignedOnce,
                    format!("stale accept of {offer:?} was not refused"),
                );
            }
            refused
        }
        Input::Decline { offer, agent } => outstanding(offer).is_none_or(|o| o.agent != *agent),
        Input::OfferExpired { offer } => outstanding(offer).is_none(),
        _ => false,
    };
    if stale && (after != before || (!effects.is_empty() && !matches!(input, Input::Accept { .. })))
    {
        return broken(
            Rule::StaleInputChangesNothing,
            format!("{input:?} changed something"),
        );
    }
    Ok(())
}

fn check_fallbacks(
    before: &State,
    input: &Input,
    after: &State,
    effects: &[Effect],
) -> Result<(), Violation> {
    if let Input::SpaceUpdated {
        space,
        live_chat: false,
    } = input
        && after
            .space(*space)
            .is_some_and(|s| s.queue().next().is_some())
    {
        return broken(
            Rule::Fallback,
            format!("live chat turned off in {space:?}, yet conversations still wait there"),
        );
    }
    if let Input::Handoff {
        conversation,
        space,
    } = input
        && before.conversation(*conversation).is_none()
    {
        let anyone = before
            .agents
            .values()
            .any(|a| a.status_in(*space) == Some(Status::Available));
        let open = anyone && before.space(*space).is_none_or(|s| s.live_chat());
        let fell_back = effects.iter().any(|e| matches!(e, Effect::Fallback { .. }));
        let queued = after.conversation(*conversation).is_some();
        if open == fell_back || open != queued {
            return broken(
                Rule::Fallback,
                format!("handoff of {conversation:?}: open {open}, fell back {fell_back}"),
            );
        }
    }
    for effect in effects {
        let Effect::Fallback {
            conversation,
            reason,
            ..
        } = effect
        else {
            continue;
        };
        let allowed = match (reason, input) {
            (
                FallbackReason::NoAgentsAvailable,
                Input::Handoff {
                    conversation: c, ..
                },
            ) => c == conversation,
            // Live chat turned off: each conversation queued in that space.
            (
                FallbackReason::NoAgentsAvailable,
                Input::SpaceUpdated {
                    space,
                    live_chat: false,
                },
            ) => before
                .conversation(*conversation)
                .is_some_and(|r| r.space == *space),
            (FallbackReason::AcceptTimeout, Input::AcceptWindowExpired { conversation: c }) => {
                c == conversation
                    && before
                        .conversation(*c)
                        .is_some_and(|r| matches!(r.stage, Stage::Queued { .. }))
            }
            _ => false,
        };
        if !allowed || after.conversation(*conversation).is_some() {
            return broken(
                Rule::Fallback,
                format!("{reason:?} fallback of {conversation:?} on {input:?}"),
            );
        }
    }
    Ok(())
}

fn check_timeout(before: &State, input: &Input, after: &State) -> Result<(), Violation> {
    let Input::OfferExpired { offer } = input else {
        return Ok(());
    };
    let Some(record) = before.conversation(offer.conversation) else {
        return Ok(());
    };
    let Some(outstanding) = record.offer().filter(|o| o.id == *offer) else {
        return Ok(());
    };
    let (Some(was), Some(now)) = (
        before.agent(outstanding.agent),
        after.agent(outstanding.agent),
    ) else {
        return broken(Rule::TimeoutInThatSpaceOnly, "the agent vanished");
    };
    for (space, status) in now.spaces() {
        let expected = if *space == record.space {
            Status::Unavailable
        } else {
            was.status_in(*space).unwrap_or(Status::Unavailable)
        };
        if *status != expected {
            return broken(
                Rule::TimeoutInThatSpaceOnly,
                format!("{space:?} is {status:?} after {offer:?}"),
            );
        }
    }
    Ok(())
}
