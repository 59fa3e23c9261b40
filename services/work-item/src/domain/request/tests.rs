//! Tests of [`super::parse`]: what a work-item request may ask.

use super::*;

fn query(tenant: TenantId) -> WorkItemQuery {
    WorkItemQuery {
        tenant: tenant.to_string(),
        ..Default::default()
    }
}

fn wrap(request: Wire) -> WorkItemRequest {
    WorkItemRequest {
        request: Some(request),
    }
}

#[test]
fn a_query_without_an_id_is_a_filtered_list() {
    let t = TenantId::new();
    let space = SpaceId::new();
    let request = wrap(Wire::Query(WorkItemQuery {
        space: space.to_string(),
        status: "in_progress".into(),
        spaces: vec![space.to_string()],
        ..query(t)
    }));
    assert_eq!(
        parse(&subjects::workitem_rpc(t), request),
        Ok(Request::List {
            tenant: t,
            filter: ListFilter {
                space: Some(space),
                status: Some(Status::InProgress),
                assignee: None,
                spaces: vec![space],
                limit: 0,
                after: None,
            },
        })
    );
}

#[test]
fn a_query_with_an_id_gets_one_item_and_a_garbled_id_is_not_found() {
    let t = TenantId::new();
    let id = Uuid::now_v7();
    let get = wrap(Wire::Query(WorkItemQuery {
        id: id.to_string(),
        ..query(t)
    }));
    assert!(matches!(
        parse(&subjects::workitem_rpc(t), get),
        Ok(Request::Get { id: got, .. }) if got == id
    ));
    let garbled = wrap(Wire::Query(WorkItemQuery {
        id: "../etc".into(),
        ..query(t)
    }));
    assert_eq!(
        parse(&subjects::workitem_rpc(t), garbled),
        Err(Refusal::NotFound)
    );
}

#[test]
fn the_request_must_name_the_subjects_tenant() {
    let (t, other) = (TenantId::new(), TenantId::new());
    let refused = parse(&subjects::workitem_rpc(other), wrap(Wire::Query(query(t)))).unwrap_err();
    assert_eq!(refused.code(), "invalid");
    assert!(refused.to_string().contains("tenant"), "{refused}");
}

#[test]
fn bad_filters_are_refused_naming_the_field() {
    let t = TenantId::new();
    let subject = subjects::workitem_rpc(t);
    for (field, bad) in [
        (
            "space",
            WorkItemQuery {
                space: "x".into(),
                ..query(t)
            },
        ),
        (
            "status",
            WorkItemQuery {
                status: "done".into(),
                ..query(t)
            },
        ),
        (
            "assignee",
            WorkItemQuery {
                assignee: "x".into(),
                ..query(t)
            },
        ),
        (
            "spaces",
            WorkItemQuery {
                spaces: vec!["x".into()],
                ..query(t)
            },
        ),
    ] {
        let refused = parse(&subject, wrap(Wire::Query(bad))).unwrap_err();
        assert!(refused.to_string().starts_with(field), "{refused}");
    }
    let empty = WorkItemRequest { request: None };
    assert_eq!(parse(&subject, empty).unwrap_err().code(), "invalid");
}

#[test]
fn an_update_needs_a_known_status() {
    let t = TenantId::new();
    let id = Uuid::now_v7();
    let update = |status: &str| {
        wrap(Wire::Update(WorkItemUpdate {
            tenant: t.to_string(),
            id: id.to_string(),
            status: status.into(),
            by: "agent-1".into(),
            spaces: vec![],
        }))
    };
    assert_eq!(
        parse(&subjects::workitem_rpc(t), update("resolved")),
        Ok(Request::Update {
            tenant: t,
            id,
            to: Status::Resolved,
            by: "agent-1".into(),
            spaces: vec![],
        })
    );
    let refused = parse(&subjects::workitem_rpc(t), update("")).unwrap_err();
    assert!(refused.to_string().starts_with("status"), "{refused}");
}

#[test]
fn an_item_is_visible_in_its_own_space_or_to_an_unrestricted_caller() {
    let space = SpaceId::new();
    assert!(ListFilter::visible(&[], &space.to_string()));
    assert!(ListFilter::visible(&[space], &space.to_string()));
    assert!(!ListFilter::visible(&[SpaceId::new()], &space.to_string()));
}
