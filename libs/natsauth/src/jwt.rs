//! NATS JWTs (the decentralised auth format nats-server verifies): a claims
//! document signed with the issuer's ed25519 nkey.
//!
//! The shape follows the server's reading of them: header
//! `{"typ":"JWT","alg":"ed25519-nkey"}`, base64url without padding, a `jti`
//! that is the base32 SHA-512/256 of the claims written without it, and the
//! kind-specific part under `nats` with `type` and `version: 2`.

use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD};
use nkeys::KeyPair;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha512_256};

use crate::AuthError;

/// The registered claims every NATS JWT carries, in the order the server
/// writes them (the hash input must be stable, not in any order the server checks).
#[derive(Serialize)]
struct Registered<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    iat: u64,
    iss: String,
    name: &'a str,
    sub: &'a str,
}

/// Signs a claims document: `subject` is the public key the JWT is about,
/// `nats` the kind-specific claims (their `type` and `version` are added).
pub fn encode(
    issuer: &KeyPair,
    subject: &str,
    name: &str,
    kind: &str,
    issued_at: u64,
    mut nats: Value,
) -> Result<String, AuthError> {
    let object = nats
        .as_object_mut()
        .ok_or(AuthError::Invalid("the nats claims must be an object"))?;
    object.insert("type".into(), json!(kind));
    object.insert("version".into(), json!(2));
    let mut registered = Registered {
        jti: None,
        iat: issued_at,
        iss: issuer.public_key(),
        name,
        sub: subject,
    };
    let unhashed = serde_json::to_vec(&registered).map_err(AuthError::Json)?;
    registered.jti = Some(BASE32_NOPAD.encode(&Sha512_256::digest(&unhashed)));
    let mut claims = serde_json::to_value(&registered).map_err(AuthError::Json)?;
    claims["nats"] = nats;
    let header = BASE64URL_NOPAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let payload = BASE64URL_NOPAD.encode(&serde_json::to_vec(&claims).map_err(AuthError::Json)?);
    let signed = format!("{header}.{payload}");
    let signature = issuer.sign(signed.as_bytes()).map_err(AuthError::Key)?;
    Ok(format!("{signed}.{}", BASE64URL_NOPAD.encode(&signature)))
}

/// The claims of a JWT, without checking its signature (for tests and for
/// reading back what this crate wrote).
pub fn claims(jwt: &str) -> Result<Value, AuthError> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or(AuthError::Invalid("a JWT has three dot-separated parts"))?;
    let bytes = BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .map_err(|_| AuthError::Invalid("a JWT's payload is base64url"))?;
    serde_json::from_slice(&bytes).map_err(AuthError::Json)
}

/// Checks `jwt`'s signature against its `iss` (a test of [`encode`]).
pub fn verify(jwt: &str) -> Result<Value, AuthError> {
    let (signed, signature) = jwt
        .rsplit_once('.')
        .ok_or(AuthError::Invalid("a JWT has three dot-separated parts"))?;
    let claims = claims(jwt)?;
    let issuer = claims["iss"]
        .as_str()
        .ok_or(AuthError::Invalid("a JWT names its issuer"))?;
    let key = KeyPair::from_public_key(issuer).map_err(AuthError::Key)?;
    let signature = BASE64URL_NOPAD
        .decode(signature.as_bytes())
        .map_err(|_| AuthError::Invalid("a JWT's signature is base64url"))?;
    key.verify(signed.as_bytes(), &signature)
        .map_err(AuthError::Key)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_jwt_verifies_and_names_its_issuer_subject_and_kind() {
        let operator = KeyPair::new_operator();
        let account = KeyPair::new_account();
        let jwt = encode(
            &operator,
            &account.public_key(),
            "acme",
            "account",
            1_700_000_000,
            json!({"limits": {"conn": -1}}),
        )
        .unwrap();
        let claims = verify(&jwt).unwrap();
        assert_eq!(claims["iss"], operator.public_key());
        assert_eq!(claims["sub"], account.public_key());
        assert_eq!(claims["nats"]["type"], "account");
        assert_eq!(claims["nats"]["version"], 2);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 52);
    }

    #[test]
    fn a_tampered_jwt_does_not_verify() {
        let operator = KeyPair::new_operator();
        let jwt = encode(&operator, "AX", "x", "account", 1, json!({})).unwrap();
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[1] = BASE64URL_NOPAD.encode(br#"{"sub":"AY"}"#);
        assert!(verify(&parts.join(".")).is_err());
    }
}
