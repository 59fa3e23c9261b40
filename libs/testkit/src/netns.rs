//! Separate network hosts on one machine for partition tests: one network
//! namespace per host, each joined by a veth pair to a bridge in the root
//! namespace, all on one small subnet of 198.18.0.0/15 (the range set aside
//! for network tests, RFC 2544). The root namespace holds the bridge's
//! address, so processes there (the services) reach every host by its own
//! IP, and the hosts reach each other through the bridge.
//!
//! [`Network::isolate`] sets the host's end of a veth down: the host is cut
//! off from every other host and from the root namespace at once, and its
//! open TCP connections just stall, as on a real partition (no reset).
//! [`Network::heal`] sets it up again.
//!
//! Names carry the creating process's id (`sbn{pid}-{n}` for the bridge,
//! `sbn{pid}-{n}-{host}` for the namespaces and veths, in hex), so parallel
//! test processes never collide, and [`Network::create`] first removes
//! what a killed earlier run left behind (names whose process is gone).
//! Needs root and `ip` (iproute2).

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// Every name this module creates starts so.
const PREFIX: &str = "sbn";
/// 198.18.0.0/15 cut into /28s: the bridge is `.1`, hosts from `.2`.
const RANGE_START: u32 = u32::from_be_bytes([198, 18, 0, 0]);
const SUBNET_BITS: u32 = 4;
const SUBNETS: u32 = 1 << (17 - SUBNET_BITS);
const PREFIX_LEN: u32 = 32 - SUBNET_BITS;
/// Hosts per network: a /28 less the network, bridge and broadcast addresses.
pub const MAX_HOSTS: usize = (1 << SUBNET_BITS) - 3;
/// Linux's limit on an interface name (IFNAMSIZ less the NUL).
const IFNAME_MAX: usize = 15;

static NETWORKS: AtomicU32 = AtomicU32::new(0);

/// True when this run must exercise network partitions
/// (`SWITCHBOARD_REQUIRE_NETNS=1`, set by `make test`): a partition test
/// that cannot make namespaces fails instead of skipping.
pub fn require_netns() -> bool {
    matches!(
        std::env::var("SWITCHBOARD_REQUIRE_NETNS").as_deref(),
        Ok("1" | "true")
    )
}

/// Why namespaces cannot be used here.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bridge and `hosts` namespaces attached to it; removed on drop.
pub struct Network {
    bridge: String,
    subnet: u32,
    hosts: usize,
}

impl Network {
    /// Creates the bridge and the namespaces (after sweeping a dead run's).
    pub fn create(hosts: usize) -> Result<Self, Unavailable> {
        assert!(
            (1..=MAX_HOSTS).contains(&hosts),
            "a network has 1 to {MAX_HOSTS} hosts"
        );
        sweep_leftovers();
        let pid = std::process::id();
        let n = NETWORKS.fetch_add(1, Ordering::Relaxed);
        let network = Self {
            bridge: format!("{PREFIX}{pid:x}-{n:x}"),
            subnet: free_subnet(pid, n)?,
            hosts,
        };
        assert!(
            network.veth(hosts - 1).len() <= IFNAME_MAX,
            "interface name {} is too long",
            network.veth(hosts - 1)
        );
        // On failure, drop removes whatever part was made.
        let bridge = &network.bridge;
        ip(&[
            "link",
            "add",
            bridge,
            "type",
            "bridge",
            "forward_delay",
            "0",
        ])?;
        let gateway = format!("{}/{PREFIX_LEN}", network.bridge_ip());
        ip(&["addr", "add", &gateway, "dev", bridge])?;
        ip(&["link", "set", bridge, "up"])?;
        for host in 0..hosts {
            network.attach(host)?;
        }
        Ok(network)
    }

    /// The root namespace's address on the network.
    pub fn bridge_ip(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.subnet + 1)
    }

    /// A host's address.
    pub fn ip(&self, host: usize) -> Ipv4Addr {
        Ipv4Addr::from(self.subnet + 2 + host as u32)
    }

    /// A host's namespace, for `ip netns exec`.
    pub fn namespace(&self, host: usize) -> String {
        self.veth(host)
    }

    /// A command that runs `program` inside a host's namespace.
    pub fn command(&self, host: usize, program: &std::path::Path) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("ip");
        command
            .args(["netns", "exec", &self.namespace(host)])
            .arg(program);
        command
    }

    /// Cuts a host off from every other host and from the root namespace.
    pub fn isolate(&self, host: usize) {
        ip(&["link", "set", "dev", &self.veth(host), "down"])
            .unwrap_or_else(|e| panic!("isolate host {host}: {e}"));
    }

    /// Joins an isolated host to the network again.
    pub fn heal(&self, host: usize) {
        ip(&["link", "set", "dev", &self.veth(host), "up"])
            .unwrap_or_else(|e| panic!("heal host {host}: {e}"));
    }

    /// The root namespace's end of a host's veth pair (the namespace has
    /// the same name; the other end is `eth0` in it).
    fn veth(&self, host: usize) -> String {
        format!("{}-{host}", self.bridge)
    }

    fn attach(&self, host: usize) -> Result<(), Unavailable> {
        let (namespace, veth) = (self.namespace(host), self.veth(host));
        ip(&["netns", "add", &namespace])?;
        ip(&[
            "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &namespace,
        ])?;
        ip(&["link", "set", &veth, "master", &self.bridge])?;
        ip(&["link", "set", &veth, "up"])?;
        let address = format!("{}/{PREFIX_LEN}", self.ip(host));
        let inside = ["netns", "exec", &namespace, "ip"];
        ip(&[&inside[..], &["addr", "add", &address, "dev", "eth0"]].concat())?;
        ip(&[&inside[..], &["link", "set", "eth0", "up"]].concat())?;
        ip(&[&inside[..], &["link", "set", "lo", "up"]].concat())?;
        Ok(())
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        // Deleting a veth deletes its peer in the namespace; a namespace
        // outlives its name only while a process still runs in it.
        for host in 0..self.hosts {
            let _ = ip(&["link", "del", &self.veth(host)]);
            let _ = ip(&["netns", "del", &self.namespace(host)]);
        }
        let _ = ip(&["link", "del", &self.bridge]);
    }
}

/// Runs `ip ARGS`; the error names the command and what `ip` said.
fn ip(args: &[&str]) -> Result<String, Unavailable> {
    let output = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Unavailable(format!("cannot run `ip` (iproute2): {e}")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Unavailable(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// A /28 of the range that no address of the root namespace is in,
/// starting from one picked by the process id (so parallel runs start apart).
fn free_subnet(pid: u32, n: u32) -> Result<u32, Unavailable> {
    let taken: Vec<u32> = ip(&["-o", "-4", "addr", "show"])?
        .lines()
        .filter_map(|line| {
            let address = line
                .split_whitespace()
                .skip_while(|w| *w != "inet")
                .nth(1)?;
            let (address, _) = address.split_once('/')?;
            address.parse::<Ipv4Addr>().ok().map(u32::from)
        })
        .collect();
    let first = pid.wrapping_mul(7919).wrapping_add(n) % SUBNETS;
    (0..SUBNETS)
        .map(|step| RANGE_START + (((first + step) % SUBNETS) << SUBNET_BITS))
        .find(|subnet| {
            !taken
                .iter()
                .any(|a| a >> SUBNET_BITS == subnet >> SUBNET_BITS)
        })
        .ok_or_else(|| Unavailable("every test subnet of 198.18.0.0/15 is in use".to_owned()))
}

/// Removes the namespaces, veths and bridges of processes that are gone
/// (a run killed before it could clean up), and the servers still running
/// in those namespaces.
fn sweep_leftovers() {
    let dead = |name: &str| {
        let Some(rest) = name.strip_prefix(PREFIX) else {
            return false;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        u32::from_str_radix(pid, 16)
            .is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
    };
    let namespaces = ip(&["netns", "list"]).unwrap_or_default();
    for name in namespaces
        .lines()
        .filter_map(|l| l.split_whitespace().next())
    {
        if !dead(name) {
            continue;
        }
        let pids = ip(&["netns", "pids", name]).unwrap_or_default();
        for pid in pids.split_whitespace() {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
        let _ = ip(&["netns", "del", name]);
    }
    let links = ip(&["-o", "link", "show"]).unwrap_or_default();
    for line in links.lines() {
        // `7: sbn1a2b-0-1@if6: <...`
        let Some(name) = line.split(": ").nth(1) else {
            continue;
        };
        let name = name.split('@').next().unwrap_or(name);
        if dead(name) {
            let _ = ip(&["link", "del", name]);
        }
    }
}
