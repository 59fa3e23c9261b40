//! When the built-in AI agent hands a conversation to the support team
//! (SPEC §4 (b)): the customer's message explicitly asks for a person, or the
//! agent has had no confident answer twice in a row.
//!
//! Detection works on lowercased words and a few phrase shapes, one sentence at a
//! time. It leans towards *not* firing: a false handoff spends an agent's time and
//! drops the customer out of instant answers, while a missed one is cheap — the
//! widget always offers "Talk to a person" (SPEC §4 (a)) and a second miss hands
//! off anyway.
//!
//! Asking *what* is answering ("is this answered by a person or a bot?", "are you
//! human?") is a question about the service, not a request for a person, so it
//! does not fire; the agent answers it, and a follow-up "then let me talk to a
//! human" does fire.

use super::text;

/// Unconfident replies in a row at which the agent hands off, unless the AI
/// agent's handoff settings say otherwise (`after_unsure`, 0 = never, 1–5).
pub const MISSES_BEFORE_HANDOFF: u32 = 2;

/// The unsure-answers rule as a pure step: give it the stored streak, whether
/// this reply was confident and the agent's `after_unsure` threshold; store
/// the first value, hand off if the second is true. A confident answer clears
/// the streak, and so does a handoff, so a conversation that comes back to the
/// AI agent starts counting afresh. A threshold of 0 never hands off.
pub fn should_hand_off(previous_misses: u32, confident: bool, after_unsure: u32) -> (u32, bool) {
    if confident {
        return (0, false);
    }
    let misses = previous_misses.saturating_add(1);
    if after_unsure > 0 && misses >= after_unsure {
        (0, true)
    } else {
        (misses, false)
    }
}

/// Whether the message explicitly asks to be handed to a person.
pub fn asks_for_human(message: &str) -> bool {
    message
        .split(['.', '?', '!', ';', ',', ':', '\n'])
        .any(|sentence| {
            let owned: Vec<String> = text::words(sentence).collect();
            let w: Vec<&str> = owned.iter().map(String::as_str).collect();
            !asks_what_is_answering(&w)
                && (is_bare_request(&w) || has_qualified_person(&w) || has_request_phrase(&w))
        })
}

/// Nouns that name a person, enough even as a one-word message ("human").
const PERSON: &[&str] = &[
    "advisor",
    "adviser",
    "agent",
    "agents",
    "employee",
    "human",
    "humans",
    "manager",
    "operator",
    "person",
    "rep",
    "representative",
    "staff",
    "supervisor",
];
/// Only a person after a verb: "anyone?" alone is more likely "is anyone there".
const SOMEONE: &[&str] = &["anybody", "anyone", "somebody", "someone"];
/// Reachable by the contact verbs only: "I need support" is not a handoff request.
const TEAM: &[&str] = &["helpdesk", "service", "support", "team"];
/// Words after a person noun that make it something else: "the human body", or a
/// possessive ("give me the agent's name" → `agent`, `s`).
const NOT_A_PERSON: &[&str] = &["body", "error", "nature", "resources", "rights", "s"];
/// Verbs that ask to be put in touch with someone; they need a link word
/// ("talk *to*", "connect *me*") so "the chat agent" does not fire. Past and
/// progressive forms are left out on purpose: "I talked to an agent yesterday"
/// tells a story, it does not make a request.
const CONTACT: &[&str] = &[
    "chat", "connect", "escalate", "forward", "pass", "put", "speak", "talk", "transfer",
];
const LINK: &[&str] = &["me", "through", "to", "us", "with"];
/// Verbs of wanting; they need a first-person subject or "me" ("get me a human").
const DESIRE: &[&str] = &["get", "give", "like", "need", "request", "want"];
/// Words allowed between a verb and the person it names.
const FILLER: &[&str] = &[
    "a", "actual", "an", "any", "customer", "from", "it", "live", "me", "member", "my", "now",
    "of", "one", "please", "proper", "real", "some", "the", "this", "through", "to", "us", "with",
    "you", "your",
];
/// Everything a bare request ("agent please", "a real person now") may contain.
const BARE: &[&str] = &[
    "a", "actual", "an", "asap", "hello", "hey", "hi", "just", "live", "me", "now", "ok", "okay",
    "please", "pls", "plz", "real", "the",
];
const QUALIFIER: &[&str] = &["actual", "human", "live", "real"];
const QUALIFIED: &[&str] = &[
    "agent",
    "agents",
    "assistance",
    "being",
    "help",
    "human",
    "operator",
    "people",
    "person",
    "representative",
    "somebody",
    "someone",
    "support",
];
const NEGATION: &[&str] = &[
    "didn", "doesn", "don", "dont", "never", "not", "won", "wont", "wouldn",
];
const MACHINE: &[&str] = &[
    "ai",
    "automated",
    "bot",
    "chatbot",
    "computer",
    "machine",
    "robot",
];
/// Verbs that turn "are you …" from a question about us into a request.
const HANDOFF_VERBS: &[&str] = &[
    "connect", "escalate", "forward", "get", "give", "let", "like", "need", "pass", "put",
    "transfer", "want",
];

fn is_in(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

/// "human", "agent please", "a real person now!": the whole sentence is the ask.
fn is_bare_request(w: &[&str]) -> bool {
    w.len() <= 6
        && w.iter().any(|x| is_in(PERSON, x))
        && w.iter().all(|x| is_in(PERSON, x) || is_in(BARE, x))
}

/// "real person", "live agent", "human support" anywhere in the sentence.
fn has_qualified_person(w: &[&str]) -> bool {
    w.windows(2)
        .any(|p| is_in(QUALIFIER, p[0]) && is_in(QUALIFIED, p[1]))
}

/// "talk to a human", "connect me to support", "I want an agent", "get me someone",
/// "is there a person …".
fn has_request_phrase(w: &[&str]) -> bool {
    // Four words back reaches over "don't want to" (`don`, `t`, `want`, `to`) to
    // the verb; the comma split keeps "No, I want a human" out of reach.
    let negated = |i: usize| w[i.saturating_sub(4)..i].iter().any(|x| is_in(NEGATION, x));
    (0..w.len()).any(|i| {
        if negated(i) {
            return false;
        }
        if is_in(CONTACT, w[i]) {
            names_target(&w[i + 1..], true)
        } else if is_in(DESIRE, w[i]) {
            let me_next = w.get(i + 1) == Some(&"me");
            let first_person = i == 0
                || w[i.saturating_sub(3)..i]
                    .iter()
                    .any(|x| matches!(*x, "i" | "we"));
            (me_next || first_person) && names_target(&w[i + 1..], false)
        } else if w[i] == "there" && i > 0 && matches!(w[i - 1], "is" | "are") {
            names_target(&w[i + 1..], false)
        } else {
            false
        }
    })
}

/// Whether the words after a verb reach a person (or, for contact verbs, the
/// team) through filler only. Contact verbs also need a link word on the way.
fn names_target(after: &[&str], contact: bool) -> bool {
    let mut linked = !contact;
    for (j, &x) in after.iter().take(6).enumerate() {
        let is_target = is_in(PERSON, x) || is_in(SOMEONE, x) || (contact && is_in(TEAM, x));
        if is_target && linked {
            return !after
                .get(j + 1)
                .is_some_and(|next| is_in(NOT_A_PERSON, next));
        }
        if !is_in(FILLER, x) {
            return false;
        }
        linked |= is_in(LINK, x);
    }
    false
}

/// "are you human?", "is this a real person?", "am I talking to a bot?",
/// "is this answered by a person or a bot?".
fn asks_what_is_answering(w: &[&str]) -> bool {
    let names_someone = w
        .iter()
        .any(|x| is_in(PERSON, x) || is_in(SOMEONE, x) || is_in(MACHINE, x));
    let person_or_machine = w.contains(&"or") && w.iter().any(|x| is_in(MACHINE, x));
    let opener = matches!(
        w,
        ["are" | "were", "you", ..] | ["is" | "was", "this" | "that", ..] | ["am", "i", ..]
    );
    let question_verb = matches!(
        w.first(),
        Some(&("is" | "are" | "am" | "was" | "were" | "do" | "does"))
    );
    let asks_for_more = w.iter().any(|x| is_in(HANDOFF_VERBS, x));
    (question_verb && person_or_machine) || (opener && names_someone && !asks_for_more)
}

#[cfg(test)]
mod tests;
