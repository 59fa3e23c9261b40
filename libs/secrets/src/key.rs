//! The keys that seal secrets: 32 random bytes each, written as 64 hex
//! characters or as base64. Each has an id derived from the key itself, so
//! a sealed value says which key opens it without anyone naming keys, and
//! an operator rotates by moving the old key to `SWITCHBOARD_SECRET_KEY_PREVIOUS`.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The length of a key.
pub const KEY_BYTES: usize = 32;

/// One key. Its bytes never leave this module except into the cipher and
/// [`SecretKey::to_hex`] (for the file a local stack keeps).
#[derive(Clone)]
pub struct SecretKey {
    id: String,
    bytes: [u8; KEY_BYTES],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why a key was refused. The messages never repeat the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("is empty")]
    Empty,
    #[error(
        "is {0} characters that are neither hex nor base64; a key is 32 random bytes \
         written as 64 hex characters or as base64 (make one with `openssl rand -hex 32`)"
    )]
    NotEncoded(usize),
    #[error(
        "holds {0} bytes; a key is exactly 32 random bytes (make one with `openssl rand -hex 32`)"
    )]
    WrongLength(usize),
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        // A label keeps the id from being the hash of the bare key.
        let digest = Sha256::new()
            .chain_update(b"switchboard secret key id\0")
            .chain_update(bytes)
            .finalize();
        Self {
            id: hex::encode(&digest[..8]),
            bytes,
        }
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// A key written as 64 hex characters or as base64 (standard or URL-safe,
    /// padded or not); surrounding whitespace (a file's newline) is ignored.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyError::Empty);
        }
        let decoded = if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit())
        {
            hex::decode(text).ok()
        } else {
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
        };
        let bytes = decoded.ok_or(KeyError::NotEncoded(text.chars().count()))?;
        let bytes: [u8; KEY_BYTES] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key's id: 16 hex characters derived from it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as 64 hex characters (what [`SecretKey::parse`] reads back).
    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.bytes
    }
}

/// The key that seals, and earlier keys that still open what they sealed.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Keyring {
    current: SecretKey,
    previous: Arc<[SecretKey]>,
}

impl Keyring {
    pub fn new(current: SecretKey, previous: Vec<SecretKey>) -> Self {
        Self {
            current,
            previous: previous.into(),
        }
    }

    /// One new random key and no earlier ones (tests and first starts).
    pub fn generate() -> Self {
        Self::new(SecretKey::generate(), Vec::new())
    }

    /// The key new values are sealed with.
    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// The key with this id, current or earlier.
    pub fn find(&self, id: &str) -> Option<&SecretKey> {
        std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|key| key.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_key_reads_as_hex_or_as_any_base64_and_keeps_its_id() {
        let key = SecretKey::parse(HEX).unwrap();
        let bytes = hex::decode(HEX).unwrap();
        for text in [
            format!("  {}\n", HEX.to_uppercase()),
            STANDARD.encode(&bytes),
            STANDARD_NO_PAD.encode(&bytes),
            URL_SAFE.encode(&bytes),
        ] {
            let same = SecretKey::parse(&text).unwrap();
            assert_eq!((same.id(), same.to_hex()), (key.id(), key.to_hex()));
        }
        assert_eq!(key.id().len(), 16);
        assert!(!HEX.contains(key.id()), "the id is not a piece of the key");
    }

    #[test]
    fn a_malformed_key_is_refused_without_repeating_it() {
        assert_eq!(SecretKey::parse(" \n").unwrap_err(), KeyError::Empty);
        let short = "c2hvcnQ=";
        let error = SecretKey::parse(short).unwrap_err();
        assert_eq!(error, KeyError::WrongLength(5));
        let garbled = "not a key at all!";
        let error = SecretKey::parse(garbled).unwrap_err();
        assert_eq!(error, KeyError::NotEncoded(17));
        assert!(!error.to_string().contains(garbled));
    }

    #[test]
    fn the_keyring_finds_current_and_earlier_keys_by_id() {
        let (old, new) = (SecretKey::generate(), SecretKey::generate());
        let ring = Keyring::new(new.clone(), vec![old.clone()]);
        assert_eq!(ring.current().id(), new.id());
        assert_eq!(ring.find(old.id()).unwrap().id(), old.id());
        assert!(ring.find("0000000000000000").is_none());
        assert!(!format!("{ring:?}").contains(&new.to_hex()));
    }
}
