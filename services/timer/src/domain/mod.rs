//! The timer service's functional core: plain synchronous code with time
//! passed in, so it is tested without a runtime or a real clock.
//!
//! | module | what it holds |
//! |---|---|
//! | [`wheel`] | [`Wheel`], the in-memory hierarchical timing wheel of pending timers |
//! | [`table`] | [`TimerTable`]: the wheel plus each owned timer's record, revision and partition |
//! | [`assignment`] | which partitions an instance should hold, and which leases it may take |

pub mod assignment;
pub mod table;
pub mod wheel;

pub use table::{Due, TimerTable};
pub use wheel::{TimerKey, Wheel};
