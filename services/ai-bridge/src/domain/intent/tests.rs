//! Intent tests: explicit asks for a person, look-alikes that must not fire, and
//! the two-misses rule.

use proptest::prelude::*;

use super::*;

#[track_caller]
fn assert_fires(messages: &[&str]) {
    for message in messages {
        assert!(
            asks_for_human(message),
            "{message:?} should ask for a person"
        );
    }
}

#[track_caller]
fn assert_quiet(messages: &[&str]) {
    for message in messages {
        assert!(
            !asks_for_human(message),
            "{message:?} should not ask for a person"
        );
    }
}

#[test]
fn asking_to_talk_to_a_person_hands_off() {
    assert_fires(&[
        "I want to talk to a human",
        "Can I speak to someone?",
        "speak with an agent please",
        "Please connect me to support",
        "transfer me to customer service",
        "put me through to a representative",
        "let me talk to your manager",
        "Is it possible to speak to a member of staff?",
        "is there a human I can talk to",
        "I need someone to look at my account",
    ]);
}

#[test]
fn a_bare_ask_for_a_person_hands_off() {
    assert_fires(&[
        "human",
        "Human!",
        "agent please",
        "Representative.",
        "operator",
        "a real person now",
    ]);
}

#[test]
fn a_qualified_person_anywhere_hands_off() {
    assert_fires(&[
        "this is useless, real person please",
        "live agent",
        "I'd rather have an actual human look at this",
        "is there human support?",
    ]);
}

#[test]
fn an_ask_after_other_sentences_still_counts() {
    assert_fires(&[
        "My order never arrived. I want a human.",
        "Are you a bot? Get me a person",
        "No, give me an agent",
        "I don't want a bot or anything, human please",
    ]);
}

#[test]
fn the_word_human_in_other_senses_does_not_hand_off() {
    assert_quiet(&[
        "the human body",
        "Do you ship books about human anatomy?",
        "I'd like to talk to human resources about a job",
        "Can you give me the agent's name from my last chat?",
    ]);
}

#[test]
fn telling_a_story_about_a_person_does_not_hand_off() {
    assert_quiet(&[
        "I talked to an agent yesterday and he promised a refund",
        "your representative was rude",
        "The chat agent said it would ship today",
        "You need a person to sign for the parcel?",
        "how do I contact support?",
        "I need support with my order",
    ]);
}

#[test]
fn declining_a_person_does_not_hand_off() {
    assert_quiet(&[
        "I don't want to talk to a human, just tell me the hours",
        "I do not need an agent",
        "never connect me to support",
    ]);
}

#[test]
fn asking_what_is_answering_does_not_hand_off() {
    // A question about the service, which the agent can answer; the customer who
    // then wants a person says so, or uses the widget's "Talk to a person".
    assert_quiet(&[
        "Is this answered by a person or a bot?",
        "are you human?",
        "Is this a real person?",
        "Am I talking to a human?",
        "human or bot?",
    ]);
    assert_fires(&["Are you able to connect me to an agent?"]);
}

#[test]
fn ordinary_questions_do_not_hand_off() {
    assert_quiet(&[
        "",
        "How do I reset my password?",
        "what are your opening hours",
        "hi",
        "thanks!",
    ]);
}

const DEFAULT: u32 = MISSES_BEFORE_HANDOFF;

#[test]
fn a_confident_answer_clears_the_miss_streak() {
    assert_eq!(should_hand_off(0, true, DEFAULT), (0, false));
    assert_eq!(should_hand_off(1, true, DEFAULT), (0, false));
}

#[test]
fn the_first_miss_is_remembered_without_handing_off() {
    assert_eq!(should_hand_off(0, false, DEFAULT), (1, false));
}

#[test]
fn the_second_miss_in_a_row_hands_off_and_resets() {
    assert_eq!(should_hand_off(1, false, DEFAULT), (0, true));
}

#[test]
fn a_miss_after_a_confident_answer_starts_counting_again() {
    let (misses, _) = should_hand_off(0, false, DEFAULT);
    let (misses, _) = should_hand_off(misses, true, DEFAULT);
    assert_eq!(should_hand_off(misses, false, DEFAULT), (1, false));
}

#[test]
fn a_threshold_of_one_hands_off_at_the_first_miss() {
    assert_eq!(should_hand_off(0, false, 1), (0, true));
}

#[test]
fn a_threshold_of_five_waits_for_the_fifth_miss_in_a_row() {
    assert_eq!(should_hand_off(3, false, 5), (4, false));
    assert_eq!(should_hand_off(4, false, 5), (0, true));
}

#[test]
fn a_threshold_of_zero_never_hands_off_however_long_the_streak() {
    assert_eq!(should_hand_off(0, false, 0), (1, false));
    assert_eq!(should_hand_off(u32::MAX, false, 0), (u32::MAX, false));
}

proptest! {
    #[test]
    fn asks_for_human_never_panics(message in prop_oneof![any::<String>(), "\\PC{0,4000}"]) {
        let _ = asks_for_human(&message);
    }

    #[test]
    fn a_handoff_always_needs_the_threshold_of_misses_in_a_row(
        answers in prop::collection::vec(any::<bool>(), 0..50),
        threshold in 1u32..=5,
    ) {
        let (mut misses, mut run) = (0, 0);
        for confident in answers {
            let (next, hand_off) = should_hand_off(misses, confident, threshold);
            run = if confident { 0 } else { run + 1 };
            prop_assert_eq!(hand_off, run == threshold);
            if hand_off {
                run = 0;
            }
            prop_assert!(next < threshold);
            misses = next;
        }
    }

    #[test]
    fn a_stored_streak_from_anywhere_stays_in_range(
        previous in any::<u32>(),
        confident in any::<bool>(),
        threshold in 1u32..=5,
    ) {
        let (next, _) = should_hand_off(previous, confident, threshold);
        prop_assert!(next < threshold);
    }
}
