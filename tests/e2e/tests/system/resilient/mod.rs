//! What the tests that break the system underneath share (the fault test
//! kills processes, the partition test cuts a NATS node off): clients that
//! behave like the widget and the console do under faults, and the checks
//! run through the public API afterwards.

pub(crate) mod checks;
pub(crate) mod clients;
pub(crate) mod console;

use std::time::Duration;

/// How long one acknowledged step may take, faults included.
pub(crate) const STEP: Duration = Duration::from_secs(45);
/// A socket silent this long while waiting for an answer is replaced.
pub(crate) const SILENT: Duration = Duration::from_secs(3);
