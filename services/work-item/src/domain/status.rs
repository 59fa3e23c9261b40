//! A work item's status and the moves agents may make between them.
//!
//! | from \ to | open | in_progress | resolved |
//! |---|---|---|---|
//! | open | — | yes | yes |
//! | in_progress | no | — | yes |
//! | resolved | yes (reopen) | no | — |
//!
//! Work only moves forward, except that a resolved item can be reopened
//! when the customer's problem comes back. Asking for the status an item
//! already has is not a move: it changes nothing and is not an error, so a
//! retried update is harmless.

use std::fmt;

use crate::error::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    InProgress,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Open, Status::InProgress, Status::Resolved];

    /// The wire (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
        }
    }

    /// Parses a wire name; the refusal names `field` and the allowed values.
    pub fn parse(field: &str, name: &str) -> Result<Self, Refusal> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| {
                Refusal::Invalid(format!(
                    "{field} must be one of open, in_progress, resolved (got `{}`)",
                    name.chars().take(40).collect::<String>()
                ))
            })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an update asking for `to` does to an item in `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The item already has that status: nothing to change.
    Stay,
    /// An allowed change.
    Change,
}

/// Checks a requested status change against the table above.
pub fn check_move(from: Status, to: Status) -> Result<Move, Refusal> {
    use Status::*;
    match (from, to) {
        _ if from == to => Ok(Move::Stay),
        (Open, InProgress | Resolved) | (InProgress, Resolved) | (Resolved, Open) => {
            Ok(Move::Change)
        }
        _ => Err(Refusal::Invalid(format!(
            "status cannot move from {from} to {to} (allowed: open → in_progress, \
             open → resolved, in_progress → resolved, resolved → open)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused_by_field() {
        for status in Status::ALL {
            assert_eq!(Status::parse("status", status.as_str()), Ok(status));
        }
        let refused = Status::parse("status", "done").unwrap_err();
        assert_eq!(refused.code(), "invalid");
        assert!(refused.to_string().starts_with("status must be one of"));
    }

    #[test]
    fn work_moves_forward_and_a_resolved_item_can_be_reopened() {
        use Status::*;
        for (from, to) in [
            (Open, InProgress),
            (Open, Resolved),
            (InProgress, Resolved),
            (Resolved, Open),
        ] {
            assert_eq!(check_move(from, to), Ok(Move::Change), "{from} → {to}");
        }
    }

    #[test]
    fn backward_moves_are_refused_naming_the_transition() {
        use Status::*;
        for (from, to) in [(InProgress, Open), (Resolved, InProgress)] {
            let refused = check_move(from, to).unwrap_err();
            assert_eq!(refused.code(), "invalid");
            assert!(
                refused
                    .to_string()
                    .contains(&format!("from {from} to {to}")),
                "{refused}"
            );
        }
    }

    #[test]
    fn asking_for_the_current_status_changes_nothing() {
        for status in Status::ALL {
            assert_eq!(check_move(status, status), Ok(Move::Stay));
        }
    }
}
