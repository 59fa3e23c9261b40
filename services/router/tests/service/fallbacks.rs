//! The fallback: nobody available at handoff (back to the AI, or the end),
//! a standard-edition tenant, and an accept window that runs out.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{Edition, EndReason, SupportMode};

use super::support::Harness;

use switchboard_contracts::texts::DEFAULT_FALLBACK;

#[tokio::test]
async fn with_nobody_available_an_ai_and_team_conversation_goes_back_to_the_ai() {
    let mut h = Harness::start().await;
    h.tenant(Edition::Premium, 3).await;
    let space = h.space(true).await;
    h.agent("ada", &[space]).await; // a new agent starts unavailable
    let cx = h
        .experience(SupportMode::AiAndTeam, space, "Email us at help@acme.test.")
        .await;
    h.synced().await;
    let mut commands = h.commands().await;

    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let command = commands.next().await;
    assert_eq!(command.conversation, c.to_string());
    let Some(Command::ReturnToAi(back)) = command.command else {
        panic!("expected return_to_ai, got {command:?}");
    };
    assert_eq!(back.reason, "no_agents_available");
    assert_eq!(back.fallback_text, "Email us at help@acme.test.");
    let (snapshot, _) = h.snapshot().await;
    assert!(
        snapshot.state.conversation(c).is_none(),
        "nothing was queued"
    );
    h.stop().await;
}

#[tokio::test]
async fn with_nobody_available_a_support_team_conversation_ends_with_the_default_fallback() {
    let mut h = Harness::start().await;
    let (cx, _) = h.team(3, &["ada"], SupportMode::SupportTeam).await;
    let mut commands = h.commands().await;
    h.hand_off(&cx, ConversationId::new()).await;
    let Some(Command::End(end)) = commands.next().await.command else {
        panic!("expected an end");
    };
    assert_eq!(end.reason(), EndReason::NoAgentsAvailable);
    assert_eq!(end.fallback_text, DEFAULT_FALLBACK);
    h.stop().await;
}

#[tokio::test]
async fn a_space_with_live_chat_off_gets_the_fallback() {
    let mut h = Harness::start().await;
    h.tenant(Edition::Premium, 3).await;
    let space = h.space(false).await;
    let agent = h.agent("ada", &[space]).await;
    let cx = h.experience(SupportMode::SupportTeam, space, "").await;
    h.synced().await;
    let mut events = h.agent_events(agent).await;
    h.available(agent, &mut events).await;
    let mut commands = h.commands().await;
    h.hand_off(&cx, ConversationId::new()).await;
    let Some(Command::End(end)) = commands.next().await.command else {
        panic!("expected an end");
    };
    assert_eq!(end.reason(), EndReason::NoAgentsAvailable);
    h.stop().await;
}

#[tokio::test]
async fn a_standard_edition_tenant_gets_the_fallback_even_with_agents_available() {
    let mut h = Harness::start().await;
    h.tenant(Edition::Standard, 3).await;
    let space = h.space(true).await;
    let agent = h.agent("ada", &[space]).await;
    let cx = h.experience(SupportMode::AiAndTeam, space, "").await;
    h.synced().await;
    let mut events = h.agent_events(agent).await;
    h.available(agent, &mut events).await;
    let mut commands = h.commands().await;

    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let Some(Command::ReturnToAi(back)) = commands.next().await.command else {
        panic!("expected return_to_ai");
    };
    assert_eq!(back.fallback_text, DEFAULT_FALLBACK);
    let (snapshot, _) = h.snapshot().await;
    assert!(snapshot.state.conversation(c).is_none());
    assert!(
        snapshot.state.agent(agent).unwrap().offered().is_empty(),
        "nobody was offered it"
    );
    h.stop().await;
}

#[tokio::test]
async fn an_accept_window_that_runs_out_withdraws_the_offer_and_ends_the_conversation() {
    let mut h = Harness::with(1, true, |c| {
        c.accept_window = std::time::Duration::from_millis(600);
    })
    .await;
    let (cx, agents) = h.team(3, &["ada"], SupportMode::AiAndTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let mut commands = h.commands().await;

    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let offer = events.offer().await;
    let Event::Withdrawn(withdrawn) = events.next().await else {
        panic!("expected the offer withdrawn");
    };
    assert_eq!(
        (withdrawn.offer_id, withdrawn.reason.as_str()),
        (offer.offer_id, "accept_window")
    );
    let Some(Command::End(end)) = commands.next().await.command else {
        panic!("expected an end");
    };
    assert_eq!(end.reason(), EndReason::AcceptTimeout);
    assert_eq!(end.fallback_text, DEFAULT_FALLBACK);
    let (snapshot, _) = h.snapshot().await;
    assert!(snapshot.state.conversation(c).is_none());
    assert_eq!(snapshot.state.agent(agents[0]).unwrap().load(), 0);
    h.stop().await;
}

#[tokio::test]
async fn turning_live_chat_off_gives_every_conversation_waiting_in_the_space_the_fallback() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(1, &["ada"], SupportMode::SupportTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let (offered, waiting) = (ConversationId::new(), ConversationId::new());
    h.hand_off(&cx, offered).await;
    let offer = events.offer().await;
    assert_eq!(offer.conversation, offered.to_string());
    h.hand_off(&cx, waiting).await;
    switchboard_testkit::eventually("the second to wait", super::support::WAIT, || async {
        let (s, _) = h.snapshot().await;
        s.state.conversation(waiting).is_some().then_some(())
    })
    .await;
    let mut commands = h.commands().await;

    h.set_live_chat(cx.space, false).await;
    let mut ended = Vec::new();
    for _ in 0..2 {
        let command = commands.next().await;
        let Some(Command::End(end)) = command.command else {
            panic!("expected an end, got {command:?}");
        };
        assert_eq!(end.reason(), EndReason::NoAgentsAvailable);
        ended.push(command.conversation);
    }
    ended.sort();
    let mut expected = vec![offered.to_string(), waiting.to_string()];
    expected.sort();
    assert_eq!(ended, expected, "both conversations got the fallback");
    let Event::Withdrawn(withdrawn) = events.next().await else {
        panic!("the outstanding offer is taken back");
    };
    assert_eq!(withdrawn.offer_id, offer.offer_id);
    h.stop().await;
}
