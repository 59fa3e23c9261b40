//! Property tests for retrieval: arbitrary input never breaks it, and a stored
//! question always finds its own entry.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::tests::{DEMO, confidence, entry};
use super::*;

fn question_terms(question: &str) -> BTreeSet<String> {
    crate::domain::text::terms(question).collect()
}

prop_compose! {
    /// Knowledge bases over a small vocabulary, so entries share words and
    /// answers repeat question words, as real ones do.
    fn knowledge_base()(
        entries in prop::collection::vec(
            (
                prop::collection::vec("[a-z]{2,7}|refund|ship(ping)?|password", 1..6),
                prop::collection::vec("[a-z]{2,7}|refunds?|shipped|passwords", 0..20),
            ),
            1..12,
        )
    ) -> Vec<Entry> {
        entries
            .into_iter()
            .map(|(q, a)| entry(&q.join(" "), &a.join(" ")))
            .collect()
    }
}

proptest! {
    #[test]
    fn best_never_panics_and_scores_are_finite_and_bounded(
        extra in prop::collection::vec((any::<String>(), any::<String>()), 0..8),
        query in prop_oneof![any::<String>(), ".{0,4000}", "\\PC{4000}"],
    ) {
        let entries = DEMO.iter().map(|(q, a)| entry(q, a)).chain(extra.iter().map(|(q, a)| entry(q, a)));
        let score = confidence(&Index::build(entries).best(&query));
        prop_assert!(score.is_finite() && (0.0..=1.0).contains(&score), "{score}");
    }

    #[test]
    fn an_entrys_own_question_finds_itself_confidently(
        entries in knowledge_base(),
        pick in any::<prop::sample::Index>(),
    ) {
        let picked = pick.get(&entries).question.clone();
        prop_assume!(!question_terms(&picked).is_empty());
        match Index::build(entries.clone()).best(&picked) {
            // An earlier entry asking the very same thing may answer instead.
            Answer::Confident { entry, score, .. } => {
                prop_assert_eq!(question_terms(&entries[entry].question), question_terms(&picked));
                prop_assert_eq!(score, 1.0);
            }
            other => prop_assert!(false, "{picked:?} got {other:?}"),
        }
    }
}
