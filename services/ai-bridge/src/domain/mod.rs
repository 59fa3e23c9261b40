//! The built-in AI agent's pure core: knowledge-base retrieval and the handoff
//! decisions of SPEC §4 and §8. Plain synchronous code with no I/O, so the
//! handlers can decode, load, decide here, then perform.
//!
//! | module | decides |
//! |---|---|
//! | [`retrieval`] | which knowledge-base answer to send, or that none is good enough |
//! | [`intent`] | whether the customer asked for a person, and the two-misses rule |
//! | `text` | (private) the word normalisation both of them share |

pub mod intent;
pub mod retrieval;
mod text;

pub use intent::{MISSES_BEFORE_HANDOFF, asks_for_human, should_hand_off};
pub use retrieval::{Answer, CONFIDENCE_THRESHOLD, Entry, Index, NO_ANSWER_TEXT};
