//! Tests of the configuration index: records land in their tenant, deletes
//! and stale revisions, and what moves a tenant's routing revision.

use switchboard_contracts::config_keys;
use switchboard_contracts::ids::{AgentId, ExperienceId, SpaceId, TenantId};
use switchboard_contracts::v1::{self, Edition, SupportMode};

use super::{Catalog, Record, watch};

fn agent(tenant: TenantId, id: AgentId, spaces: &[SpaceId]) -> Record {
    Record::Agent(v1::Agent {
        id: id.to_string(),
        tenant: tenant.to_string(),
        name: "Grace".into(),
        spaces: spaces.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

#[test]
fn an_agent_lands_in_its_tenant_and_a_delete_takes_it_out() {
    let catalog = Catalog::default();
    let (tenant, id, space) = (TenantId::new(), AgentId::new(), SpaceId::new());
    let key = config_keys::agent(id);
    assert_eq!(
        catalog.apply(&key, 4, Some(agent(tenant, id, &[space]))),
        Some(tenant)
    );
    let config = catalog.tenant(tenant);
    assert_eq!(config.revision, 4);
    assert_eq!(config.agents[&id].spaces, [space].into());
    assert_eq!(catalog.apply(&key, 9, None), Some(tenant));
    assert!(catalog.tenant(tenant).agents.is_empty());
    assert_eq!((catalog.tenant(tenant).revision, catalog.seen()), (9, 9));
}

#[test]
fn a_deactivated_agent_leaves_the_roster_and_a_reactivated_one_comes_back() {
    let catalog = Catalog::default();
    let (tenant, id, space) = (TenantId::new(), AgentId::new(), SpaceId::new());
    let key = config_keys::agent(id);
    catalog.apply(&key, 4, Some(agent(tenant, id, &[space])));
    let Record::Agent(mut record) = agent(tenant, id, &[space]) else {
        unreachable!("an agent record");
    };
    record.deactivated = true;
    assert_eq!(
        catalog.apply(&key, 5, Some(Record::Agent(record.clone()))),
        Some(tenant)
    );
    assert!(catalog.tenant(tenant).agents.is_empty());
    assert_eq!(catalog.tenant(tenant).revision, 5, "a routing change");
    record.deactivated = false;
    catalog.apply(&key, 6, Some(Record::Agent(record)));
    assert_eq!(catalog.tenant(tenant).agents[&id].spaces, [space].into());
}

#[test]
fn an_older_revision_of_a_record_changes_nothing() {
    let catalog = Catalog::default();
    let (tenant, id) = (TenantId::new(), AgentId::new());
    let key = config_keys::agent(id);
    catalog.apply(&key, 7, Some(agent(tenant, id, &[SpaceId::new()])));
    assert_eq!(catalog.apply(&key, 5, Some(agent(tenant, id, &[]))), None);
    assert_eq!(catalog.tenant(tenant).agents[&id].spaces.len(), 1);
}

#[test]
fn experiences_are_kept_without_moving_the_routing_revision() {
    let catalog = Catalog::default();
    let (tenant, id) = (TenantId::new(), ExperienceId::new());
    let record = Record::Experience(v1::Experience {
        id: id.to_string(),
        tenant: tenant.to_string(),
        fallback_message: "Write to us.".into(),
        support_mode: SupportMode::SupportTeam as i32,
        ..Default::default()
    });
    assert_eq!(
        catalog.apply(&config_keys::experience(id), 3, Some(record)),
        None
    );
    let experience = catalog.experience(&id.to_string()).unwrap();
    assert_eq!(experience.fallback_message, "Write to us.");
    assert_eq!(catalog.tenant(tenant).revision, 0);
    assert_eq!(catalog.seen(), 3);
}

#[test]
fn only_premium_and_enterprise_tenants_get_live_chat() {
    let catalog = Catalog::default();
    let tenant = TenantId::new();
    assert!(!catalog.tenant(tenant).allows_live_chat(), "unknown tenant");
    for (revision, edition, allowed) in [
        (1, Edition::Standard, false),
        (2, Edition::Premium, true),
        (3, Edition::Enterprise, true),
    ] {
        let record = Record::Tenant(v1::Tenant {
            id: tenant.to_string(),
            edition: edition as i32,
            maximum_conversations: 5,
            ..Default::default()
        });
        catalog.apply(&config_keys::tenant(tenant), revision, Some(record));
        assert_eq!(
            catalog.tenant(tenant).allows_live_chat(),
            allowed,
            "{edition:?}"
        );
    }
    assert_eq!(catalog.tenant(tenant).maximum_conversations, 5);
}

#[test]
fn a_configuration_change_input_carries_its_revision() {
    let tenant = TenantId::new();
    assert_eq!(
        watch::revision_of(&watch::config_changed(tenant, 42)),
        Some(42)
    );
    assert_eq!(
        watch::revision_of(&v1::RoutingInput {
            input_id: watch::input_id(tenant, 42),
            ..Default::default()
        }),
        None
    );
}
