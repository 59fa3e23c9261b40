//! The rules, as plain functions with no I/O.
//!
//! | module | what |
//! |---|---|
//! | [`decide`] | which conversation events call for which step |
//! | [`compose`] | a new item's summary and description |
//! | [`status`] | statuses and the moves agents may make |
//! | [`request`] | work-item requests parsed into typed ids and filters |

pub mod compose;
pub mod decide;
pub mod request;
pub mod status;

pub use compose::{NewWorkItem, compose};
pub use decide::{Step, decide};
pub use request::{ListFilter, Request};
pub use status::{Move, Status, check_move};
