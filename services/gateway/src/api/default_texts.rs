//! `GET …/default-texts`: the texts customers see where an admin set none
//! ([`switchboard_contracts::texts::DEFAULTS`]), so the admin console shows
//! the words the services really use instead of keeping a copy of its own.
//! Any admin of the tenant may read them.

use serde_json::{Map, Value};
use switchboard_contracts::texts::DEFAULTS;

use crate::api::access::AnyAdmin;

/// Every default text by name; `inactivity_warning` keeps its `{time}`.
pub async fn show(_: AnyAdmin) -> axum::Json<Value> {
    axum::Json(defaults_json())
}

fn defaults_json() -> Value {
    Value::Object(
        DEFAULTS
            .iter()
            .map(|(name, text)| ((*name).to_owned(), Value::from(*text)))
            .collect::<Map<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_contracts::texts::{DEFAULT_FALLBACK, DEFAULT_NEXT_STEPS};

    #[test]
    fn the_console_placeholders_are_the_services_defaults() {
        let body = defaults_json();
        assert_eq!(body["fallback_message"], DEFAULT_FALLBACK);
        assert_eq!(body["next_steps"], DEFAULT_NEXT_STEPS);
        assert_eq!(body.as_object().map(Map::len), Some(DEFAULTS.len()));
    }
}
