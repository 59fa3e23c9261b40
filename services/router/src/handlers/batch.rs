//! Deciding every waiting input of a tenant in one step (see
//! [`super::inputs`]): one snapshot taken, the inputs applied in order, one
//! compare-and-set write, then the effects of them all performed together.
//! Where the router wrote the whole tenant state once per input, it now
//! writes it once per batch, which is what lets a burst through.

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
use super::step;
use crate::domain::Effect;
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
            let inputs: Vec<Ready> = ready.iter().map(|(_, input)| input.clone()).collect();
            let decided = self.decide_all(tenant, &inputs).await;
            for (index, _) in &ready {
                outcomes[*index] = Some(match &decided {
                    Ok(()) => Ok(()),
                    Err(error) => Err(RouteError::Step(error.clone())),
                });
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

    /// One try: `false` when the compare-and-set lost.
    async fn attempt(&self, tenant: TenantId, inputs: &[Ready]) -> Result<bool, RouteError> {
        let (mut snapshot, mut revision) =
            self.store.take(tenant).await.map_err(RouteError::Read)?;
        let mut config = self.catalog.tenant(tenant);
        if config.revision < snapshot.config_revision {
            // Another instance reconciled with a newer configuration than this
            // one's watch has shown yet: never roll the tenant back to older settings.
            if !self
                .catalog
                .wait_seen(snapshot.config_revision, super::inputs::CATALOG_WAIT)
                .await
            {
                self.store.keep(tenant, (snapshot, revision));
                return Err(RouteError::CatalogBehind);
            }
            config = self.catalog.tenant(tenant);
        }
        let mut decided = Vec::with_capacity(inputs.len());
        for input in inputs {
            if let Some(applied) = snapshot.applied(&input.input_id) {
                decided.push(Decided::Replay(applied.effects.clone()));
                continue;
            }
            let declined = declines_the_outstanding_offer(&snapshot.state, &input.parsed);
            let now = clock::now_ms_unsigned();
            let effects = step::apply(&mut snapshot, &config, input.parsed.clone(), now);
            snapshot.record(&input.input_id, effects.clone());
            decided.push(Decided::Fresh { effects, declined });
        }
        if decided.iter().any(|d| matches!(d, Decided::Fresh { .. })) {
            revision = match self.store.save(tenant, &mut snapshot, revision).await {
                Ok(written) => written,
                // The snapshot taken is dropped: the next attempt reads the stored one.
                Err(SaveError::Conflict) => return Ok(false),
                Err(error) => return Err(RouteError::Save(error)),
            };
        } else {
            // Only redeliveries: judge what is still current against the
            // stored state, not a cached copy another instance may have
            // moved past (replays are rare).
            if let Ok(stored) = self.store.read(tenant).await {
                (snapshot, revision) = stored;
            }
        }
        let scopes: Vec<Scope> = inputs
            .iter()
            .zip(&decided)
            .map(|(input, decided)| Scope {
                tenant,
                input_id: &input.input_id,
                snapshot: &snapshot,
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
        self.store.keep(tenant, (snapshot, revision));
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
