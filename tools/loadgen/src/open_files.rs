//! Whether the process may open enough files for the sockets a run needs.
//!
//! A process cannot raise its own limit without `setrlimit` (unsafe code,
//! forbidden in this workspace), so this only checks and says how to raise
//! it; `make bench` raises it before starting the loadgen.

use anyhow::bail;

/// File descriptors a run needs: per conversation a customer socket plus an
/// echo client and an echo server socket in the loadgen (the gateway, a
/// child, inherits the limit and needs one each), plus headroom.
fn needed(max_conversations: usize) -> u64 {
    3 * max_conversations as u64 + 512
}

/// The soft "Max open files" limit in the text of `/proc/self/limits`.
fn soft_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    match soft {
        "unlimited" => Some(u64::MAX),
        number => number.parse().ok(),
    }
}

/// This process's soft open-files limit, when it can be read (Linux).
pub fn current_limit() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| soft_limit(&text))
}

/// Fails with how to fix it when the limit is too low; passes when it cannot
/// be read (not Linux).
pub fn check(max_conversations: usize) -> anyhow::Result<()> {
    let needed = needed(max_conversations);
    let limit = current_limit();
    match limit {
        Some(limit) if limit < needed => bail!(
            "{max_conversations} conversations need about {needed} open files but the limit is {limit}; \
             run under `ulimit -n 65536` (or the hard limit, `ulimit -Hn`), as `make bench` does"
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "Limit                     Soft Limit           Hard Limit           Units     \n\
Max processes             unlimited            unlimited            processes \n\
Max open files            1024                 524288               files     \n";

    #[test]
    fn the_soft_open_files_limit_is_read_from_proc_limits() {
        assert_eq!(soft_limit(LIMITS), Some(1024));
        assert_eq!(
            soft_limit(&LIMITS.replace("1024 ", "unlimited ")),
            Some(u64::MAX)
        );
        assert_eq!(soft_limit("Max processes 10 10 processes"), None);
    }

    #[test]
    fn a_thousand_conversations_do_not_fit_in_the_usual_default_of_1024() {
        assert!(needed(1000) > 1024);
        assert!(needed(1) <= 1024);
    }
}
