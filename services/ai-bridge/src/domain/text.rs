//! Text normalisation shared by retrieval and intent detection.
//!
//! Both sides of a match (the knowledge base and the customer's message) must go
//! through exactly the same steps, so the rules live here once. They are
//! deliberately small and deterministic: a customer-service knowledge base is a few
//! hundred short entries, where a predictable light stemmer beats a clever one.

/// Lowercased words: maximal runs of Unicode alphanumerics.
///
/// Everything else (punctuation, apostrophes, emoji, whitespace) separates words,
/// so "don't" becomes `don`, `t` — the stopword list knows those fragments.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Index terms: words minus stopwords and lone letters, stemmed.
pub(crate) fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text)
        // Lowercasing can split a letter into several chars (e.g. 'İ' → "i̇");
        // re-split so a term never carries a combining mark on its own.
        .flat_map(|w| {
            w.split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|w| !is_noise(w))
        .map(|w| stem(&w))
}

fn is_noise(word: &str) -> bool {
    // A lone ASCII letter is a contraction or initial fragment ("e-mail", "i'm");
    // a lone digit or CJK character can carry meaning, so only ASCII letters go.
    let lone_letter = word.len() == 1 && word.as_bytes()[0].is_ascii_alphabetic();
    lone_letter || STOPWORDS.binary_search(&word).is_ok()
}

/// Function words and chat filler that say nothing about the topic. Kept sorted
/// for `binary_search` (a test checks this). Question words are included: in a
/// Q&A knowledge base nearly every entry starts with "how" or "what".
const STOPWORDS: &[&str] = &[
    "a", "about", "all", "already", "also", "am", "an", "and", "any", "are", "aren", "as", "at",
    "be", "been", "but", "by", "can", "could", "couldn", "d", "did", "didn", "do", "does", "doesn",
    "don", "for", "from", "get", "got", "had", "has", "hasn", "have", "haven", "hello", "hey",
    "hi", "how", "i", "if", "in", "into", "is", "isn", "it", "its", "just", "ll", "m", "me", "my",
    "need", "no", "not", "of", "on", "or", "our", "please", "re", "s", "should", "shouldn", "so",
    "some", "still", "t", "than", "thank", "thanks", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "to", "too", "up", "us", "ve", "want", "was", "wasn", "we",
    "were", "weren", "what", "when", "where", "which", "who", "why", "will", "with", "won",
    "would", "wouldn", "yet", "you", "your", "yours",
];

/// A light English suffix stripper, applied in a fixed order so that related
/// forms meet: plural first ("families" → "family"), then one derivational suffix
/// ("family" → "fami"), then a trailing "e" ("change"/"changing" → "chang"), then
/// a doubled final consonant ("shipping" → "shipp" → "ship", "bill" → "bil").
///
/// Only ASCII words are touched: the rules are English, and slicing by byte
/// offsets is then always on a char boundary.
pub(crate) fn stem(word: &str) -> String {
    if !word.is_ascii() {
        return word.to_owned();
    }
    let mut w = word.to_owned();
    strip_plural(&mut w);
    strip_derivational(&mut w);
    // "use" → "us" on purpose: "using" and "used" strip to "us" too. Stopwords
    // are removed before stemming, so this never collides with the pronoun.
    if w.len() >= 3 && w.ends_with('e') {
        w.pop();
    }
    undouble(&mut w);
    w
}

fn strip_plural(w: &mut String) {
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 3
        && w.ends_with('s')
        && !(w.ends_with("ss") || w.ends_with("us") || w.ends_with("is"))
    {
        // "boxes" → "boxe" → (trailing e) "box": no separate "-es" rule needed.
        w.pop();
    }
}

fn strip_derivational(w: &mut String) {
    if let Some(stem) = w.strip_suffix("ing").filter(|s| plausible_stem(s)) {
        w.truncate(stem.len());
    } else if let Some(stem) = w
        .strip_suffix("ed")
        // "need", "feed", "speed" are words, not past tenses.
        .filter(|s| !s.ends_with('e') && plausible_stem(s))
    {
        w.truncate(stem.len());
    } else if let Some(stem) = w
        .strip_suffix("ly")
        // "apply", "reply", "supply": the "ly" is part of the word.
        .filter(|s| s.len() >= 4 && !s.ends_with('p'))
    {
        w.truncate(stem.len());
    }
}

/// A stem needs a vowel so "thing", "bring" and "red" stay whole.
fn plausible_stem(stem: &str) -> bool {
    stem.len() >= 2 && stem.bytes().any(|b| b"aeiouy".contains(&b))
}

fn undouble(w: &mut String) {
    let b = w.as_bytes();
    if let [.., x, y] = b
        && x == y
        && x.is_ascii_alphabetic()
        && !b"aeiou".contains(x)
    {
        w.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        terms(text).collect()
    }

    #[test]
    fn the_stopword_list_is_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|p| p[0] < p[1]));
    }

    #[test]
    fn related_word_forms_share_a_stem() {
        let groups: &[&[&str]] = &[
            &["ship", "ships", "shipping", "shipped"],
            &["refund", "refunds", "refunded", "refunding"],
            &["change", "changes", "changed", "changing"],
            &["cancel", "cancels", "cancelled", "canceled", "cancelling"],
            &["invoice", "invoices", "invoiced"],
            &["policy", "policies"],
            &["address", "addresses"],
            &["bill", "bills", "billing", "billed"],
            &["open", "opens", "opening", "opened"],
            &["month", "monthly"],
        ];
        for group in groups {
            let first = stem(group[0]);
            for form in *group {
                assert_eq!(stem(form), first, "{form} should stem like {}", group[0]);
            }
        }
    }

    #[test]
    fn short_words_that_only_look_inflected_are_left_alone() {
        for word in [
            "thing", "bring", "need", "speed", "apply", "reply", "status", "bus",
        ] {
            assert_eq!(stem(word), word.trim_end_matches('e'));
        }
    }

    #[test]
    fn stopwords_contraction_fragments_and_punctuation_are_dropped() {
        assert_eq!(
            stems("Hi! I'm trying to RESET my password, please?"),
            ["try", "reset", "password"]
        );
        assert!(stems("what is it, and how do you do that?").is_empty());
    }

    #[test]
    fn non_latin_words_are_kept_unstemmed() {
        assert_eq!(stems("Rückerstattung — 退款!"), ["rückerstattung", "退款"]);
    }
}
