//! Free ports for the servers a test starts, picked outside the kernel's
//! ephemeral range and reserved across the test processes of a run.
//!
//! A port the kernel hands out for `bind(":0")` comes from the same range
//! it draws the local ports of outgoing connections from: between picking
//! such a port and a child process binding it, any connection opened by a
//! parallel test may take it (`Address already in use`). Ports below that
//! range are never given to outgoing connections, so a port checked free
//! there stays free unless another test picks the very same one. A port is
//! also free for a moment while a test restarts the process on it, so every
//! port handed out is reserved for an hour by a file in a shared directory:
//! no other test process of the run is given it.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The lowest port handed out: above the well-known and most registered
/// services' ports.
const LOWEST: u16 = 20_000;

/// How long a reservation holds: longer than any test run.
const RESERVED_FOR: Duration = Duration::from_secs(3_600);

/// Ports this process has handed out already.
static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A TCP port on 127.0.0.1 that was free a moment ago and is not in the
/// ephemeral range (falls back to one the kernel picks when no such port is
/// found).
pub fn free_port() -> u16 {
    let (low, _) = ephemeral_range();
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    if low > LOWEST + 1_000 {
        let span = u64::from(low - LOWEST);
        for _ in 0..200 {
            let port = LOWEST + (random() % span) as u16;
            if !given.contains(&port)
                && TcpListener::bind(("127.0.0.1", port)).is_ok()
                && reserve(&reservations(), port)
            {
                given.insert(port);
                return port;
            }
        }
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port");
    given.insert(port);
    port
}

/// The directory of the run's reservations, one empty file per port.
fn reservations() -> PathBuf {
    let dir = std::env::temp_dir().join("switchboard-test-ports");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Reserves `port` for this process unless another holds a reservation
/// younger than [`RESERVED_FOR`]. Without a usable directory nothing is
/// reserved and the port is taken as checked.
fn reserve(dir: &Path, port: u16) -> bool {
    let path = dir.join(port.to_string());
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
    };
    match create() {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let stale = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|age| age > RESERVED_FOR);
            // Of two processes finding it stale, one removes and creates it;
            // the other's create then fails.
            stale && std::fs::remove_file(&path).is_ok() && create().is_ok()
        }
        Err(_) => !dir.is_dir(),
    }
}

/// The kernel's range for outgoing connections' local ports (Linux), or the
/// IANA dynamic range where it cannot be read.
fn ephemeral_range() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut parts = text.split_whitespace().map(|p| p.parse::<u16>().ok());
            Some((parts.next()??, parts.next()??))
        })
        .unwrap_or((49_152, 65_535))
}

/// A random number: the standard library's randomly keyed hasher, fed the
/// time, so parallel test processes pick different ports.
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_below_the_ephemeral_range_and_never_repeat() {
        let (low, _) = ephemeral_range();
        let ports: Vec<u16> = (0..50).map(|_| free_port()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        let dir = reservations();
        assert!(ports.iter().all(|p| dir.join(p.to_string()).exists()));
        if low > LOWEST + 1_000 {
            assert!(
                ports.iter().all(|&p| (LOWEST..low).contains(&p)),
                "{ports:?}"
            );
        }
    }
}

#[cfg(test)]
mod reservation_tests {
    use super::*;

    #[test]
    fn a_port_reserved_by_another_process_is_not_handed_out_again() {
        let dir = tempfile::tempdir().unwrap();
        assert!(reserve(dir.path(), 20_001));
        assert!(!reserve(dir.path(), 20_001));
        assert!(reserve(dir.path(), 20_002));
    }
}
