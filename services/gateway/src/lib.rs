//! # Switchboard gateway
//!
//! The only service the outside world talks to. Stateless: everything it
//! knows comes from the configuration bucket and the bus, so several
//! instances serve side by side behind a load balancer.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | settings from the environment |
//! | [`server`] | [`server::Application`]: binds, wires routes, runs until shutdown |
//! | [`edge`] | the HTTP listener: connection cap, header, body and idle timeouts |
//! | [`state`] | what every handler shares |
//! | [`error`] | the contract's error codes, mapped once for HTTP and WebSocket |
//! | [`auth`] | bearer tokens, customer identity JWTs, resume tokens |
//! | [`secrets`] | secrets sealed at rest; a tenant's identity secrets and their rotation |
//! | [`api`] | the HTTP API under `/api/v1` and its OpenAPI document |
//! | [`socket`] | the socket kit both WebSockets run in |
//! | [`ws`] | the customer WebSocket |
//! | [`agent_ws`] | the agent WebSocket |
//! | [`presence`] | agents' consoles held here, and their presence records |
//! | [`web`] | the widget script and the hosted support page |

pub mod agent_ws;
pub mod api;
pub mod auth;
pub mod config;
pub mod edge;
pub mod error;
pub mod http_meters;
pub mod presence;
pub mod secrets;
pub mod server;
pub mod socket;
pub mod state;
pub mod web;
pub mod ws;
