//! The configuration watch: one watch of the whole `SB_CONFIG` bucket feeds
//! the [`Catalog`], and every change to a tenant's routing records (its
//! tenant record, agents, spaces) is published as
//! `RoutingInput{config_changed}` on the tenant's routing subject, so a
//! raised limit or a new member takes effect at once rather than at the
//! tenant's next input. Every router instance publishes it; the input id
//! `cfg:{tenant}:{revision}` makes the stream keep one.
//!
//! When the current contents are loaded, one `config_changed` per tenant is
//! published too: changes made while no router ran then apply at start.

use std::time::Duration;

use async_nats::jetstream::kv::{Operation, Store};
use futures::StreamExt;
use switchboard_bus::Bus;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{RouteConfigChanged, RoutingInput};
use switchboard_runtime::clock;
use tokio_util::sync::CancellationToken;

use super::{Catalog, Record, is_followed};

/// How long one `config_changed` publish may take before it is given up
/// (the tenant's next input reconciles anyway).
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// The input id of a configuration change: the same on every instance.
pub fn input_id(tenant: TenantId, revision: u64) -> String {
    format!("cfg:{tenant}:{revision}")
}

/// The configuration revision a configuration change brings, if the input is
/// one and says.
pub fn revision_of(input: &RoutingInput) -> Option<u64> {
    match &input.input {
        Some(Input::ConfigChanged(change)) if change.revision > 0 => Some(change.revision),
        _ => None,
    }
}

/// Watches the bucket until `shutdown`, resuming after errors from the last
/// revision seen.
pub async fn run(catalog: Catalog, store: Store, bus: Bus, shutdown: CancellationToken) {
    let mut last_revision = 0u64;
    while !shutdown.is_cancelled() {
        if !catalog.is_ready() && store.status().await.is_ok_and(|s| s.values() == 0) {
            loaded(&catalog, &bus).await;
        }
        let watch = if last_revision == 0 {
            store.watch_with_history(">").await
        } else {
            store.watch_all_from_revision(last_revision + 1).await
        };
        let mut watch = match watch {
            Ok(watch) => watch,
            Err(error) => {
                tracing::warn!(%error, "config watch failed; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        loop {
            let entry = tokio::select! {
                () = shutdown.cancelled() => return,
                entry = watch.next() => entry,
            };
            let entry = match entry {
                Some(Ok(entry)) => entry,
                Some(Err(error)) => {
                    tracing::warn!(%error, "config watch error; resubscribing");
                    break;
                }
                None => break,
            };
            last_revision = last_revision.max(entry.revision);
            let changed = apply(
                &catalog,
                &entry.key,
                entry.revision,
                entry.operation,
                &entry.value,
            );
            if catalog.is_ready()
                && let Some(tenant) = changed
            {
                publish(&bus, tenant, entry.revision).await;
            }
            if !catalog.is_ready() && (entry.seen_current || entry.delta == 0) {
                loaded(&catalog, &bus).await;
            }
        }
    }
}

fn apply(
    catalog: &Catalog,
    key: &str,
    revision: u64,
    operation: Operation,
    value: &[u8],
) -> Option<TenantId> {
    if !is_followed(key) {
        catalog.advance(revision);
        return None;
    }
    let record = match operation {
        Operation::Delete | Operation::Purge => None,
        Operation::Put => match Record::decode(key, value) {
            Some(Ok(record)) => Some(record),
            Some(Err(error)) => {
                // Never log the value: tenant records hold secrets.
                tracing::warn!(%key, %error, "configuration record does not decode; skipped");
                catalog.advance(revision);
                return None;
            }
            None => None,
        },
    };
    catalog.apply(key, revision, record)
}

/// Inputs published at once when the start-up contents are in: tenants'
/// inputs are independent, so their acks are awaited together rather than
/// one round trip per tenant.
const STARTUP_PIPELINE: usize = 64;

/// The start-up contents are in: ready, and reconcile every tenant once.
async fn loaded(catalog: &Catalog, bus: &Bus) {
    catalog.mark_ready();
    let staffed: Vec<(TenantId, u64)> = catalog
        .tenants()
        .into_iter()
        .filter(|(tenant, _)| !catalog.tenant(*tenant).agents.is_empty())
        .collect();
    futures::stream::iter(staffed)
        .for_each_concurrent(STARTUP_PIPELINE, |(tenant, revision)| {
            publish(bus, tenant, revision)
        })
        .await;
}

/// The input that tells the router a tenant's configuration moved on to
/// `revision`.
pub fn config_changed(tenant: TenantId, revision: u64) -> RoutingInput {
    RoutingInput {
        tenant: tenant.to_string(),
        input_id: input_id(tenant, revision),
        at_ms: clock::now_ms(),
        input: Some(Input::ConfigChanged(RouteConfigChanged { revision })),
    }
}

async fn publish(bus: &Bus, tenant: TenantId, revision: u64) {
    let input = config_changed(tenant, revision);
    let id = input.input_id.clone();
    let published = tokio::time::timeout(
        PUBLISH_TIMEOUT,
        bus.publish_durable(subjects::route(tenant), &id, &input),
    )
    .await;
    match published {
        Ok(Ok(_)) => tracing::debug!(%tenant, revision, "configuration change published"),
        Ok(Err(error)) => {
            tracing::warn!(%tenant, %error, "could not publish a configuration change; the next input applies it");
        }
        Err(_) => {
            tracing::warn!(%tenant, "publishing a configuration change timed out; the next input applies it");
        }
    }
}
