//! Sealing and opening one secret: XChaCha20-Poly1305 with a random 24-byte
//! nonce (random nonces of this size never collide in practice, so no
//! counter has to be kept across gateways), the key's id beside it, and the
//! caller's context (record and field) as associated data.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use switchboard_contracts::v1::{SealAlgorithm, SealedSecret};

use crate::key::{Keyring, SecretKey};

const NONCE_BYTES: usize = 24;

/// Why a sealed secret did not open. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("it is sealed with an algorithm this service does not know ({0})")]
    UnknownAlgorithm(i32),
    #[error(
        "it is sealed with key {0}, which is neither SWITCHBOARD_SECRET_KEY nor one of \
         SWITCHBOARD_SECRET_KEY_PREVIOUS"
    )]
    UnknownKey(String),
    #[error("it does not open with key {0}: altered, or sealed for another record")]
    Refused(String),
    #[error("its nonce is {0} bytes long instead of 24")]
    BadNonce(usize),
    #[error("it opens to bytes that are not text")]
    NotText,
    #[error("the record holds no secret at all")]
    Missing,
}

fn cipher(key: &SecretKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key.bytes()))
}

impl Keyring {
    /// Seals `secret` with the current key for `context` (which names the
    /// record and field it is stored in).
    pub fn seal(&self, secret: &str, context: &str) -> SealedSecret {
        let key = self.current();
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = cipher(key)
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any message of this size");
        SealedSecret {
            algorithm: SealAlgorithm::Xchacha20Poly1305 as i32,
            key_id: key.id().to_owned(),
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    /// Opens what [`Keyring::seal`] sealed for the same `context`, with the
    /// key it names.
    pub fn open(&self, sealed: &SealedSecret, context: &str) -> Result<String, OpenError> {
        if sealed.algorithm != SealAlgorithm::Xchacha20Poly1305 as i32 {
            return Err(OpenError::UnknownAlgorithm(sealed.algorithm));
        }
        let key = self
            .find(&sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.nonce.len() != NONCE_BYTES {
            return Err(OpenError::BadNonce(sealed.nonce.len()));
        }
        let plain = cipher(key)
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Refused(sealed.key_id.clone()))?;
        String::from_utf8(plain).map_err(|_| OpenError::NotText)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sb_idsec_0123456789abcdef";

    #[test]
    fn a_sealed_secret_opens_to_itself_and_does_not_show_it() {
        let ring = Keyring::generate();
        let sealed = ring.seal(SECRET, "tenant/a");
        assert_eq!(sealed.key_id, ring.current().id());
        assert!(
            !sealed
                .ciphertext
                .windows(SECRET.len())
                .any(|w| w == SECRET.as_bytes())
        );
        assert_eq!(ring.open(&sealed, "tenant/a").unwrap(), SECRET);
        // Two seals of one secret differ (fresh nonces).
        assert_ne!(ring.seal(SECRET, "tenant/a").ciphertext, sealed.ciphertext);
    }

    #[test]
    fn a_secret_sealed_for_one_record_does_not_open_for_another() {
        let ring = Keyring::generate();
        let sealed = ring.seal(SECRET, "tenant/a");
        assert_eq!(
            ring.open(&sealed, "tenant/b"),
            Err(OpenError::Refused(ring.current().id().to_owned()))
        );
    }

    #[test]
    fn an_altered_ciphertext_does_not_open() {
        let ring = Keyring::generate();
        let mut sealed = ring.seal(SECRET, "tenant/a");
        sealed.ciphertext[3] ^= 1;
        assert!(matches!(
            ring.open(&sealed, "tenant/a"),
            Err(OpenError::Refused(_))
        ));
        sealed.nonce.pop();
        assert_eq!(ring.open(&sealed, "tenant/a"), Err(OpenError::BadNonce(23)));
    }

    #[test]
    fn after_a_key_rotation_old_seals_open_with_the_previous_key_and_new_ones_use_the_new_key() {
        let old = Keyring::generate();
        let sealed_before = old.seal(SECRET, "tenant/a");
        let new_key = SecretKey::generate();
        let rotated = Keyring::new(new_key.clone(), vec![old.current().clone()]);
        assert_eq!(rotated.open(&sealed_before, "tenant/a").unwrap(), SECRET);
        assert_eq!(rotated.seal(SECRET, "tenant/a").key_id, new_key.id());
        // Without the old key the old seal names the key it needs.
        let forgot = Keyring::new(new_key, Vec::new());
        let error = forgot.open(&sealed_before, "tenant/a").unwrap_err();
        assert_eq!(error, OpenError::UnknownKey(old.current().id().to_owned()));
        assert!(
            error
                .to_string()
                .contains("SWITCHBOARD_SECRET_KEY_PREVIOUS")
        );
    }
}
