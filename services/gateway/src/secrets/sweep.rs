//! At start: every tenant record an earlier release wrote with its identity
//! secret in clear is written again with the secret sealed, so upgrading is
//! enough to take the secrets out of the bucket; and every sealed secret
//! that this gateway's keys cannot open is reported (a key left out of
//! `SWITCHBOARD_SECRET_KEY_PREVIOUS`), naming the tenant and the key id.
//!
//! Several gateways starting at once is fine: each write is a
//! compare-and-set that re-reads the record, and a record already sealed is
//! left alone.

use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::v1::Tenant;

use super::identity::{self, IdentitySecrets};
use super::key::Keyring;

/// What the sweep found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Records whose clear secret it sealed.
    pub sealed: usize,
    /// Tenants whose secret does not open with this gateway's keys.
    pub unreadable: Vec<String>,
}

/// Seals the clear identity secrets of the tenants in `cache` and checks
/// the sealed ones open. Failures are logged, never fatal: a tenant whose
/// record cannot be written now is sealed by its next edit.
pub async fn seal_clear_secrets(cache: &ConfigCache, keys: &Keyring) -> Swept {
    let mut swept = Swept::default();
    let prefix = keys::ConfigKind::Tenant.prefix();
    for (key, tenant) in cache.entries::<Tenant>(&prefix) {
        if tenant.identity_secret_sealed.is_none() && !tenant.identity_secret.is_empty() {
            let written = cache
                .update(
                    &key,
                    |mut tenant: Tenant| -> Result<Tenant, std::convert::Infallible> {
                        identity::prepare_write(
                            &mut tenant,
                            keys,
                            switchboard_runtime::clock::now_ms(),
                        );
                        Ok(tenant)
                    },
                )
                .await;
            match written {
                Ok(_) => swept.sealed += 1,
                Err(error) => {
                    tracing::warn!(tenant = %tenant.id, %error, "could not seal the identity secret yet");
                }
            }
        } else if let Err(error) = IdentitySecrets::of(&tenant, keys) {
            tracing::error!(
                tenant = %tenant.id,
                %error,
                "this gateway cannot read the tenant's identity secret; its customers cannot sign in here"
            );
            swept.unreadable.push(tenant.id.clone());
        }
    }
    if swept.sealed > 0 {
        tracing::info!(count = swept.sealed, "identity secrets sealed");
    }
    swept
}
