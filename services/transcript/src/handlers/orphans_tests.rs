//! Which configuration changes orphan conversations, and the end command
//! that closes one.

use bytes::Bytes;

use super::*;

fn deleted(key: &str, previous: Option<Vec<u8>>) -> Change {
    Change {
        key: key.to_owned(),
        revision: 7,
        previous: previous.map(Bytes::from),
        current: None,
    }
}

#[test]
fn a_delete_names_its_record_and_the_tenant_it_belonged_to() {
    let tenant = TenantId::new();
    let space = v1::Space {
        id: "s1".into(),
        tenant: tenant.to_string(),
        ..Default::default()
    };
    let change = deleted("space.s1", Some(space.encode_to_vec()));
    assert_eq!(
        Deletion::of(&change),
        Some(Deletion::Of {
            tenant,
            reference: Reference::new(Kind::Space, "s1"),
        })
    );
}

#[test]
fn puts_and_other_kinds_are_not_deletions_and_an_unknown_tenant_asks_for_a_full_sweep() {
    let put = Change {
        current: Some(Bytes::from_static(b"x")),
        ..deleted("widget.w1", None)
    };
    assert_eq!(Deletion::of(&put), None);
    assert_eq!(Deletion::of(&deleted("token.ab", None)), None);
    assert_eq!(Deletion::of(&deleted("tenant.t1", None)), None);
    assert_eq!(
        Deletion::of(&deleted("agent.h1", None)),
        Some(Deletion::Unknown)
    );
}

#[test]
fn an_agent_written_deactivated_counts_as_deleted_and_an_active_one_does_not() {
    let tenant = TenantId::new();
    let agent = |deactivated| v1::Agent {
        id: "h1".into(),
        tenant: tenant.to_string(),
        deactivated,
        ..Default::default()
    };
    let written = |record: v1::Agent| Change {
        current: Some(Bytes::from(record.encode_to_vec())),
        ..deleted("agent.h1", None)
    };
    assert_eq!(
        Deletion::of(&written(agent(true))),
        Some(Deletion::Of {
            tenant,
            reference: Reference::new(Kind::Agent, "h1"),
        })
    );
    assert_eq!(Deletion::of(&written(agent(false))), None);
}

#[test]
fn the_end_command_is_one_per_conversation_with_the_fallback() {
    let (t, c) = (TenantId::new(), ConversationId::new());
    let command = end_command(t, c, "Mail us.", 5);
    assert_eq!(command.command_id, format!("orphan:{c}"));
    assert_eq!(end_command(t, c, "other", 9).command_id, command.command_id);
    let Some(Command::End(end)) = command.command else {
        panic!("an end");
    };
    assert_eq!(end.reason(), EndReason::NoAgentsAvailable);
    assert_eq!(end.fallback_text, "Mail us.");
}
