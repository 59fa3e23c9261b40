//! The customer and agent WebSockets (CONTRACT.md §3) against a real
//! nats-server and a real gateway, with stand-ins for the services behind
//! them. One suite, so both sockets' tests share the client and the
//! stand-in transcript service.

mod agent_ws;
mod client;
mod customer_ws;
mod fake_owner;
mod fake_owner_live;
