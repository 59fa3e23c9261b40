//! An AI agent's handoff settings (SPEC §11, the seed's "automated handoff"):
//! whether the built-in agent hands off when the customer asks for a person,
//! after how many unsure answers in a row (0 = never, 1–5), and the phrase it
//! says as it does. The ai-bridge obeys the stored record; records written
//! before the settings existed have none and get the defaults there and here.

use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_contracts::v1::{AiAgent, AiHandoff};

use crate::api::validate;
use crate::error::{ApiError, ApiResult};

/// Handing off when the customer asks for a person: on unless turned off.
pub const DEFAULT_ON_REQUEST: bool = true;
/// Unsure answers in a row before handing off, unless set.
pub const DEFAULT_AFTER_UNSURE: u32 = 2;
/// The most `after_unsure` may be.
pub const AFTER_UNSURE_MAX: i64 = 5;
/// The phrase when none is set, the one the built-in agent says.
pub const DEFAULT_PHRASE: &str = switchboard_contracts::texts::HANDOFF;
/// A phrase is one short chat message.
pub const PHRASE_MAX: usize = 500;

/// `handoff` in a POST or PATCH body; a missing field keeps its value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffBody {
    #[serde(default)]
    on_request: Option<bool>,
    // Wide so 6 and -1 reach the range check (422, naming the field).
    #[serde(default)]
    after_unsure: Option<i64>,
    /// Empty or null means the default phrase.
    #[serde(default)]
    phrase: Option<String>,
}

/// The settings in force for `agent`.
pub fn effective(agent: &AiAgent) -> AiHandoff {
    agent.handoff.clone().unwrap_or_else(|| AiHandoff {
        on_request: DEFAULT_ON_REQUEST,
        after_unsure: DEFAULT_AFTER_UNSURE,
        phrase: String::new(),
    })
}

/// `current` with the body's fields applied, every field checked first.
pub fn merge(current: AiHandoff, body: &HandoffBody) -> ApiResult<AiHandoff> {
    let after_unsure = match body.after_unsure {
        None => current.after_unsure,
        Some(n) if (0..=AFTER_UNSURE_MAX).contains(&n) => u32::try_from(n).unwrap_or_default(),
        Some(n) => {
            return Err(ApiError::invalid(
                "handoff.after_unsure",
                format!("must be 0 (off) or from 1 to {AFTER_UNSURE_MAX} (got {n})"),
            ));
        }
    };
    let phrase = match &body.phrase {
        None => current.phrase,
        Some(text) => validate::optional_text("handoff.phrase", text, PHRASE_MAX)?,
    };
    Ok(AiHandoff {
        on_request: body.on_request.unwrap_or(current.on_request),
        after_unsure,
        phrase,
    })
}

/// `{on_request, after_unsure, phrase}`, the phrase as customers will see it.
pub fn handoff_json(agent: &AiAgent) -> Value {
    let handoff = effective(agent);
    let phrase = if handoff.phrase.is_empty() {
        DEFAULT_PHRASE
    } else {
        handoff.phrase.as_str()
    };
    json!({
        "on_request": handoff.on_request,
        "after_unsure": handoff.after_unsure,
        "phrase": phrase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(after_unsure: Option<i64>, phrase: Option<&str>) -> HandoffBody {
        HandoffBody {
            on_request: None,
            after_unsure,
            phrase: phrase.map(str::to_owned),
        }
    }

    #[test]
    fn an_agent_without_settings_hands_off_on_request_and_after_two_unsure_answers() {
        let rendered = handoff_json(&AiAgent::default());
        assert_eq!(
            rendered,
            json!({"on_request": true, "after_unsure": 2, "phrase": DEFAULT_PHRASE})
        );
    }

    #[test]
    fn a_partial_change_keeps_the_other_settings() {
        let current = effective(&AiAgent::default());
        let merged = merge(current, &body(Some(0), None)).unwrap();
        assert_eq!((merged.on_request, merged.after_unsure), (true, 0));
        let merged = merge(merged, &body(None, Some("  One moment. "))).unwrap();
        assert_eq!(
            (merged.after_unsure, merged.phrase.as_str()),
            (0, "One moment.")
        );
    }

    #[test]
    fn after_unsure_is_off_or_one_to_five() {
        for bad in [6, -1, 100] {
            let error = merge(AiHandoff::default(), &body(Some(bad), None)).unwrap_err();
            assert!(
                error.message().starts_with("handoff.after_unsure:"),
                "{error:?}"
            );
        }
        let error = merge(AiHandoff::default(), &body(None, Some(&"x".repeat(501)))).unwrap_err();
        assert!(error.message().starts_with("handoff.phrase:"), "{error:?}");
    }
}
