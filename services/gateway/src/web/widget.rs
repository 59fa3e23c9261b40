//! `/widget.js`, put together once from the workspace's `web/widget/`:
//! the helpers, the styles (as a string the script puts in its Shadow DOM)
//! and the widget itself, all inside one function scope, so a host page's
//! globals neither see nor disturb anything of it. A page that loads the
//! script twice keeps the first copy.

use std::sync::LazyLock;

const HELPERS: &str = include_str!("../../../../web/widget/helpers.js");
/// The widget's stylesheet (its hash is in the support page's policy).
pub const STYLES: &str = include_str!("../../../../web/widget/style.css");
const MAIN: &str = include_str!("../../../../web/widget/main.js");

/// The script as served.
pub static SCRIPT: LazyLock<String> = LazyLock::new(|| {
    // A JSON string is a valid JavaScript string literal.
    let styles = serde_json::to_string(STYLES).expect("a string encodes as JSON");
    format!(
        "(function () {{\n\
         if (window.Switchboard && window.Switchboard.loaded) return;\n\
         const WIDGET_CSS = {styles};\n\
         {HELPERS}\n{MAIN}\n}})();\n"
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_one_scope_holding_the_helpers_the_styles_and_the_widget() {
        assert!(SCRIPT.starts_with("(function () {\n"));
        assert!(SCRIPT.trim_end().ends_with("})();"));
        assert!(SCRIPT.contains("const WIDGET_CSS = \"/* Switchboard chat widget"));
        assert!(SCRIPT.contains("const linkify") && SCRIPT.contains("window.Switchboard = api"));
    }
}
