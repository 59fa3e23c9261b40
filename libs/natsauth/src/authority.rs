//! Issuing an AI platform's bus credentials (CONTRACT.md §4): a NATS account
//! of its own that imports only its tenant's three contract subjects from
//! the services' account, with JetStream of its own, and a user in it.
//!
//! The gateway holds an [`Authority`]: the operator's signing key (to sign
//! platform accounts), the services' account signing key (to sign the
//! import activations) and the system user (to push account JWTs to the
//! servers' resolver). It never holds the root keys.

use std::time::Duration;

use nkeys::KeyPair;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys::pair;
use crate::{AuthError, claims, creds, grants, jwt};

/// JetStream storage of a platform account (its own request stream).
pub const PLATFORM_STORAGE: i64 = 1 << 30;

/// The keys and user the gateway issues platform credentials with.
#[derive(Clone, Serialize, Deserialize)]
pub struct Authority {
    pub operator_signing: String,
    pub services_account: String,
    pub services_signing: String,
    pub system_creds: String,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("services_account", &self.services_account)
            .finish_non_exhaustive()
    }
}

/// A platform's new account and the credentials of its user.
#[derive(Debug, Clone)]
pub struct PlatformCredentials {
    /// The account's public key (what revoking it later names).
    pub account: String,
    pub account_jwt: String,
    /// The text of a `.creds` file.
    pub creds: String,
}

impl Authority {
    /// Reads an authority file written by [`crate::Deployment::write`].
    pub fn load(path: &std::path::Path) -> Result<Self, AuthError> {
        let bytes =
            std::fs::read(path).map_err(|e| AuthError::Io(path.display().to_string(), e))?;
        serde_json::from_slice(&bytes).map_err(AuthError::Json)
    }

    fn imports(&self, tenant: &str, account: &str, now: u64) -> Result<Vec<Value>, AuthError> {
        let signing = pair(&self.services_signing)?;
        claims::platform_imports(tenant)
            .iter()
            .map(|(subject, kind)| {
                let token = jwt::encode(
                    &signing,
                    account,
                    subject,
                    "activation",
                    now,
                    claims::activation(subject, kind, &self.services_account),
                )?;
                Ok(claims::import(
                    subject,
                    kind,
                    &self.services_account,
                    &token,
                ))
            })
            .collect()
    }

    fn account_jwt(
        &self,
        tenant: &str,
        account: &str,
        now: u64,
        revoked_before: Option<u64>,
    ) -> Result<String, AuthError> {
        let imports = self.imports(tenant, account, now)?;
        jwt::encode(
            &pair(&self.operator_signing)?,
            account,
            &format!("ai-platform-{tenant}"),
            "account",
            now,
            claims::platform_account(imports, PLATFORM_STORAGE, revoked_before),
        )
    }

    /// A new account for `tenant`'s AI platform and its user's credentials.
    /// Nothing reaches the servers until [`Authority::push`].
    pub fn issue_platform(&self, tenant: &str, now: u64) -> Result<PlatformCredentials, AuthError> {
        let account = KeyPair::new_account();
        let user = KeyPair::new_user();
        let account_jwt = self.account_jwt(tenant, &account.public_key(), now, None)?;
        let user_jwt = jwt::encode(
            &account,
            &user.public_key(),
            &format!("ai-platform-{tenant}"),
            "user",
            now,
            claims::user(grants::ai_platform(tenant).claims(), None),
        )?;
        Ok(PlatformCredentials {
            account: account.public_key(),
            account_jwt,
            creds: creds::file(&user_jwt, &user.seed().map_err(AuthError::Key)?),
        })
    }

    /// The account JWT of an earlier platform account with every user
    /// revoked (the servers disconnect them when it is pushed).
    pub fn revoke_platform(
        &self,
        tenant: &str,
        account: &str,
        now: u64,
    ) -> Result<String, AuthError> {
        // Revocation covers users issued at or before the instant named:
        // one second on, so a user issued this very second goes too.
        self.account_jwt(tenant, account, now, Some(now + 1))
    }

    /// Sends an account JWT to the servers' resolver over `nats_url` as the
    /// system user, and waits for a server to take it.
    pub async fn push(&self, nats_url: &str, account_jwt: &str) -> Result<(), AuthError> {
        let unavailable = |e: &dyn std::fmt::Display| AuthError::Push(e.to_string());
        let servers: Vec<async_nats::ServerAddr> = nats_url
            .split(',')
            .map(|s| s.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|e| unavailable(&e))?;
        let client = async_nats::ConnectOptions::with_credentials(&self.system_creds)
            .map_err(|e| unavailable(&e))?
            .name("account-push")
            .connection_timeout(Duration::from_secs(5))
            .connect(servers)
            .await
            .map_err(|e| unavailable(&e))?;
        let reply =
            tokio_timeout(client.request("$SYS.REQ.CLAIMS.UPDATE", account_jwt.to_owned().into()))
                .await
                .map_err(|e| unavailable(&e))?;
        let answer: Value = serde_json::from_slice(&reply.payload).map_err(AuthError::Json)?;
        if let Some(error) = answer.get("error") {
            return Err(AuthError::Push(format!(
                "the server refused the account: {error}"
            )));
        }
        Ok(())
    }
}

async fn tokio_timeout<F, T, E>(request: F) -> Result<T, String>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    match tokio::time::timeout(Duration::from_secs(5), request).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no server answered the account update within 5 s".to_owned()),
    }
}
