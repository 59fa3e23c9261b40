//! `/widget.js`, put together once from the workspace's `web/widget/`:
//! the styles (as a string the script puts in its Shadow DOM), the
//! language catalogues (`web/widget/locales/*.json`, as one object) and the
//! script's parts, all inside one function scope, so a host page's globals
//! neither see nor disturb anything of it. A page that loads the script
//! twice keeps the first copy.
//!
//! One classic script rather than ES modules: the embed snippet loads it
//! with `<script async>` on other sites' pages, where modules would need
//! CORS on every file and a request each; the parts are small files for
//! people, one download for browsers.

use std::sync::LazyLock;

use serde_json::{Map, Value};

/// The widget's stylesheet (its hash is in the support page's policy).
pub const STYLES: &str = include_str!("../../../../web/widget/style.css");

/// Every language of the widget: its tag and its catalogue (a JSON object
/// of text key to text, `{placeholders}` filled in by the script). English
/// is the fallback and the reference the tests hold the others to.
/// Adding a language is a file in `web/widget/locales/` and a line here.
pub const LOCALES: &[(&str, &str)] = &[
    ("en", include_str!("../../../../web/widget/locales/en.json")),
    ("fr", include_str!("../../../../web/widget/locales/fr.json")),
    ("de", include_str!("../../../../web/widget/locales/de.json")),
];

macro_rules! part {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../../web/widget/", $name)),
        )
    };
}

/// The script's parts in the order they run: each may use what the ones
/// before it define at its top level; functions call each other freely.
/// `api.js` comes last: it starts the widget.
const PARTS: &[(&str, &str)] = &[
    part!("i18n.js"),
    part!("helpers.js"),
    part!("view.js"),
    part!("transcript.js"),
    part!("frames.js"),
    part!("connection.js"),
    part!("actions.js"),
    part!("api.js"),
];

/// The script as served.
pub static SCRIPT: LazyLock<String> = LazyLock::new(|| {
    // A JSON string is a valid JavaScript string literal, a JSON object a
    // valid object literal.
    let styles = serde_json::to_string(STYLES).expect("a string encodes as JSON");
    let locales = serde_json::to_string(&catalogues()).expect("JSON encodes as JSON");
    let mut script = format!(
        "(function () {{\n'use strict';\n\
         if (window.Switchboard && window.Switchboard.loaded) return;\n\
         const WIDGET_CSS = {styles};\nconst LOCALES = {locales};\n"
    );
    for (name, body) in PARTS {
        script.push_str(&format!("// ---- web/widget/{name}\n{body}\n"));
    }
    script.push_str("})();\n");
    script
});

/// The catalogues as one object, language tag to texts.
fn catalogues() -> Map<String, Value> {
    LOCALES
        .iter()
        .map(|(tag, text)| {
            let texts: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("web/widget/locales/{tag}.json is not JSON: {e}"));
            ((*tag).to_owned(), texts)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn texts(tag: &str) -> Map<String, Value> {
        match catalogues().remove(tag) {
            Some(Value::Object(texts)) => texts,
            other => panic!("{tag}: not an object of texts: {other:?}"),
        }
    }

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn the_script_is_one_scope_holding_the_styles_the_catalogues_and_every_part() {
        assert!(SCRIPT.starts_with("(function () {\n'use strict';\n"));
        assert!(SCRIPT.trim_end().ends_with("})();"));
        assert!(SCRIPT.contains("const WIDGET_CSS = \"/* Switchboard chat widget"));
        assert!(SCRIPT.contains("const LOCALES = {") && SCRIPT.contains("\"en\":{\""));
        assert!(SCRIPT.contains("const linkify") && SCRIPT.contains("window.Switchboard = api"));
        for (name, body) in PARTS {
            assert!(body.lines().count() < 300, "web/widget/{name} is too long");
        }
    }

    #[test]
    fn every_language_has_every_text_with_the_same_placeholders() {
        let english = texts("en");
        for (tag, _) in LOCALES {
            let other = texts(tag);
            let keys = |m: &Map<String, Value>| m.keys().cloned().collect::<BTreeSet<_>>();
            assert_eq!(
                keys(&other),
                keys(&english),
                "{tag}: not the same keys as en"
            );
            for (key, text) in &english {
                let (text, theirs) = (text.as_str().unwrap(), other[key].as_str());
                let theirs = theirs.unwrap_or_else(|| panic!("{tag}.{key}: not a string"));
                assert!(!theirs.trim().is_empty(), "{tag}.{key} is empty");
                assert_eq!(placeholders(theirs), placeholders(text), "{tag}.{key}");
            }
        }
    }

    /// Every key the script looks up (`t('key'…)`, also in a condition
    /// inside the call) is in the catalogue, and no English text is
    /// written into the script instead of looked up.
    #[test]
    fn the_script_looks_its_texts_up_and_has_none_of_its_own() {
        let english = texts("en");
        let mut looked_up = BTreeSet::new();
        for (name, body) in PARTS {
            let calls = body.match_indices("t(").filter(|(at, _)| {
                let before = body[..*at].chars().next_back().unwrap_or(' ');
                !(before.is_alphanumeric() || "_.$".contains(before))
            });
            for call in calls.map(|(at, _)| &body[at + 2..]) {
                let mut depth = 1;
                let args: String = call
                    .chars()
                    .take_while(|c| {
                        depth += match c {
                            '(' => 1,
                            ')' => -1,
                            _ => 0,
                        };
                        depth > 0
                    })
                    .collect();
                for key in args.split('\'').skip(1).step_by(2) {
                    let looks_like_key =
                        !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                    if looks_like_key {
                        assert!(english.contains_key(key), "{name}: t('{key}') is not in en");
                        looked_up.insert(key.to_owned());
                    }
                }
            }
            for text in english.values().filter_map(Value::as_str) {
                let fixed = text.split('{').next().unwrap_or_default().trim();
                if fixed.len() > 12 {
                    assert!(!body.contains(fixed), "{name} writes out \"{fixed}\"");
                }
            }
        }
        // The end reasons and error codes are looked up by a computed key.
        assert!(looked_up.len() > 30, "only {looked_up:?} found");
    }
}
