//! Rate limits at the gateway's edge: a token bucket per caller, so one
//! runaway client cannot starve the others on a gateway instance.
//!
//! - The HTTP API, after authentication (so strangers cannot spend anyone's
//!   budget): the admins of a tenant share one bucket and every agent has
//!   its own, so an agent's script cannot lock the admins (or the other
//!   agents) out.
//! - The unauthenticated routes that cost something to answer (the widget
//!   script, the support page and both WebSocket upgrades): one bucket per
//!   client address ([`ClientAddress`]). IPv6 clients are counted per /64,
//!   the block one subscriber usually holds. Behind proxies the address is
//!   taken from `X-Forwarded-For`, as many entries from the right as there
//!   are proxies (`SWITCHBOARD_PROXY_HOPS`); the entries further left are
//!   whatever the client wrote and are never trusted.
//!
//! Every refusal is 429 `rate_limited` with `Retry-After`. Each instance
//! limits on its own: behind a load balancer a caller gets the rate once per
//! instance, which is what a guard against runaway clients needs (it is not
//! a billing quota).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use switchboard_contracts::ids::TenantId;

use crate::error::ApiError;
use crate::socket::rate::TokenBucket;
use crate::state::AppState;

/// Token buckets keyed by caller, each refilling at `per_second` with
/// bursts of twice that.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: u32,
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

/// Above this many buckets, full (idle) ones are dropped: they hold nothing a
/// fresh bucket would not.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            buckets: Mutex::default(),
        }
    }

    /// Whether `key` may make a request now; if not, how long until it may.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// [`RateLimiter::check`] at a given instant (tests pass the clock).
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, bucket| !bucket.is_full_at(now));
        }
        let bucket = buckets
            .entry(key.to_owned())
            .or_insert_with(|| TokenBucket::new(self.per_second, now));
        if bucket.try_take(now) {
            Ok(())
        } else {
            Err(bucket.wait())
        }
    }
}

/// The gateway's limiters.
#[derive(Debug)]
pub struct RateLimits {
    /// The HTTP API, per [`ApiCaller`].
    pub api: RateLimiter,
    /// The unauthenticated routes, per client address.
    pub addresses: RateLimiter,
    /// Proxies in front of the gateway that append to `X-Forwarded-For`.
    pub proxy_hops: usize,
}

impl RateLimits {
    /// Spends one token of an API caller's budget.
    pub fn api(&self, caller: ApiCaller<'_>) -> Result<(), ApiError> {
        let (key, who) = match caller {
            ApiCaller::Admins(tenant) => (format!("admins:{tenant}"), "this tenant's admins"),
            ApiCaller::Agent(agent) => (format!("agent:{agent}"), "this agent"),
        };
        self.api
            .check(&key)
            .map_err(|wait| ApiError::rate_limited(format!("too many requests from {who}"), wait))
    }
}

/// Whose budget an API request spends.
#[derive(Debug, Clone, Copy)]
pub enum ApiCaller<'a> {
    /// Every admin of the tenant (site and experience admins alike).
    Admins(TenantId),
    /// One agent, by id.
    Agent(&'a str),
}

/// The client of an unauthenticated request, which has spent one token of
/// its address's budget to get here (429 otherwise). Without the
/// connection's address (a request that did not come through the gateway's
/// listener), every such request shares one budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        let address = client_address(peer, &parts.headers, state.limits.proxy_hops);
        state
            .limits
            .addresses
            .check(&address_key(address))
            .map_err(|wait| {
                ApiError::rate_limited("too many requests from this address".to_owned(), wait)
            })?;
        Ok(Self(address))
    }
}

/// The client's address: the peer's, or with `proxy_hops` proxies in front,
/// the address the outermost of them saw (the `proxy_hops`-th entry of
/// `X-Forwarded-For` from the right). A header too short or unreadable for
/// that falls back to the peer: the request did not come through the
/// proxies as configured.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, proxy_hops: usize) -> IpAddr {
    if proxy_hops == 0 {
        return peer.to_canonical();
    }
    let entries: Option<Vec<&str>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().ok())
        .collect::<Option<Vec<_>>>()
        .map(|values| {
            values
                .iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .collect()
        });
    entries
        .and_then(|entries| {
            let index = entries.len().checked_sub(proxy_hops)?;
            parse_forwarded(entries[index])
        })
        .unwrap_or(peer)
        .to_canonical()
}

/// An `X-Forwarded-For` entry: an address, with or without a port.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The bucket of an address: IPv4 by address, IPv6 by /64.
fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::new(10);
        let t0 = Instant::now();
        assert!((0..20).all(|_| limiter.check_at("a", t0).is_ok()));
        assert_eq!(
            limiter.check_at("a", t0),
            Err(Duration::from_millis(100)),
            "refused, with the wait until the next token"
        );
        assert!(
            limiter
                .check_at("a", t0 + Duration::from_millis(100))
                .is_ok()
        );
        assert!(
            limiter
                .check_at("a", t0 + Duration::from_millis(100))
                .is_err()
        );
    }

    #[test]
    fn callers_have_separate_buckets() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert!((0..2).all(|_| limiter.check_at("a", t0).is_ok()));
        assert!(limiter.check_at("a", t0).is_err());
        assert!(limiter.check_at("b", t0).is_ok());
    }

    #[test]
    fn a_long_pause_refills_only_up_to_the_burst() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert!(limiter.check_at("a", t0).is_ok());
        let later = t0 + Duration::from_secs(60);
        assert!((0..2).all(|_| limiter.check_at("a", later).is_ok()));
        assert!(limiter.check_at("a", later).is_err());
    }

    #[test]
    fn an_agent_does_not_spend_the_admins_budget() {
        let limits = RateLimits {
            api: RateLimiter::new(1),
            addresses: RateLimiter::new(1),
            proxy_hops: 0,
        };
        let tenant = TenantId::new();
        let agent = "agent-1";
        while limits.api(ApiCaller::Agent(agent)).is_ok() {}
        let refused = limits.api(ApiCaller::Agent(agent)).unwrap_err();
        assert_eq!(refused.code(), "rate_limited");
        assert!(limits.api(ApiCaller::Admins(tenant)).is_ok());
        assert!(limits.api(ApiCaller::Agent("agent-2")).is_ok());
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn without_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let peer: IpAddr = "203.0.113.7".parse().unwrap();
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(client_address(peer, &headers, 0), peer);
    }

    #[test]
    fn behind_proxies_the_client_is_counted_from_the_right() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        // The client wrote the first entry itself; the proxy appended the second.
        let headers = forwarded(&["1.1.1.1, 203.0.113.7"]);
        assert_eq!(
            client_address(proxy, &headers, 1),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Two proxies, the header split over two lines, ports and IPv6 too.
        let headers = forwarded(&["1.1.1.1", "[2001:db8::1]:4711, 10.0.0.9"]);
        assert_eq!(
            client_address(proxy, &headers, 2),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        // Fewer entries than proxies, or garbage: the peer.
        assert_eq!(client_address(proxy, &forwarded(&["1.1.1.1"]), 2), proxy);
        assert_eq!(client_address(proxy, &forwarded(&["nonsense"]), 1), proxy);
        assert_eq!(client_address(proxy, &HeaderMap::new(), 1), proxy);
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(
            client_address(mapped, &HeaderMap::new(), 0),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }
}
