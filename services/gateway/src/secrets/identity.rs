//! A tenant's identity secrets, as the customer socket uses them and the
//! API writes them (SPEC §11).
//!
//! The record holds the current secret sealed (or, when an earlier release
//! wrote it, in clear) and, after a rotation with an overlap, the secret it
//! replaced with the moment it stops being accepted. A token signed with
//! either verifies until then; after, only the current one does. Every
//! write of a tenant record goes through [`prepare_write`], which seals a
//! clear secret and drops an overlap that has passed.

use std::time::Duration;

use switchboard_contracts::v1::{Customer, Tenant};

use super::key::Keyring;
use super::seal::OpenError;
use crate::auth::{self, ResumeClaims, ResumeSubject, TokenError};

/// The associated data of a tenant's identity secrets: a sealed value
/// opens only in the record it was sealed for.
fn context(tenant: &str) -> String {
    format!("switchboard.v1.Tenant/{tenant}/identity_secret")
}

/// The secrets that verify a tenant's customer tokens right now, opened.
/// Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentitySecrets {
    current: String,
    /// The replaced secret and the epoch millisecond it is accepted until.
    previous: Option<(String, i64)>,
}

impl std::fmt::Debug for IdentitySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySecrets")
            .field("previous_until_ms", &self.previous_until_ms())
            .finish_non_exhaustive()
    }
}

impl IdentitySecrets {
    /// One secret and no overlap.
    pub fn single(secret: impl Into<String>) -> Self {
        Self {
            current: secret.into(),
            previous: None,
        }
    }

    /// The secrets a tenant record holds, opened with `keys`.
    pub fn of(tenant: &Tenant, keys: &Keyring) -> Result<Self, OpenError> {
        let context = context(&tenant.id);
        let current = match &tenant.identity_secret_sealed {
            Some(sealed) => keys.open(sealed, &context)?,
            None if !tenant.identity_secret.is_empty() => tenant.identity_secret.clone(),
            // An empty key would verify tokens anyone can sign.
            None => return Err(OpenError::Missing),
        };
        let previous = match &tenant.previous_identity_secret_sealed {
            Some(sealed) => Some((
                keys.open(sealed, &context)?,
                tenant.previous_identity_secret_until_ms,
            )),
            None => None,
        };
        Ok(Self { current, previous })
    }

    /// The secret new resume tokens are signed with.
    pub fn current(&self) -> &str {
        &self.current
    }

    /// When the replaced secret stops being accepted, if there is one.
    pub fn previous_until_ms(&self) -> Option<i64> {
        self.previous.as_ref().map(|(_, until)| *until)
    }

    /// The replaced secret, while it is still accepted at `now_ms`.
    fn previous_at(&self, now_ms: i64) -> Option<&str> {
        self.previous
            .as_ref()
            .filter(|(_, until)| now_ms < *until)
            .map(|(secret, _)| secret.as_str())
    }

    /// Verifies a customer identity JWT with the current secret or, during
    /// an overlap, the replaced one. The answer for a token neither signed
    /// is the current secret's.
    pub fn verify_identity(&self, token: &str, now_ms: i64) -> Result<Customer, TokenError> {
        self.verify(now_ms, |secret| auth::verify_identity(secret, token))
    }

    /// The same for a resume token: a customer's reload during the overlap
    /// still reattaches (and gets a token of the new secret).
    pub fn verify_resume(&self, token: &str, now_ms: i64) -> Result<ResumeClaims, TokenError> {
        self.verify(now_ms, |secret| auth::verify_resume(secret, token))
    }

    pub fn sign_resume(&self, subject: ResumeSubject<'_>) -> String {
        auth::sign_resume(&self.current, subject)
    }

    fn verify<T>(
        &self,
        now_ms: i64,
        check: impl Fn(&str) -> Result<T, TokenError>,
    ) -> Result<T, TokenError> {
        match check(&self.current) {
            Err(TokenError::Invalid(why)) => match self.previous_at(now_ms) {
                // An expired token of the old secret says it expired.
                Some(previous) => check(previous).map_err(|error| match error {
                    TokenError::Expired => TokenError::Expired,
                    TokenError::Invalid(_) => TokenError::Invalid(why),
                }),
                None => Err(TokenError::Invalid(why)),
            },
            verified => verified,
        }
    }
}

/// Stores `secret` as the tenant's current identity secret, sealed; the
/// clear field of an earlier release is emptied.
pub fn store(tenant: &mut Tenant, keys: &Keyring, secret: &str) {
    tenant.identity_secret_sealed = Some(keys.seal(secret, &context(&tenant.id)));
    tenant.identity_secret.clear();
}

/// What every write of a tenant record does first: a secret an earlier
/// release left in clear is sealed, and an overlap that ended is dropped.
pub fn prepare_write(tenant: &mut Tenant, keys: &Keyring, now_ms: i64) {
    if tenant.identity_secret_sealed.is_none() && !tenant.identity_secret.is_empty() {
        let clear = std::mem::take(&mut tenant.identity_secret);
        store(tenant, keys, &clear);
    }
    if tenant.previous_identity_secret_sealed.is_some()
        && tenant.previous_identity_secret_until_ms <= now_ms
    {
        tenant.previous_identity_secret_sealed = None;
        tenant.previous_identity_secret_until_ms = 0;
    }
}

/// Replaces the tenant's identity secret with `new_secret`. With a
/// non-zero `overlap` the secret it replaces stays accepted until
/// `now_ms + overlap`, which is returned; an earlier overlap still running
/// ends now (one replaced secret is kept, never two).
pub fn rotate(
    tenant: &mut Tenant,
    keys: &Keyring,
    new_secret: &str,
    now_ms: i64,
    overlap: Duration,
) -> Result<Option<i64>, OpenError> {
    let overlap_ms = i64::try_from(overlap.as_millis()).unwrap_or(i64::MAX);
    let until = (!overlap.is_zero()).then(|| now_ms.saturating_add(overlap_ms));
    match until {
        Some(until) => {
            // Without an overlap the old secret is never opened: a rotation
            // is how a tenant whose secret no longer opens (a lost key) gets
            // a working one again.
            let replaced = IdentitySecrets::of(tenant, keys)?.current;
            tenant.previous_identity_secret_sealed =
                Some(keys.seal(&replaced, &context(&tenant.id)));
            tenant.previous_identity_secret_until_ms = until;
        }
        None => {
            tenant.previous_identity_secret_sealed = None;
            tenant.previous_identity_secret_until_ms = 0;
        }
    }
    // The clear field of an earlier release goes too (store empties it).
    store(tenant, keys, new_secret);
    Ok(until)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::IdentityClaims;

    const NOW: i64 = 1_800_000_000_000;

    fn tenant() -> Tenant {
        Tenant {
            id: "t-1".into(),
            identity_secret: "old-secret".into(),
            ..Tenant::default()
        }
    }

    fn token(secret: &str) -> String {
        let exp = jsonwebtoken::get_current_timestamp() + 60;
        let claims = IdentityClaims {
            sub: "c-1".into(),
            name: None,
            email: None,
            exp,
        };
        auth::sign_identity(secret, &claims)
    }

    #[test]
    fn a_clear_record_of_an_earlier_release_reads_and_is_sealed_on_the_next_write() {
        let keys = Keyring::generate();
        let mut record = tenant();
        assert_eq!(
            IdentitySecrets::of(&record, &keys).unwrap().current(),
            "old-secret"
        );
        prepare_write(&mut record, &keys, NOW);
        assert!(record.identity_secret.is_empty());
        assert!(record.identity_secret_sealed.is_some());
        assert_eq!(
            IdentitySecrets::of(&record, &keys).unwrap().current(),
            "old-secret"
        );
    }

    #[test]
    fn a_record_without_any_secret_verifies_nothing() {
        let record = Tenant {
            identity_secret: String::new(),
            ..tenant()
        };
        assert_eq!(
            IdentitySecrets::of(&record, &Keyring::generate()),
            Err(OpenError::Missing)
        );
    }

    #[test]
    fn during_the_overlap_both_secrets_verify_and_after_it_only_the_new_one() {
        let keys = Keyring::generate();
        let mut record = tenant();
        let until = rotate(
            &mut record,
            &keys,
            "new-secret",
            NOW,
            Duration::from_secs(60),
        )
        .unwrap()
        .unwrap();
        assert_eq!(until, NOW + 60_000);
        let secrets = IdentitySecrets::of(&record, &keys).unwrap();
        assert_eq!(secrets.current(), "new-secret");
        for secret in ["old-secret", "new-secret"] {
            assert!(
                secrets.verify_identity(&token(secret), NOW).is_ok(),
                "{secret}"
            );
            assert!(
                secrets.verify_identity(&token(secret), until - 1).is_ok(),
                "{secret}"
            );
        }
        assert!(matches!(
            secrets.verify_identity(&token("old-secret"), until),
            Err(TokenError::Invalid(_))
        ));
        assert!(secrets.verify_identity(&token("new-secret"), until).is_ok());
        assert!(matches!(
            secrets.verify_identity(&token("a-stranger"), NOW),
            Err(TokenError::Invalid(_))
        ));
        // The next write after the overlap drops the replaced secret.
        prepare_write(&mut record, &keys, until);
        assert_eq!(record.previous_identity_secret_sealed, None);
    }

    #[test]
    fn a_rotation_without_overlap_retires_the_old_secret_at_once() {
        let keys = Keyring::generate();
        let mut record = tenant();
        assert_eq!(
            rotate(&mut record, &keys, "new-secret", NOW, Duration::ZERO),
            Ok(None)
        );
        let secrets = IdentitySecrets::of(&record, &keys).unwrap();
        assert!(secrets.verify_identity(&token("old-secret"), NOW).is_err());
        assert!(secrets.verify_identity(&token("new-secret"), NOW).is_ok());
    }

    #[test]
    fn resume_tokens_of_the_replaced_secret_still_reattach_during_the_overlap() {
        let keys = Keyring::generate();
        let mut record = tenant();
        let subject = ResumeSubject {
            tenant: "t-1",
            experience: "x",
            conversation: "c",
            customer: "anon:1",
        };
        let before = IdentitySecrets::of(&record, &keys)
            .unwrap()
            .sign_resume(subject);
        let until = rotate(
            &mut record,
            &keys,
            "new-secret",
            NOW,
            Duration::from_secs(1),
        )
        .unwrap()
        .unwrap();
        let secrets = IdentitySecrets::of(&record, &keys).unwrap();
        assert!(secrets.verify_resume(&before, NOW).is_ok());
        assert!(secrets.verify_resume(&before, until).is_err());
    }

    #[test]
    fn a_sealed_secret_copied_into_another_tenant_does_not_open() {
        let keys = Keyring::generate();
        let mut record = tenant();
        prepare_write(&mut record, &keys, NOW);
        let other = Tenant {
            id: "t-2".into(),
            ..record.clone()
        };
        assert!(matches!(
            IdentitySecrets::of(&other, &keys),
            Err(OpenError::Refused(_))
        ));
        assert!(!format!("{:?}", IdentitySecrets::of(&record, &keys).unwrap()).contains("old"));
    }
}
