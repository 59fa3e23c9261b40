//! The gateway's HTTP API over real HTTP, against a real `nats-server`: each
//! test starts its own server and gateway (`spawn_app`), so tests share
//! nothing. Other services are stood in for on the bus where a route needs
//! them ([`fakes`]).

#[path = "api/agents.rs"]
mod agents;
#[path = "api/conversations.rs"]
mod conversations;
#[path = "api/experiences.rs"]
mod experiences;
#[path = "api/fakes.rs"]
mod fakes;
#[path = "api/guards.rs"]
mod guards;
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/openapi.rs"]
mod openapi;
#[path = "api/pages.rs"]
mod pages;
#[path = "api/tenants.rs"]
mod tenants;
#[path = "api/widgets.rs"]
mod widgets;
#[path = "api/work_items.rs"]
mod work_items;
