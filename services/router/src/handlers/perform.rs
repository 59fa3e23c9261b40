//! Performing effects, after the snapshot that decided them is committed:
//! durable commands and decisions (with deterministic `Nats-Msg-Id`s), core
//! notifications to agents and customers, and timers scheduled or cancelled
//! by id.
//!
//! The same code re-performs a redelivered input's recorded effects, so each
//! effect is checked against the committed state first: durable publishes
//! always go (the stream drops a duplicate id), but an offer, a status or a
//! queue position that a later input has since changed is not shown again,
//! and a timer for an offer no longer outstanding is not re-armed. On a
//! first performance the checks only skip what the same input undid itself
//! (an offer made by a reconciliation and withdrawn by the input).
//!
//! An input's durable operations (commands, decisions, timer puts and
//! deletes) do not depend on each other, so they are sent together and
//! awaited together: one round trip per input instead of one per operation.
//! They go out in effect order on one connection, so the server applies them
//! in that order. The core notifications follow, in order, only once every
//! durable operation is stored (an agent never sees `assigned` before the
//! transcript has the `assign`, nor an offer whose timer is not armed).

mod plan;

use std::collections::HashMap;

use futures::future::{BoxFuture, try_join_all};
use switchboard_bus::timers::Timers;
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::ConversationCommand;

use self::plan::Plan;
use super::Counters;
use crate::catalog::Catalog;
use crate::domain::Effect;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone)]
pub struct Performer {
    pub bus: Bus,
    pub timers: Timers,
    pub catalog: Catalog,
    pub counters: Counters,
}

/// The input whose effects are performed, and the state they were committed with.
pub struct Scope<'a> {
    pub tenant: TenantId,
    pub input_id: &'a str,
    pub snapshot: &'a Snapshot,
    /// A redelivery: the effects were counted the first time.
    pub replay: bool,
}

impl Performer {
    /// Performs `effects`; an error leaves the rest to the redelivery.
    pub async fn perform(&self, scope: &Scope<'_>, effects: &[Effect]) -> Result<(), BusError> {
        self.perform_all(&[(scope, effects)]).await
    }

    /// Performs the effects of several inputs of one tenant, decided in one
    /// step and committed together: every durable operation of them all at
    /// once, then every notification in input order. An error leaves the
    /// rest to the redeliveries.
    pub async fn perform_all(&self, inputs: &[(&Scope<'_>, &[Effect])]) -> Result<(), BusError> {
        let mut plan = Plan {
            durable: Vec::new(),
            notices: Vec::new(),
            counts: Vec::new(),
            positions: HashMap::new(),
        };
        for (scope, effects) in inputs {
            let counted = plan.counts.len();
            for index in 0..effects.len() {
                self.plan(scope, effects, index, &mut plan);
            }
            if scope.replay {
                // A redelivery: its effects were counted the first time.
                plan.counts.truncate(counted);
            }
        }
        for (space, (scope, listed)) in std::mem::take(&mut plan.positions) {
            let state = &scope.snapshot.state;
            plan.notices
                .push(Box::pin(self.positions(scope.tenant, state, space, listed)));
        }
        try_join_all(plan.durable).await?;
        for notice in plan.notices {
            notice.await?;
        }
        for counter in &plan.counts {
            counter.inc();
        }
        Ok(())
    }

    fn cancel(&self, id: String) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(async move { self.timers.cancel(&id).await })
    }

    fn command<'a>(
        &'a self,
        t: TenantId,
        conversation: ConversationId,
        command: ConversationCommand,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            self.bus
                .publish_durable(
                    subjects::command(t, conversation),
                    &command.command_id,
                    &command,
                )
                .await
                .map(|_| ())
        })
    }
}
