//! The orphan tests' set-up: a tenant's records, the running sweep, and
//! reads of what a conversation became.

use crate::support::commands::{ada, open};
use crate::support::{Events, Harness, query, state_changed};
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    self, ConversationCommand, ConversationState, EndReason, Role, SupportMode,
};
use tokio_util::sync::CancellationToken;

pub const AI: ConversationState = ConversationState::Ai;

/// The records one tenant's conversations refer to.
pub struct Setup {
    pub tenant: TenantId,
    pub experience: String,
    pub widget: String,
    pub space: String,
    pub agent: String,
}

pub fn id() -> String {
    ConversationId::new().to_string()
}

/// A writer of the configuration bucket, as the gateway is.
pub async fn config(harness: &Harness) -> ConfigCache {
    let cache = ConfigCache::start(&harness.bus, CancellationToken::new())
        .await
        .expect("config cache");
    cache.ready().await;
    cache
}

/// An experience with its own fallback, a widget, a space and an agent.
pub async fn setup(config: &ConfigCache, fallback: &str) -> Setup {
    let tenant = TenantId::new();
    let setup = Setup {
        tenant,
        experience: id(),
        widget: id(),
        space: id(),
        agent: id(),
    };
    let t = tenant.to_string();
    let experience = v1::Experience {
        id: setup.experience.clone(),
        tenant: t.clone(),
        fallback_message: fallback.into(),
        ..Default::default()
    };
    let widget = v1::Widget {
        id: setup.widget.clone(),
        tenant: t.clone(),
        experience: setup.experience.clone(),
        ..Default::default()
    };
    let space = v1::Space {
        id: setup.space.clone(),
        tenant: t.clone(),
        live_chat: true,
        ..Default::default()
    };
    let agent = v1::Agent {
        id: setup.agent.clone(),
        tenant: t,
        spaces: vec![setup.space.clone()],
        ..Default::default()
    };
    config
        .put(&keys::experience(&setup.experience), &experience)
        .await
        .unwrap();
    config
        .put(&keys::widget(&setup.widget), &widget)
        .await
        .unwrap();
    config
        .put(&keys::space(&setup.space), &space)
        .await
        .unwrap();
    config
        .put(&keys::agent(&setup.agent), &agent)
        .await
        .unwrap();
    setup
}

/// Opens a conversation on the setup's widget, in `ai` (ai_and_team), and
/// waits for its first message.
pub async fn opened(harness: &Harness, setup: &Setup) -> (ConversationId, Events) {
    let conversation = ConversationId::new();
    let mut events = harness.events(setup.tenant, conversation).await;
    let mut command = open(
        setup.tenant,
        conversation,
        ada(),
        AI,
        SupportMode::AiAndTeam,
        "Where is my parcel?",
    );
    if let Some(Command::Post(post)) = &mut command.command {
        let start = post.start.as_mut().expect("start");
        start.experience = setup.experience.clone();
        start.widget = setup.widget.clone();
        start.routed_space = setup.space.clone();
    }
    harness
        .send(&command, &format!("open:{conversation}"))
        .await;
    events.next_message().await;
    (conversation, events)
}

pub async fn send(harness: &Harness, command: ConversationCommand) {
    let id = command.command_id.clone();
    harness.send(&command, &id).await;
}

/// Waits for the fallback notice, then the end; returns the notice's text.
pub async fn ends_with_the_fallback(events: &mut Events) -> String {
    let (notice, _) = events.next_message().await;
    assert_eq!(notice.notice, "fallback");
    assert_eq!(notice.author.expect("author").role(), Role::System);
    let ended = events.next().await;
    let change = state_changed(&ended);
    assert_eq!(change.to(), ConversationState::Ended);
    assert_eq!(change.reason(), EndReason::NoAgentsAvailable);
    notice.text
}

/// The conversation as a transcript read sees it: state, and the notice
/// kinds of its system messages.
pub async fn read(
    harness: &Harness,
    tenant: TenantId,
    conversation: ConversationId,
) -> (ConversationState, Vec<String>) {
    let page = harness.read(tenant, query(tenant, conversation)).await;
    assert!(page.error.is_empty(), "{}", page.error);
    let notices = page
        .messages
        .iter()
        .filter(|m| !m.notice.is_empty())
        .map(|m| m.notice.clone())
        .collect();
    (page.info.expect("info").state(), notices)
}
