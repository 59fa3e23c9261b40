//! Deciding every waiting input of a tenant in one step (see
//! [`super::inputs`]): the tenant's held state taken, the inputs applied in
//! order, the step appended to the tenant's log (one small message, fenced
//! by the log position it was decided at), then the effects of them all
//! performed together. The router once wrote the tenant's whole state per
//! input, then per step; now a step costs what its inputs weigh.

use std::sync::Arc;

use switchboard_bus::consume::Delivery;
use switchboard_bus::service::BatchConsumer;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_runtime::clock;

use super::inputs::{
    CAS_ATTEMPTS, InputHandler, Ready, RouteError, declines_the_outstanding_offer,
};
use super::perform::Scope;
use super::step::Logged;
use crate::domain::Effect;
use crate::log::Entry;
use crate::store::SaveError;

/// What deciding one input gave.
enum Decided {
    /// Applied now, with its effects; `declined` when it declined the offer
    /// its agent held.
    Fresh {
        effects: Vec<Effect>,
        declined: bool,
    },
    /// Applied before (a redelivery): its recorded effects, performed again.
    Replay(Vec<Effect>),
}

type Outcome = Result<(), RouteError>;

/// The most inputs one step decides: its log entry carries each handoff's
/// customer and summary, and must fit in one message.
const STEP_MAX: usize = 64;

impl BatchConsumer for InputHandler {
    type Error = RouteError;

    async fn consume_batch(&self, deliveries: Vec<Delivery>) -> Vec<Outcome> {
        let mut outcomes: Vec<Option<Outcome>> = deliveries.iter().map(|_| None).collect();
        // A lane may hold several tenants' subjects: each is one step.
        let mut subjects: Vec<(&str, Vec<usize>)> = Vec::new();
        for (index, delivery) in deliveries.iter().enumerate() {
            match subjects.iter_mut().find(|(s, _)| *s == delivery.subject) {
                Some((_, indexes)) => indexes.push(index),
                None => subjects.push((&delivery.subject, vec![index])),
            }
        }
        for (subject, indexes) in subjects {
            let Some(tenant) = subjects::tenant_of(subject) else {
                for index in indexes {
                    outcomes[index] = Some(Err(RouteError::NoTenant));
                }
                continue;
            };
            let mut ready = Vec::new();
            for index in indexes {
                match self.prepare(tenant, &deliveries[index]).await {
                    Ok(Some(input)) => ready.push((index, input)),
                    Ok(None) => outcomes[index] = Some(Ok(())),
                    Err(error) => outcomes[index] = Some(Err(error)),
                }
            }
            if ready.is_empty() {
                continue;
            }
            for step in ready.chunks(STEP_MAX) {
                let inputs: Vec<Ready> = step.iter().map(|(_, input)| input.clone()).collect();
                let decided = self.decide_all(tenant, &inputs).await;
                for (index, _) in step {
                    outcomes[*index] = Some(match &decided {
                        Ok(()) => Ok(()),
                        Err(error) => Err(RouteError::Step(error.clone())),
                    });
                }
            }
        }
        outcomes
            .into_iter()
            .map(|outcome| {
                let outcome = outcome.unwrap_or(Ok(()));
                self.count(&outcome);
                outcome
            })
            .collect()
    }
}

impl InputHandler {
    /// Decides `inputs` (of `tenant`, in order) in one step, retried on a
    /// lost compare-and-set.
    async fn decide_all(&self, tenant: TenantId, inputs: &[Ready]) -> Result<(), Arc<RouteError>> {
        for _ in 0..CAS_ATTEMPTS {
            match self.attempt(tenant, inputs).await {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    self.counters.cas_conflicts.inc();
                }
                Err(error) => return Err(Arc::new(error)),
            }
        }
        Err(Arc::new(RouteError::Contended))
    }

    /// One try: `false` when another instance appended first.
    async fn attempt(&self, tenant: TenantId, inputs: &[Ready]) -> Result<bool, RouteError> {
        let mut held = self.store.take(tenant).await.map_err(RouteError::Read)?;
        let mut config = self.catalog.tenant(tenant);
        if config.revision < held.snapshot.config_revision {
            // Another instance reconciled with a newer configuration than this
            // one's watch has shown yet: never roll the tenant back to older settings.
            if !self
                .catalog
                .wait_seen(held.snapshot.config_revision, super::inputs::CATALOG_WAIT)
                .await
            {
                self.store.keep(tenant, held);
                return Err(RouteError::CatalogBehind);
            }
            config = self.catalog.tenant(tenant);
        }
        let mut entry = Entry::new(
            held.position,
            self.store.performed_since(tenant),
            config.allows_live_chat(),
        );
        // The state is changed from here on: on any failure it is dropped,
        // and the next attempt reads the log.
        let snapshot = &mut held.snapshot;
        let mut decided = Vec::with_capacity(inputs.len());
        for input in inputs {
            if let Some(applied) = snapshot.applied(&input.input_id) {
                decided.push(Decided::Replay(applied.effects.clone()));
                continue;
            }
            let declined = declines_the_outstanding_offer(&snapshot.state, &input.parsed);
            let logged = Logged {
                id: input.input_id.clone(),
                now: clock::now_ms_unsigned(),
                input: input.parsed.clone(),
            };
            let effects = entry.decide(snapshot, &config, logged);
            decided.push(Decided::Fresh { effects, declined });
        }
        if !entry.inputs.is_empty() {
            entry.end(&mut held.snapshot);
            match self.store.append(tenant, &mut held, &entry).await {
                Ok(()) => {}
                Err(SaveError::Conflict) => return Ok(false),
                Err(error) => return Err(RouteError::Save(error)),
            }
        } else {
            // Only redeliveries: judge what is still current against the
            // latest state, not a held copy another instance may have
            // moved past (replays are rare).
            if let Ok((snapshot, position)) = self.store.read(tenant).await {
                held.snapshot = snapshot;
                held.position = position;
            }
        }
        let snapshot = &held.snapshot;
        let scopes: Vec<Scope> = inputs
            .iter()
            .zip(&decided)
            .map(|(input, decided)| Scope {
                tenant,
                input_id: &input.input_id,
                snapshot,
                replay: matches!(decided, Decided::Replay(_)),
            })
            .collect();
        let performing: Vec<(&Scope, &[Effect])> = scopes
            .iter()
            .zip(&decided)
            .map(|(scope, decided)| match decided {
                Decided::Fresh { effects, .. } | Decided::Replay(effects) => {
                    (scope, effects.as_slice())
                }
            })
            .collect();
        self.counters.queues.update(tenant, &snapshot.state);
        // Committed: should performing fail, the redeliveries find the
        // inputs applied and perform again.
        let performed = self.performer.perform_all(&performing).await;
        drop(performing);
        drop(scopes);
        if performed.is_ok() {
            for (input, decided) in inputs.iter().zip(&decided) {
                match decided {
                    Decided::Fresh { declined: true, .. } => {
                        self.counters.offers.with(["declined"]).inc();
                    }
                    Decided::Replay(_) => {
                        self.counters.inputs_replayed.inc();
                    }
                    Decided::Fresh { .. } => {}
                }
                // A redelivery now only needs to know it was applied.
                self.store.performed(tenant, &input.input_id);
            }
        }
        self.store.keep(tenant, held);
        performed.map(|()| true).map_err(RouteError::Perform)
    }

    fn count(&self, outcome: &Outcome) {
        match outcome {
            Ok(()) => {
                self.counters.inputs.inc();
            }
            Err(error) if error.disposition() == Disposition::Retry => {
                self.counters.inputs_retried.inc();
                tracing::warn!(%error, "routing input failed; retrying");
            }
            Err(_) => {
                self.counters.inputs_parked.inc();
            }
        }
    }
}
