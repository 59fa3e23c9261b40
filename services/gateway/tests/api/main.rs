//! The gateway's HTTP API over real HTTP, against a real `nats-server`: each
//! test starts its own server and gateway (`spawn_app`), so tests share
//! nothing. Other services are stood in for on the bus where a route needs
//! them ([`fakes`]).

mod admins;
mod agents;
mod ai_agents;
mod checked;
mod concurrency;
mod conversation_list;
mod conversations;
mod decisions;
mod deletes;
mod edges;
mod experiences;
mod fakes;
mod fuzz;
mod guards;
mod helpers;
mod journey;
mod live;
mod openapi;
mod pages;
mod pagination;
mod roles;
mod schema;
mod tenants;
mod validator;
mod webhooks;
mod widgets;
mod work_items;
