//! Facts about the machine and its processes, read from /proc: what a result
//! file records about where it was measured, and a process's resident memory
//! (the idle-socket and pending-timer figures).

use crate::results::Machine;

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

/// The value of `key:` in a /proc file of `key: value` lines.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.trim_start().strip_prefix(':'))
        .map(str::trim)
}

/// A `NNN kB` value in bytes.
fn kilobytes(value: &str) -> Option<u64> {
    let number = value.strip_suffix("kB").unwrap_or(value).trim();
    number.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// The machine the run is on; unknown facts are left empty.
pub fn facts() -> Machine {
    let cpuinfo = read("/proc/cpuinfo");
    let meminfo = read("/proc/meminfo");
    let git_commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    Machine {
        hostname: read("/proc/sys/kernel/hostname"),
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        cpu_model: field(&cpuinfo, "model name").unwrap_or_default().to_owned(),
        memory_bytes: field(&meminfo, "MemTotal").and_then(kilobytes).unwrap_or(0),
        kernel: read("/proc/sys/kernel/osrelease"),
        open_files_limit: crate::open_files::current_limit().unwrap_or(0),
        git_commit,
        loadgen_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// The resident memory of process `pid` in bytes (`VmRSS`).
pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| anyhow::anyhow!("read /proc/{pid}/status: {e}"))?;
    field(&status, "VmRSS")
        .and_then(kilobytes)
        .ok_or_else(|| anyhow::anyhow!("no VmRSS in /proc/{pid}/status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_and_kilobytes_are_read() {
        let status = "Name:\tgateway\nVmRSS:\t   20480 kB\nThreads:\t4\n";
        assert_eq!(
            field(status, "VmRSS").and_then(kilobytes),
            Some(20 * 1024 * 1024)
        );
        assert_eq!(field(status, "VmSwap"), None);
        assert_eq!(
            field("model name\t: AMD EPYC", "model name"),
            Some("AMD EPYC")
        );
    }

    #[test]
    fn this_process_has_a_resident_size() {
        assert!(rss_bytes(std::process::id()).unwrap() > 0);
    }
}
