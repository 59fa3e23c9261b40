//! # Switchboard timer service
//!
//! The one owner of time. Callers schedule, re-arm and cancel timers with
//! `switchboard_bus::timers` (one KV put or delete in the `SB_TIMERS`
//! bucket); this service fires them: when a timer is due it publishes the
//! timer's payload to its JetStream subject, awaits the ack, then deletes the
//! record unless it was re-armed meanwhile. Nothing is lost across a restart
//! (the bucket is the truth), nothing fires early (the wall clock is checked
//! at fire time), and a second fire after a crash or a hand-over carries the
//! same `Nats-Msg-Id`, which the target stream drops.
//!
//! Timers are spread over 16 partitions by a hash of their id. Instances
//! hold partitions through leases in the `SB_TIMER_LEASES` bucket, deal them
//! round-robin among the live instances, and take over a dead instance's
//! partitions once its leases go unrenewed for their TTL.
//!
//! # Layout
//!
//! | module | what |
//! |---|---|
//! | [`config`] | settings from an explicit variable source |
//! | [`server`] | [`server::Service`]: start, run, drain |
//! | [`coordinator`] | lease rounds: renew, hand over, take; readiness |
//! | [`leases`] | the lease bucket and a watched view of it with local ages |
//! | [`partition`] | following one owned partition's records into the table |
//! | [`fire`] | the fire loop and the bounded fire tasks |
//! | [`domain`] | pure: the timing wheel, the timer table, the partition deal |
//! | [`shared`] | what the tasks share: the table, wake-ups, bus, metrics |
//! | [`counters`] | the metrics |
//! | [`error`] | start, fire and watch errors |

pub mod config;
pub mod coordinator;
pub mod counters;
pub mod domain;
pub mod error;
pub mod fire;
pub mod leases;
pub mod partition;
pub mod server;
pub mod shared;
