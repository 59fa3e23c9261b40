//! The deployment's root keys (operator, system account, services' account,
//! with their signing keys), kept as seeds in one 0600 file so every start
//! renders the same server settings and credentials.

use std::path::Path;

use nkeys::KeyPair;
use serde::{Deserialize, Serialize};

use crate::AuthError;

/// Every seed a deployment's bus security derives from.
#[derive(Clone, Serialize, Deserialize)]
pub struct Keys {
    pub operator: String,
    pub operator_signing: String,
    pub system_account: String,
    pub system_user: String,
    pub services_account: String,
    pub services_signing: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys { .. }")
    }
}

fn seed(pair: &KeyPair) -> String {
    pair.seed().expect("a generated key pair has its seed")
}

/// The key pair of a seed.
pub fn pair(seed: &str) -> Result<KeyPair, AuthError> {
    KeyPair::from_seed(seed).map_err(AuthError::Key)
}

impl Keys {
    /// Fresh keys.
    pub fn generate() -> Self {
        Self {
            operator: seed(&KeyPair::new_operator()),
            operator_signing: seed(&KeyPair::new_operator()),
            system_account: seed(&KeyPair::new_account()),
            system_user: seed(&KeyPair::new_user()),
            services_account: seed(&KeyPair::new_account()),
            services_signing: seed(&KeyPair::new_account()),
        }
    }

    /// The keys in `path`, or fresh ones written there (0600) when it does
    /// not exist yet.
    pub fn load_or_generate(path: &Path) -> Result<Self, AuthError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(AuthError::Json),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let keys = Self::generate();
                let text = serde_json::to_vec_pretty(&keys).map_err(AuthError::Json)?;
                crate::files::write_secret(path, &text)?;
                Ok(keys)
            }
            Err(e) => Err(AuthError::Io(path.display().to_string(), e)),
        }
    }

    /// The public key of a seed of these keys.
    pub fn public(seed: &str) -> Result<String, AuthError> {
        Ok(pair(seed)?.public_key())
    }
}
