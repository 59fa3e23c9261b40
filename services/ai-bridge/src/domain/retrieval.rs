//! The built-in AI agent's knowledge base: question/answer pairs indexed for
//! BM25F retrieval, and the decision whether the best match is good enough to send.
//!
//! Ranking is classic BM25 with two fields: a question term counts
//! twice an answer term (`QUESTION_WEIGHT`), and each field is length-normalised
//! against its own average, so one long answer cannot bury its question.
//!
//! Confidence is the top score divided by the score of an *ideal* entry for this
//! query — one whose question is exactly the query — capped at 1. That ratio
//! reads the same whatever the size of the knowledge base: asking a stored
//! question word for word gives 1, and a query half made of words the knowledge
//! base has never seen cannot get far past 0.5.

use std::collections::{BTreeMap, HashMap};

use super::text;

pub use switchboard_contracts::texts::NO_ANSWER as NO_ANSWER_TEXT;

/// The least confidence at which an answer is sent (see the module docs for the
/// scale). Tuned on the demo knowledge base in the tests: paraphrases of a stored
/// question score 0.5–1, one known word among two unknown ones at most 0.27, and
/// the line falls inside the class in between — one known word beside one word
/// the knowledge base has never seen, 0.26–0.47. At 0.4 that passes when the known
/// word runs through the entry's question *and* answer ("what time do you open" →
/// opening hours, 0.43) and fails when it only brushes it ("reset my router" →
/// password reset, 0.38; "delete my account" → change email, 0.31). The suggested
/// 0.35 would send the password answer to the router question.
pub const CONFIDENCE_THRESHOLD: f64 = 0.4;

/// BM25 term-frequency saturation.
const K1: f64 = 1.2;
/// BM25 length normalisation: 0 ignores length, 1 divides by it fully.
const B: f64 = 0.75;
/// How many answer occurrences one question occurrence is worth: the question is
/// what the customer's message most resembles, the answer only talks around it.
const QUESTION_WEIGHT: f64 = 2.0;
/// Candidates within this fraction of the top confidence count as a tie, settled
/// by question overlap rather than by a score difference that means nothing.
const TIE_MARGIN: f64 = 0.05;

/// One question/answer pair of a tenant's knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub question: String,
    pub answer: String,
}

/// What the agent should do with a customer's message.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Send `answer`, the answer of entry number `entry` (in build order).
    /// `score` is the confidence, in `[CONFIDENCE_THRESHOLD, 1]`.
    Confident {
        entry: usize,
        answer: String,
        score: f64,
    },
    /// Nothing good enough; `best_score` is the top confidence, in
    /// `[0, CONFIDENCE_THRESHOLD)`.
    NotConfident { best_score: f64 },
}

/// An immutable, searchable knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Index {
    entries: Vec<Entry>,
    docs: Vec<Doc>,
    vocabulary: HashMap<String, usize>,
    /// Per term id, the entries containing it, in entry order.
    postings: Vec<Vec<Posting>>,
    avg_question_len: f64,
    avg_answer_len: f64,
}

#[derive(Debug, Clone)]
struct Doc {
    question_len: f64,
    answer_len: f64,
    /// Sorted, deduplicated term ids of the question, for the tie-break.
    question_terms: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Posting {
    entry: usize,
    in_question: u32,
    in_answer: u32,
}

impl Index {
    pub fn build(entries: impl IntoIterator<Item = Entry>) -> Self {
        let entries: Vec<Entry> = entries.into_iter().collect();
        let mut index = Index::default();
        for (i, entry) in entries.iter().enumerate() {
            let question: Vec<usize> = text::terms(&entry.question)
                .map(|t| index.intern(t))
                .collect();
            let answer: Vec<usize> = text::terms(&entry.answer)
                .map(|t| index.intern(t))
                .collect();
            let mut counts: BTreeMap<usize, (u32, u32)> = BTreeMap::new();
            for &t in &question {
                counts.entry(t).or_default().0 += 1;
            }
            for &t in &answer {
                counts.entry(t).or_default().1 += 1;
            }
            for (t, (in_question, in_answer)) in counts {
                index.postings[t].push(Posting {
                    entry: i,
                    in_question,
                    in_answer,
                });
            }
            let mut question_terms = question.clone();
            question_terms.sort_unstable();
            question_terms.dedup();
            index.docs.push(Doc {
                question_len: question.len() as f64,
                answer_len: answer.len() as f64,
                question_terms,
            });
        }
        index.entries = entries;
        let n = index.docs.len().max(1) as f64;
        index.avg_question_len = index.docs.iter().map(|d| d.question_len).sum::<f64>() / n;
        index.avg_answer_len = index.docs.iter().map(|d| d.answer_len).sum::<f64>() / n;
        index
    }

    /// The decision for one customer message. Deterministic: equal candidates go
    /// to the earlier entry.
    pub fn best(&self, query: &str) -> Answer {
        let query = self.parse(query);
        if query.known.is_empty() {
            return Answer::NotConfident { best_score: 0.0 };
        }

        let ideal = self.ideal_score(&query);
        let mut scores = vec![0.0_f64; self.docs.len()];
        for &t in &query.known {
            let idf = self.idf(self.postings[t].len());
            for p in &self.postings[t] {
                let doc = &self.docs[p.entry];
                let tf = QUESTION_WEIGHT * f64::from(p.in_question)
                    / length_norm(doc.question_len, self.avg_question_len)
                    + f64::from(p.in_answer) / length_norm(doc.answer_len, self.avg_answer_len);
                scores[p.entry] += idf * saturate(tf);
            }
        }
        // Capped: an entry can beat the ideal (its answer repeats the words too),
        // but "more than a word-for-word match" is not more confidence.
        let confidence: Vec<f64> = scores.iter().map(|s| (s / ideal).min(1.0)).collect();

        let top = confidence.iter().copied().fold(0.0, f64::max);
        if top < CONFIDENCE_THRESHOLD {
            return Answer::NotConfident { best_score: top };
        }

        let floor = CONFIDENCE_THRESHOLD.max(top * (1.0 - TIE_MARGIN));
        let mut chosen: Option<(usize, f64, f64)> = None;
        for (i, &c) in confidence.iter().enumerate() {
            if c < floor {
                continue;
            }
            let overlap = jaccard(&query.known_ids, &self.docs[i].question_terms);
            // Strictly better only, so ties stay with the earlier entry.
            let better = chosen.is_none_or(|(_, o, best_c)| (overlap, c) > (o, best_c));
            if better {
                chosen = Some((i, overlap, c));
            }
        }
        let (entry, _, score) = chosen.expect("the top entry is always a candidate");
        Answer::Confident {
            entry,
            answer: self.entries[entry].answer.clone(),
            score,
        }
    }

    fn intern(&mut self, term: String) -> usize {
        let next = self.postings.len();
        let id = *self.vocabulary.entry(term).or_insert(next);
        if id == next {
            self.postings.push(Vec::new());
        }
        id
    }

    fn parse(&self, query: &str) -> Query {
        let mut counts: Vec<(Option<usize>, u32)> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut len = 0_u32;
        for term in text::terms(query) {
            len += 1;
            let id = self.vocabulary.get(&term).copied();
            let slot = *index_of.entry(term).or_insert_with(|| {
                counts.push((id, 0));
                counts.len() - 1
            });
            counts[slot].1 += 1;
        }
        let known: Vec<usize> = counts.iter().filter_map(|&(id, _)| id).collect();
        let mut known_ids = known.clone();
        known_ids.sort_unstable();
        Query {
            counts,
            known,
            known_ids,
            len: f64::from(len),
        }
    }

    /// The score of an entry whose question is the query and whose answer shares
    /// nothing with it. Words the knowledge base has never seen count with the
    /// weight of a term no entry contains: a query that is half about something
    /// unknown is not a confident match for the half we do know ("reset my
    /// router" is not the password-reset question).
    fn ideal_score(&self, query: &Query) -> f64 {
        let norm = length_norm(query.len, self.avg_question_len);
        query
            .counts
            .iter()
            .map(|&(id, n)| {
                let df = id.map_or(0, |t| self.postings[t].len());
                self.idf(df) * saturate(QUESTION_WEIGHT * f64::from(n) / norm)
            })
            .sum()
    }

    /// BM25's idf, in the "+1" form that never goes negative for common terms.
    fn idf(&self, df: usize) -> f64 {
        let (n, df) = (self.docs.len() as f64, df as f64);
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }
}

struct Query {
    /// Each distinct query term (its id if the index knows it) and its count,
    /// in first-seen order so float sums are always added up the same way.
    counts: Vec<(Option<usize>, u32)>,
    /// The ids of the known terms, in first-seen order and sorted.
    known: Vec<usize>,
    known_ids: Vec<usize>,
    len: f64,
}

fn length_norm(len: f64, avg: f64) -> f64 {
    if avg > 0.0 {
        1.0 - B + B * len / avg
    } else {
        1.0
    }
}

fn saturate(tf: f64) -> f64 {
    tf * (K1 + 1.0) / (tf + K1)
}

/// |a ∩ b| / |a ∪ b| of two sorted, deduplicated id lists.
fn jaccard(a: &[usize], b: &[usize]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => (both, i, j) = (both + 1, i + 1, j + 1),
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
