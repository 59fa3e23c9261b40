//! Agent presence with the real timer service: the test plays the gateway
//! (presence records in `SB_PRESENCE`, `agent_connected` at hello), the
//! router arms and judges the agent's presence timer.

use std::time::{Duration, Instant};

use switchboard_bus::presence::PresenceStore;
use switchboard_bus::timers::Timers;
use switchboard_contracts::ids::{AgentId, ConversationId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    AgentPresence, AgentQuery, AgentView, Availability, RouteAgentConnected, RoutePresenceCheck,
    SupportMode,
};
use switchboard_router::domain::{Status, StatusReason};
use switchboard_runtime::clock;

use super::support::{Harness, WAIT};

const GRACE: Duration = Duration::from_millis(1_500);
/// Long, so that a record claiming a console connected (which these tests
/// never refresh) stays good for the whole test, while a closed one runs
/// out after the grace alone.
const REFRESH: Duration = Duration::from_secs(5);

async fn harness() -> Harness {
    Harness::with(1, true, |c| {
        c.presence_grace = GRACE;
        c.presence_refresh = REFRESH;
    })
    .await
}

/// Plays a gateway: what it writes when a console says hello or the last one closes.
async fn seen(h: &Harness, agent: AgentId, connected: bool) -> u64 {
    let store = PresenceStore::open(&h.bus).await.expect("presence bucket");
    let now = clock::now_ms_unsigned();
    let record = AgentPresence {
        last_seen_ms: now,
        connected,
    };
    store
        .put(h.tenant, agent, &record)
        .await
        .expect("presence written");
    now
}

/// A console of the agent said hello: its record, then the router told.
async fn connect(h: &Harness, agent: AgentId) -> u64 {
    let at = seen(h, agent, true).await;
    h.route(Input::AgentConnected(RouteAgentConnected {
        agent: agent.to_string(),
    }))
    .await;
    at
}

async fn view(h: &Harness, agent: AgentId) -> AgentView {
    let query = AgentQuery {
        tenant: h.tenant.to_string(),
        agent: agent.to_string(),
    };
    let subject = subjects::router_rpc(h.tenant);
    h.bus
        .request(subject, &query, Duration::from_secs(5))
        .await
        .expect("an answer")
}

/// The due time of the agent's pending presence timer, once it is at least `from`.
async fn presence_due_from(h: &Harness, agent: AgentId, from: u64) -> u64 {
    let timers = Timers::open(&h.bus).await.expect("timers bucket");
    let id = format!("presence.{agent}");
    switchboard_testkit::eventually("the presence timer", WAIT, || async {
        let (timer, _) = timers.get(&id).await.expect("timer read")?;
        (timer.due_ms >= from).then_some(timer.due_ms)
    })
    .await
}

#[tokio::test]
async fn an_agent_with_no_console_for_the_grace_is_set_unavailable_and_its_offer_moves_on() {
    let mut h = harness().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (ada, bob) = (agents[0], agents[1]);
    let (mut e_ada, mut e_bob) = (h.agent_events(ada).await, h.agent_events(bob).await);
    connect(&h, ada).await;
    h.available(ada, &mut e_ada).await;
    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let offer = e_ada.offer().await;
    h.available(bob, &mut e_bob).await;

    let closed_at = Instant::now();
    seen(&h, ada, false).await;
    let moved = e_bob.offer().await;
    assert!(
        closed_at.elapsed() >= GRACE,
        "never before the grace: {:?}",
        closed_at.elapsed()
    );
    assert_eq!(moved.conversation, c.to_string());
    let Event::Withdrawn(withdrawn) = e_ada.next().await else {
        panic!("expected ada's offer withdrawn");
    };
    assert_eq!(
        (withdrawn.offer_id, withdrawn.reason.as_str()),
        (offer.offer_id, "disconnected")
    );
    let status = e_ada.status().await;
    assert_eq!(
        (status.status(), status.reason.as_str()),
        (Availability::Unavailable, "disconnected")
    );

    let (snapshot, _) = h.snapshot().await;
    let record = snapshot.state.agent(ada).expect("ada");
    assert_eq!(record.reason_in(cx.space), Some(StatusReason::Disconnected));
    let shown = view(&h, ada).await;
    assert_eq!(
        (shown.spaces[0].status(), shown.spaces[0].reason.as_str()),
        (Availability::Unavailable, "disconnected"),
        "a console coming back learns why"
    );
    h.stop().await;
}

#[tokio::test]
async fn an_agent_seen_within_the_grace_keeps_everything_and_is_checked_again_later() {
    let mut h = harness().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (ada, bob) = (agents[0], agents[1]);
    let (mut e_ada, mut e_bob) = (h.agent_events(ada).await, h.agent_events(bob).await);
    connect(&h, ada).await;
    h.available(ada, &mut e_ada).await;
    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let offer = e_ada.offer().await;
    h.available(bob, &mut e_bob).await;

    // A reload: the console closes and says hello again at once.
    seen(&h, ada, false).await;
    let reloaded_at = connect(&h, ada).await;
    // The reload re-armed the check one grace after it.
    let first = presence_due_from(&h, ada, reloaded_at + ms(GRACE)).await;
    // The check at `first` finds the console there (its gateway refreshed
    // the record no later than `reloaded_at`) and looks again one refresh
    // period past the grace.
    let refreshed_at = seen(&h, ada, true).await;
    let second = presence_due_from(&h, ada, first + 1).await;
    assert_eq!(second, refreshed_at + ms(REFRESH) + ms(GRACE));

    let (snapshot, _) = h.snapshot().await;
    let record = snapshot.state.agent(ada).expect("ada");
    assert_eq!(record.status_in(cx.space), Some(Status::Available));
    assert!(record.offered().contains(&c), "the offer stays with ada");
    h.accept(ada, &offer.offer_id).await;
    assert!(matches!(e_ada.next().await, Event::Assigned(_)));
    h.stop().await;
}

#[tokio::test]
async fn a_presence_check_applied_before_is_performed_again_whatever_the_record_says_now() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (ada, bob) = (agents[0], agents[1]);
    let (mut e_ada, mut e_bob) = (h.agent_events(ada).await, h.agent_events(bob).await);
    h.available(ada, &mut e_ada).await;
    h.hand_off(&cx, ConversationId::new()).await;
    e_ada.offer().await;
    h.available(bob, &mut e_bob).await;

    // The timer fires for a record gone stale (no gateway ever wrote one).
    let check = Input::PresenceCheck(RoutePresenceCheck {
        agent: ada.to_string(),
    });
    h.route_as("presence:fired", "first", check.clone()).await;
    let moved = e_bob.offer().await;
    // The same input again (a lost ack), after ada came back: its effects
    // are performed again rather than judged anew.
    seen(&h, ada, true).await;
    h.route_as("presence:fired", "again", check).await;
    let again = e_bob.offer().await;
    assert_eq!(again.offer_id, moved.offer_id);
    h.stop().await;
}

fn ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).expect("short")
}
