//! The secret keys from the environment (`SWITCHBOARD_SECRET_KEY`,
//! `_FILE`, `_PREVIOUS`): read and checked once, at start, with errors that
//! name the variable and never repeat a key. The gateway seals with them;
//! the webhook service opens what the gateway sealed.

use switchboard_runtime::config::{ConfigError, Vars};

use crate::key::{Keyring, SecretKey};

pub const SECRET_KEY: &str = "SWITCHBOARD_SECRET_KEY";
pub const SECRET_KEY_FILE: &str = "SWITCHBOARD_SECRET_KEY_FILE";
pub const SECRET_KEY_PREVIOUS: &str = "SWITCHBOARD_SECRET_KEY_PREVIOUS";

/// The key that seals secrets at rest: `SWITCHBOARD_SECRET_KEY`, or the file
/// `SWITCHBOARD_SECRET_KEY_FILE` names (one of them, never both); plus the
/// earlier keys still needed to open what they sealed,
/// `SWITCHBOARD_SECRET_KEY_PREVIOUS` (comma-separated). Required: without
/// it secrets could only be kept in clear.
pub fn secret_keys(vars: &Vars) -> Result<Keyring, ConfigError> {
    let invalid = |key: &str, reason: String| ConfigError::Invalid {
        key: key.to_owned(),
        reason,
    };
    let current = match (vars.get(SECRET_KEY), vars.get(SECRET_KEY_FILE)) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                SECRET_KEY,
                format!("set either {SECRET_KEY} or {SECRET_KEY_FILE}, not both"),
            ));
        }
        (Some(text), None) => {
            SecretKey::parse(text).map_err(|e| invalid(SECRET_KEY, format!("the key {e}")))?
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path.trim())
                .map_err(|e| invalid(SECRET_KEY_FILE, format!("cannot read `{path}`: {e}")))?;
            SecretKey::parse(&text)
                .map_err(|e| invalid(SECRET_KEY_FILE, format!("the key in `{path}` {e}")))?
        }
        (None, None) => {
            return Err(invalid(
                SECRET_KEY,
                format!(
                    "not set: identity and webhook secrets are sealed with this key. Set {SECRET_KEY} \
                     to 32 random bytes as 64 hex characters or base64 (`openssl rand -hex 32`), \
                     or {SECRET_KEY_FILE} to a file holding one (`make run` makes one)"
                ),
            ));
        }
    };
    let previous = match vars.get(SECRET_KEY_PREVIOUS) {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .enumerate()
            .map(|(n, text)| {
                SecretKey::parse(text).map_err(|e| {
                    invalid(
                        SECRET_KEY_PREVIOUS,
                        format!("key {} of the list {e}", n + 1),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Keyring::new(current, previous))
}
