//! Who is calling: bearer tokens (operator, tenant admin, agent), customer
//! identity JWTs signed by the tenant's own site, and resume tokens that let
//! a customer reattach to their open conversation from a new socket.
//!
//! Bearer tokens are stored only as SHA-256 hashes (`token.{hash}` in the
//! configuration bucket). Resume tokens are HS256 JWTs keyed by a key derived
//! from the tenant's identity secret, with their own audience, so a resume
//! token never passes as an identity token or the other way round.

use axum::http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use switchboard_bus::config::keys;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::{Customer, TokenGrant};

use crate::error::ApiError;
use crate::state::AppState;

pub const ROLE_ADMIN: &str = "admin";
pub const ROLE_AGENT: &str = "agent";

/// Hex SHA-256 of a bearer token: the only form in which tokens are stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random secret: `prefix` + 64 hex characters (256 bits).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Checks the operator token (constant-time comparison of hashes).
pub fn require_operator(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = bearer(headers).ok_or_else(missing_token)?;
    let expected = state
        .settings
        .operator_token
        .as_deref()
        .ok_or_else(|| ApiError::Forbidden("the operator API is disabled".into()))?;
    let given = Sha256::digest(token.as_bytes());
    let wanted = Sha256::digest(expected.as_bytes());
    let same = given
        .iter()
        .zip(wanted.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::Unauthorized(
            "the bearer token is not valid".into(),
        ))
    }
}

/// Resolves a tenant-scoped bearer token and checks it belongs to `tenant`
/// and has one of `roles`.
pub async fn require_tenant_role(
    state: &AppState,
    headers: &HeaderMap,
    tenant: TenantId,
    roles: &[&str],
) -> Result<TokenGrant, ApiError> {
    let token = bearer(headers).ok_or_else(missing_token)?;
    let grant: TokenGrant = state
        .config_cache
        .get_or_fetch(&keys::token(&hash_token(token)))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the bearer token is not valid".into()))?;
    if grant.tenant != tenant.to_string() {
        return Err(ApiError::Forbidden(
            "this token does not belong to this tenant".into(),
        ));
    }
    if !roles.contains(&grant.role.as_str()) {
        return Err(ApiError::Forbidden(format!(
            "this needs a token of role {}",
            roles.join(" or ")
        )));
    }
    Ok(grant)
}

fn missing_token() -> ApiError {
    ApiError::Unauthorized("missing `Authorization: Bearer <token>` header".into())
}

/// Claims of a customer identity JWT signed by the tenant's site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityClaims {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub exp: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

impl From<jsonwebtoken::errors::Error> for TokenError {
    fn from(error: jsonwebtoken::errors::Error) -> Self {
        match error.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            kind => TokenError::Invalid(format!("{kind:?}").to_lowercase()),
        }
    }
}

/// Verifies a customer JWT (HS256, `sub`, `exp` required).
pub fn verify_identity(identity_secret: &str, token: &str) -> Result<Customer, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<IdentityClaims>(
        token,
        &DecodingKey::from_secret(identity_secret.as_bytes()),
        &validation,
    )?;
    let claims = data.claims;
    if claims.sub.trim().is_empty() || claims.sub.len() > 256 {
        return Err(TokenError::Invalid("sub must be 1-256 characters".into()));
    }
    // Identities travel on: into message ids and NATS headers (which cannot
    // hold a line break), logs, transcripts and consoles. Refused whole
    // rather than cleaned, so the tenant's site learns of the bad claim.
    for (claim, value) in [
        ("sub", Some(&claims.sub)),
        ("name", claims.name.as_ref()),
        ("email", claims.email.as_ref()),
    ] {
        if value.is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(TokenError::Invalid(format!(
                "{claim} must not contain control characters"
            )));
        }
    }
    let name = claims
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Customer".to_owned());
    Ok(Customer {
        key: format!("user:{}", claims.sub),
        name: name.chars().take(200).collect(),
        email: claims.email.unwrap_or_default().chars().take(320).collect(),
        signed_in: true,
    })
}

/// Signs an identity JWT: what a tenant's own backend does (used by the demo
/// and by tests).
pub fn sign_identity(identity_secret: &str, claims: &IdentityClaims) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(identity_secret.as_bytes()),
    )
    .expect("HS256 signing cannot fail")
}

const RESUME_AUDIENCE: &str = "switchboard-resume";

/// What a resume token proves: this socket may reattach to `conversation`,
/// on a widget of `experience`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeClaims {
    pub aud: String,
    pub tenant: String,
    /// The experience the conversation belongs to. Empty in tokens issued
    /// before tokens named it; the conversation's own record decides then.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub experience: String,
    pub conversation: String,
    /// The customer key the conversation belongs to.
    pub customer: String,
    pub exp: u64,
}

fn resume_key(identity_secret: &str) -> Vec<u8> {
    Sha256::digest(format!("resume:{identity_secret}").as_bytes()).to_vec()
}

/// The conversation a resume token reattaches to, and whose it is.
#[derive(Debug, Clone, Copy)]
pub struct ResumeSubject<'a> {
    pub tenant: &'a str,
    pub experience: &'a str,
    pub conversation: &'a str,
    /// The customer key the conversation belongs to.
    pub customer: &'a str,
}

/// Resume tokens live 30 days.
pub fn sign_resume(identity_secret: &str, subject: ResumeSubject<'_>) -> String {
    let ResumeSubject {
        tenant,
        experience,
        conversation,
        customer,
    } = subject;
    let exp = jsonwebtoken::get_current_timestamp() + 30 * 24 * 3600;
    let claims = ResumeClaims {
        aud: RESUME_AUDIENCE.into(),
        tenant: tenant.into(),
        experience: experience.into(),
        conversation: conversation.into(),
        customer: customer.into(),
        exp,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&resume_key(identity_secret)),
    )
    .expect("HS256 signing cannot fail")
}

pub fn verify_resume(identity_secret: &str, token: &str) -> Result<ResumeClaims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[RESUME_AUDIENCE]);
    let data = jsonwebtoken::decode::<ResumeClaims>(
        token,
        &DecodingKey::from_secret(&resume_key(identity_secret)),
        &validation,
    )?;
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> IdentityClaims {
        IdentityClaims {
            sub: "c-42".into(),
            name: Some("Ada".into()),
            email: Some("ada@example.com".into()),
            exp,
        }
    }

    #[test]
    fn a_token_signed_with_the_tenant_secret_identifies_the_customer() {
        let exp = jsonwebtoken::get_current_timestamp() + 60;
        let token = sign_identity("secret", &claims(exp));
        let customer = verify_identity("secret", &token).unwrap();
        assert_eq!(customer.key, "user:c-42");
        assert!(customer.signed_in);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let exp = jsonwebtoken::get_current_timestamp() + 60;
        let token = sign_identity("other", &claims(exp));
        assert!(matches!(
            verify_identity("secret", &token),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let token = sign_identity("secret", &claims(1_000_000));
        assert_eq!(verify_identity("secret", &token), Err(TokenError::Expired));
    }

    #[test]
    fn control_characters_in_an_identity_are_refused_naming_the_claim() {
        let exp = jsonwebtoken::get_current_timestamp() + 60;
        let cases = [
            (
                "sub",
                IdentityClaims {
                    sub: "c\n42".into(),
                    ..claims(exp)
                },
            ),
            (
                "sub",
                IdentityClaims {
                    sub: "c\u{0}42".into(),
                    ..claims(exp)
                },
            ),
            (
                "name",
                IdentityClaims {
                    name: Some("Ada\r\nX-Evil: 1".into()),
                    ..claims(exp)
                },
            ),
            (
                "email",
                IdentityClaims {
                    email: Some("ada@example.com\t".into()),
                    ..claims(exp)
                },
            ),
        ];
        for (claim, bad) in cases {
            let token = sign_identity("secret", &bad);
            let error = verify_identity("secret", &token).unwrap_err();
            assert_eq!(
                error,
                TokenError::Invalid(format!("{claim} must not contain control characters"))
            );
        }
    }

    const SUBJECT: ResumeSubject<'static> = ResumeSubject {
        tenant: "t",
        experience: "x",
        conversation: "c",
        customer: "anon:1",
    };

    #[test]
    fn a_resume_token_names_its_experience() {
        let resume = sign_resume("secret", SUBJECT);
        let claims = verify_resume("secret", &resume).unwrap();
        assert_eq!(
            (claims.tenant.as_str(), claims.experience.as_str()),
            ("t", "x")
        );
    }

    #[test]
    fn a_resume_token_is_not_an_identity_token() {
        let resume = sign_resume("secret", SUBJECT);
        assert!(verify_identity("secret", &resume).is_err());
        assert_eq!(verify_resume("secret", &resume).unwrap().conversation, "c");
        let identity = sign_identity(
            "secret",
            &claims(jsonwebtoken::get_current_timestamp() + 60),
        );
        assert!(verify_resume("secret", &identity).is_err());
    }
}
