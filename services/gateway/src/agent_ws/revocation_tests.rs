//! Which configuration changes revoke a console's sign-in, and how the
//! registry tells each console once.

use std::future::poll_fn;

use bytes::Bytes;
use prost::Message;
use switchboard_bus::config::{Change, keys};
use switchboard_contracts::ids::AgentId;
use switchboard_contracts::v1::{Agent, TokenGrant};

use super::*;

fn change(key: &str, current: Option<Vec<u8>>) -> Change {
    Change {
        key: key.to_owned(),
        revision: 9,
        previous: None,
        current: current.map(Bytes::from),
    }
}

fn agent_record(id: AgentId, deactivated: bool) -> Vec<u8> {
    Agent {
        id: id.to_string(),
        deactivated,
        ..Default::default()
    }
    .encode_to_vec()
}

fn token_key(token: &str) -> String {
    keys::token(&hash_token(token))
}

#[test]
fn a_deleted_grant_of_the_token_revokes_it_and_a_new_grant_does_not() {
    let agent = AgentId::new();
    let sign_in = SignIn::new("sb_agent_old", agent);
    assert_eq!(
        sign_in.revoked_by(&change(&token_key("sb_agent_old"), None)),
        Some(Revoked::Token)
    );
    let grant = TokenGrant::default().encode_to_vec();
    assert_eq!(
        sign_in.revoked_by(&change(&token_key("sb_agent_new"), Some(grant))),
        None,
        "the rotation's new grant"
    );
    assert_eq!(
        sign_in.revoked_by(&change(&token_key("sb_agent_other"), None)),
        None,
        "another token's revocation"
    );
}

#[test]
fn the_agent_deleted_or_written_deactivated_revokes_and_other_edits_do_not() {
    let agent = AgentId::new();
    let sign_in = SignIn::new("sb_agent_x", agent);
    let key = keys::agent(agent);
    assert_eq!(
        sign_in.revoked_by(&change(&key, None)),
        Some(Revoked::AgentDeleted)
    );
    assert_eq!(
        sign_in.revoked_by(&change(&key, Some(agent_record(agent, true)))),
        Some(Revoked::AgentDeactivated)
    );
    assert_eq!(
        sign_in.revoked_by(&change(&key, Some(agent_record(agent, false)))),
        None,
        "a rename or a change of spaces"
    );
    let other = AgentId::new();
    assert_eq!(sign_in.revoked_by(&change(&keys::agent(other), None)), None);
}

#[test]
fn each_reason_is_an_unauthorized_error_that_says_what_happened() {
    let token = Revoked::Token.error();
    assert_eq!(token.code(), "unauthorized");
    assert!(
        token.message().contains("this token was revoked"),
        "{token:?}"
    );
    assert!(Revoked::AgentDeleted.error().message().contains("deleted"));
    assert!(
        Revoked::AgentDeactivated
            .error()
            .message()
            .contains("deactivated")
    );
    for reason in [
        Revoked::Token,
        Revoked::AgentDeleted,
        Revoked::AgentDeactivated,
    ] {
        assert!(reason.close_reason().len() <= 123, "fits a close frame");
    }
}

async fn next_revocation(watch: &mut Watch) -> Revoked {
    poll_fn(|cx| watch.poll_revoked(cx)).await
}

#[tokio::test]
async fn a_change_tells_only_the_consoles_it_revokes_once() {
    let revocations = Revocations::default();
    let (ada, grace) = (AgentId::new(), AgentId::new());
    let mut ada_console = revocations.register(SignIn::new("sb_agent_ada", ada), None);
    let grace_console = revocations.register(SignIn::new("sb_agent_grace", grace), None);

    let rotated = change(&token_key("sb_agent_ada"), None);
    assert_eq!(revocations.apply(&rotated), 1);
    assert_eq!(next_revocation(&mut ada_console).await, Revoked::Token);
    assert_eq!(revocations.apply(&rotated), 0, "told once");
    assert_eq!(
        revocations.apply(&change("space.s1", None)),
        0,
        "other records are not looked at"
    );
    drop(grace_console);
    assert!(
        revocations.lock().consoles.is_empty(),
        "a dropped watch unregisters"
    );
}

#[tokio::test]
async fn a_sign_in_already_revoked_when_registered_fires_at_once() {
    let revocations = Revocations::default();
    let sign_in = SignIn::new("sb_agent_x", AgentId::new());
    let mut watch = revocations.register(sign_in, Some(Revoked::AgentDeactivated));
    assert_eq!(next_revocation(&mut watch).await, Revoked::AgentDeactivated);
    assert!(revocations.lock().consoles.is_empty());
}
