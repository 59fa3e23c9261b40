//! The gateway's secret keys from the environment (`SWITCHBOARD_SECRET_KEY`,
//! `_FILE`, `_PREVIOUS`): read and checked once, at start, with errors that
//! name the variable and never repeat a key.

use switchboard_runtime::config::{ConfigError, Vars};

use crate::secrets::{Keyring, SecretKey};

pub const SECRET_KEY: &str = "SWITCHBOARD_SECRET_KEY";
pub const SECRET_KEY_FILE: &str = "SWITCHBOARD_SECRET_KEY_FILE";
pub const SECRET_KEY_PREVIOUS: &str = "SWITCHBOARD_SECRET_KEY_PREVIOUS";

/// The key that seals secrets at rest: `SWITCHBOARD_SECRET_KEY`, or the file
/// `SWITCHBOARD_SECRET_KEY_FILE` names (one of them, never both); plus the
/// earlier keys still needed to open what they sealed,
/// `SWITCHBOARD_SECRET_KEY_PREVIOUS` (comma-separated). Required: without
/// it the gateway could only keep identity secrets in clear.
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
                    "not set: the gateway seals identity secrets with this key. Set {SECRET_KEY} \
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GatewayConfig;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn with_key<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vars {
        let mut vars = Vars::from_pairs([(SECRET_KEY, KEY)]);
        for (key, value) in pairs {
            vars.set(key, value);
        }
        vars
    }

    #[test]
    fn without_a_secret_key_the_start_is_refused_naming_the_variable() {
        let error = GatewayConfig::load(&Vars::default())
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("SWITCHBOARD_SECRET_KEY: not set"),
            "{error}"
        );
        assert!(error.contains("SWITCHBOARD_SECRET_KEY_FILE"), "{error}");
    }

    #[test]
    fn a_malformed_secret_key_names_its_variable_and_not_the_key() {
        let garbled = "hunter2! not a key";
        let error = GatewayConfig::load(&Vars::from_pairs([(SECRET_KEY, garbled)]))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("SWITCHBOARD_SECRET_KEY: the key is 18 characters"),
            "{error}"
        );
        assert!(!error.contains(garbled), "{error}");
        let error = GatewayConfig::load(&with_key([(SECRET_KEY_PREVIOUS, "abcd")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("SWITCHBOARD_SECRET_KEY_PREVIOUS: key 1 of the list"),
            "{error}"
        );
        let error = GatewayConfig::load(&with_key([(SECRET_KEY_FILE, "/nowhere")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("not both"), "{error}");
    }

    #[test]
    fn the_secret_key_comes_from_a_file_and_earlier_keys_from_a_list() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret_key");
        std::fs::write(&file, format!("{KEY}\n")).unwrap();
        let earlier = SecretKey::generate();
        let list = format!("{}, {}", SecretKey::generate().to_hex(), earlier.to_hex());
        let vars = Vars::from_pairs([
            (SECRET_KEY_FILE, file.to_str().unwrap()),
            (SECRET_KEY_PREVIOUS, list.as_str()),
        ]);
        let keys = GatewayConfig::load(&vars).unwrap().secret_keys;
        assert_eq!(keys.current().to_hex(), KEY);
        assert!(keys.find(earlier.id()).is_some());

        std::fs::write(&file, "short").unwrap();
        let error = GatewayConfig::load(&vars).unwrap_err().to_string();
        assert!(
            error.starts_with("SWITCHBOARD_SECRET_KEY_FILE: the key in"),
            "{error}"
        );
        let missing = Vars::from_pairs([(SECRET_KEY_FILE, "/no/such/file")]);
        let error = GatewayConfig::load(&missing).unwrap_err().to_string();
        assert!(
            error.starts_with("SWITCHBOARD_SECRET_KEY_FILE: cannot read `/no/such/file`"),
            "{error}"
        );
    }
}
