//! Subject builders. Typed ids in, subject out: nobody formats a subject by hand.
//!
//! | subject | kind | carries |
//! |---|---|---|
//! | `sb.cmd.{tenant}.{conversation}` | JetStream `SB_COMMANDS` | `ConversationCommand` |
//! | `sb.evt.{tenant}.{conversation}.{kind}` | JetStream `SB_EVENTS` | `ConversationEvent` ([`EventKind`]: its oneof member, or `turn`) |
//! | `sb.typing.{tenant}.{conversation}` | core NATS | `TypingEvent` |
//! | `sb.rpc.transcript.{tenant}` | core request/reply | `TranscriptQuery` → `TranscriptPage` |
//! | `sb.rpc.transcript.{tenant}.conversations` | core request/reply | `ConversationListQuery` → `ConversationList` |
//! | `switchboard.ai.request.{tenant}.{ai_agent}` | JetStream `SB_AI` | `AiRequest` |
//! | `switchboard.ai.reply.{tenant}` | JetStream `SB_AI` | `AiReply` |
//! | `switchboard.ai.handoff.{tenant}` | JetStream `SB_AI` | `HandoffRequest` |
//! | `sb.route.{tenant}` | JetStream `SB_ROUTING` | `RoutingInput` |
//! | `sb.agent.{tenant}.{agent}` | core NATS | `AgentEvent` |
//! | `sb.queue.{tenant}.{conversation}` | core NATS | `QueuePosition` |
//! | `sb.decision.{tenant}.{conversation}` | JetStream `SB_AUDIT` | `RoutingDecision` |
//! | `sb.rpc.router.{tenant}` | core request/reply | `AgentQuery` → `AgentView` |
//! | `sb.rpc.router.{tenant}.spaces` | core request/reply | `SpaceQuery` → `SpaceView` |
//! | `sb.rpc.workitem.{tenant}` | core request/reply | `WorkItemRequest` → `WorkItemPage` |
//! | `sb.workitem.{tenant}.{conversation}` | JetStream `SB_WORK_ITEMS` | `WorkItemChanged` |
//! | `sb.rpc.webhook.{tenant}` | core request/reply | `WebhookRequest` → `WebhookReply` |
//! | `sb.parked.{stream}.{consumer}` | JetStream `SB_PARKED` | the parked message, headers `Switchboard-Parked-Reason`, `Switchboard-Original-Subject` |
//! | `$KV.SB_TIMERS.p{NN}.{timer}` | JetStream KV `SB_TIMERS` | `Timer` (see [`crate::streams::timer_keys`]) |

use crate::ids::{AgentId, AiAgentId, ConversationId, TenantId};
use crate::v1::{ConversationEvent, ConversationState, MessageAdded, Role, conversation_event};

pub fn command(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.cmd.{tenant}.{conversation}")
}

/// Where a conversation event is published: its kind is the last token, so a
/// consumer can ask the server for the kinds it handles and no others.
pub fn event(tenant: TenantId, conversation: ConversationId, kind: EventKind) -> String {
    format!("sb.evt.{tenant}.{conversation}.{}", kind.token())
}

/// The subject of `event`, or `None` when its ids are not ids or it carries
/// no event (neither can be published).
pub fn event_of(event: &ConversationEvent) -> Option<String> {
    let kind = EventKind::of_event(event)?;
    Some(self::event(
        event.tenant.parse().ok()?,
        event.conversation.parse().ok()?,
        kind,
    ))
}

/// What a conversation event says: one per member of
/// `ConversationEvent.event`, named by the member, and [`EventKind::Turn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Message,
    State,
    Rejected,
    Inactive,
    Identified,
    /// A `message` event the AI agent answers: the customer's message while
    /// the conversation is in state `ai`. A kind of its own so that the AI
    /// bridge is delivered these and not the live chats' messages.
    Turn,
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::Message,
        EventKind::State,
        EventKind::Rejected,
        EventKind::Inactive,
        EventKind::Identified,
        EventKind::Turn,
    ];

    /// The kind `event` is published as: its member's, except that a
    /// customer's message in state `ai` is a [`EventKind::Turn`]. `None`
    /// for an event without a member.
    pub fn of_event(event: &ConversationEvent) -> Option<Self> {
        use conversation_event::Event;
        let member = event.event.as_ref()?;
        let from_customer = |added: &MessageAdded| {
            added
                .message
                .as_ref()
                .and_then(|message| message.author.as_ref())
                .is_some_and(|author| author.role() == Role::Customer)
        };
        let in_ai = event
            .info
            .as_ref()
            .is_some_and(|info| info.state() == ConversationState::Ai);
        Some(match member {
            Event::Message(added) if in_ai && from_customer(added) => EventKind::Turn,
            member => Self::of(member),
        })
    }

    /// The kind of an event's oneof member (exhaustive: a new member needs
    /// its kind here before anything compiles).
    pub fn of(event: &conversation_event::Event) -> Self {
        use conversation_event::Event;
        match event {
            Event::Message(_) => EventKind::Message,
            Event::State(_) => EventKind::State,
            Event::Rejected(_) => EventKind::Rejected,
            Event::Inactive(_) => EventKind::Inactive,
            Event::Identified(_) => EventKind::Identified,
        }
    }

    /// The subject token: the oneof member's name in the schema.
    pub fn token(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::State => "state",
            EventKind::Rejected => "rejected",
            EventKind::Inactive => "inactive",
            EventKind::Identified => "identified",
            EventKind::Turn => "turn",
        }
    }

    pub fn from_token(token: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.token() == token)
    }
}

/// The kind named by an event subject's last token; `None` for any other
/// subject, and for an event subject of the old shape (no kind).
pub fn event_kind_of(subject: &str) -> Option<EventKind> {
    let rest = subject.strip_prefix("sb.evt.")?;
    let mut tokens = rest.split('.');
    let (_tenant, _conversation, kind) = (tokens.next()?, tokens.next()?, tokens.next()?);
    if tokens.next().is_some() {
        return None;
    }
    EventKind::from_token(kind)
}

pub fn typing(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.typing.{tenant}.{conversation}")
}

pub fn transcript_rpc(tenant: TenantId) -> String {
    format!("sb.rpc.transcript.{tenant}")
}

pub fn conversation_list_rpc(tenant: TenantId) -> String {
    format!("sb.rpc.transcript.{tenant}.conversations")
}

pub fn ai_request(tenant: TenantId, ai_agent: AiAgentId) -> String {
    format!("switchboard.ai.request.{tenant}.{ai_agent}")
}

pub fn ai_reply(tenant: TenantId) -> String {
    format!("switchboard.ai.reply.{tenant}")
}

pub fn ai_handoff(tenant: TenantId) -> String {
    format!("switchboard.ai.handoff.{tenant}")
}

/// The subject a timers-bucket record is stored under (`key` from
/// [`crate::streams::timer_keys::key`]).
pub fn timer_record(key: &str) -> String {
    format!("{TIMER_RECORD_PREFIX}{key}")
}

/// Every timer record of one partition, for the service's watch.
pub fn timer_partition_records(partition: u16) -> String {
    format!(
        "{TIMER_RECORD_PREFIX}{}",
        crate::streams::timer_keys::partition_filter(partition)
    )
}

/// What precedes the key in a timer record's subject.
pub const TIMER_RECORD_PREFIX: &str = "$KV.SB_TIMERS.";

pub fn route(tenant: TenantId) -> String {
    format!("sb.route.{tenant}")
}

/// One tenant's routing log (stream `SB_ROUTER_LOG`): the router's own.
pub fn router_log(tenant: TenantId) -> String {
    format!("sb.routerlog.{tenant}")
}

pub fn agent_events(tenant: TenantId, agent: AgentId) -> String {
    format!("sb.agent.{tenant}.{agent}")
}

pub fn queue_position(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.queue.{tenant}.{conversation}")
}

/// One conversation's routing decisions, so they can be read back by subject
/// without scanning the tenant's whole record.
pub fn decision(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.decision.{tenant}.{conversation}")
}

pub fn router_rpc(tenant: TenantId) -> String {
    format!("sb.rpc.router.{tenant}")
}

/// One space's live view, answered by the router next to its agent views.
pub fn space_view_rpc(tenant: TenantId) -> String {
    format!("sb.rpc.router.{tenant}.spaces")
}

pub fn workitem_rpc(tenant: TenantId) -> String {
    format!("sb.rpc.workitem.{tenant}")
}

/// A change of the work item of one conversation.
pub fn work_item_change(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.workitem.{tenant}.{conversation}")
}

/// A tenant's webhook delivery states and logs, answered by the webhook
/// service.
pub fn webhook_rpc(tenant: TenantId) -> String {
    format!("sb.rpc.webhook.{tenant}")
}

/// The first tokens of every parked message's subject.
pub const PARKED_PREFIX: &str = "sb.parked";

/// Where a consumer parks what it gave up on: `sb.parked.{stream}.{consumer}`.
pub fn parked(stream: &str, consumer: &str) -> String {
    format!("{PARKED_PREFIX}.{stream}.{consumer}")
}

/// Filters, for consumers and subscriptions.
pub mod filter {
    use super::EventKind;
    use crate::ids::{ConversationId, TenantId};

    pub const ALL_COMMANDS: &str = "sb.cmd.>";
    pub const ALL_EVENTS: &str = "sb.evt.>";
    pub const ALL_TRANSCRIPT_RPC: &str = "sb.rpc.transcript.*";
    pub const ALL_CONVERSATION_LIST_RPC: &str = "sb.rpc.transcript.*.conversations";
    pub const ALL_AI: &str = "switchboard.ai.>";
    pub const ALL_AI_REQUESTS: &str = "switchboard.ai.request.>";
    pub const ALL_AI_REPLIES: &str = "switchboard.ai.reply.*";
    pub const ALL_AI_HANDOFFS: &str = "switchboard.ai.handoff.*";
    pub const ALL_ROUTING: &str = "sb.route.*";
    pub const ALL_ROUTER_LOGS: &str = "sb.routerlog.*";
    /// `>` rather than `*.*`: it also keeps covering the per-tenant subject
    /// (`sb.decision.{tenant}`) that earlier routers wrote to.
    pub const ALL_DECISIONS: &str = "sb.decision.>";
    pub const ALL_ROUTER_RPC: &str = "sb.rpc.router.*";
    pub const ALL_SPACE_VIEW_RPC: &str = "sb.rpc.router.*.spaces";
    pub const ALL_WORKITEM_RPC: &str = "sb.rpc.workitem.*";
    pub const ALL_WEBHOOK_RPC: &str = "sb.rpc.webhook.*";
    pub const ALL_WORK_ITEM_CHANGES: &str = "sb.workitem.>";

    /// Every command of one tenant (`sb.cmd.{tenant}.>`).
    pub fn tenant_commands(tenant: TenantId) -> String {
        format!("sb.cmd.{tenant}.>")
    }

    /// Every event of one tenant (`sb.evt.{tenant}.>`).
    pub fn tenant_events(tenant: TenantId) -> String {
        format!("sb.evt.{tenant}.>")
    }

    /// Every event of one kind (`sb.evt.*.*.{kind}`), for a consumer that
    /// handles that kind only.
    pub fn events_of_kind(kind: EventKind) -> String {
        format!("sb.evt.*.*.{}", kind.token())
    }

    /// The events of the shape before kinds (`sb.evt.{tenant}.{conversation}`):
    /// a stream written by an older transcript service may still hold some
    /// that were not yet consumed when the services were upgraded. A
    /// consumer keeps this filter next to its kinds until the stream's
    /// seven-day retention has passed since the upgrade.
    pub const EVENTS_WITHOUT_KIND: &str = "sb.evt.*.*";

    /// A consumer's filters for `kinds`: one per kind, and the old shape.
    pub fn events_of_kinds(kinds: &[EventKind]) -> Vec<String> {
        let mut filters: Vec<String> = kinds.iter().map(|k| events_of_kind(*k)).collect();
        filters.push(EVENTS_WITHOUT_KIND.to_owned());
        filters
    }

    /// Every event of one conversation (`sb.evt.{tenant}.{conversation}.*`).
    pub fn conversation_events(tenant: TenantId, conversation: ConversationId) -> String {
        format!("sb.evt.{tenant}.{conversation}.*")
    }

    /// Every typing indicator of one tenant (`sb.typing.{tenant}.>`).
    pub fn tenant_typing(tenant: TenantId) -> String {
        format!("sb.typing.{tenant}.>")
    }

    /// Every agent's events of one tenant (`sb.agent.{tenant}.*`).
    pub fn tenant_agent_events(tenant: TenantId) -> String {
        format!("sb.agent.{tenant}.*")
    }

    /// Every queue position of one tenant (`sb.queue.{tenant}.*`).
    pub fn tenant_queue_positions(tenant: TenantId) -> String {
        format!("sb.queue.{tenant}.*")
    }

    /// Every AI request of one tenant (`switchboard.ai.request.{tenant}.*`).
    pub fn tenant_ai_requests(tenant: TenantId) -> String {
        format!("switchboard.ai.request.{tenant}.*")
    }

    pub const ALL_PARKED: &str = "sb.parked.>";
}

/// The tenant token of a subject built here (its third token for `sb.*`
/// subjects, fourth for `sb.rpc.*` and `switchboard.ai.*`).
pub fn tenant_of(subject: &str) -> Option<TenantId> {
    let mut tokens = subject.split('.');
    let position = if subject.starts_with("switchboard.") || subject.starts_with("sb.rpc.") {
        3
    } else {
        2
    };
    tokens.nth(position)?.parse().ok()
}

/// The conversation of a subject built for one conversation (`sb.cmd`,
/// `sb.evt`, `sb.typing`, `sb.queue`, `sb.decision`: the fourth token; an
/// event subject has its kind after it, or nothing in the old shape);
/// `None` for every other subject.
pub fn conversation_of(subject: &str) -> Option<ConversationId> {
    let mut tokens = subject.split('.');
    if tokens.next()? != "sb" {
        return None;
    }
    let family = tokens.next()?;
    if !matches!(family, "cmd" | "evt" | "typing" | "queue" | "decision") {
        return None;
    }
    let (_tenant, conversation) = (tokens.next()?, tokens.next()?);
    match tokens.next() {
        None => {}
        Some(kind) if family == "evt" && EventKind::from_token(kind).is_some() => {}
        Some(_) => return None,
    }
    if tokens.next().is_some() {
        return None;
    }
    conversation.parse().ok()
}

#[cfg(test)]
mod tests;
