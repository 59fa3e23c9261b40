//! The gateway's secret keys from the environment: read by
//! [`switchboard_secrets::vars`], shared with the webhook service.

pub use switchboard_secrets::vars::{
    SECRET_KEY, SECRET_KEY_FILE, SECRET_KEY_PREVIOUS, secret_keys,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GatewayConfig;
    use crate::secrets::SecretKey;
    use switchboard_runtime::config::Vars;

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
