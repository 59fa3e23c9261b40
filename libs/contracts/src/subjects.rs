//! Subject builders. Typed ids in, subject out: nobody formats a subject by hand.
//!
//! | subject | kind | carries |
//! |---|---|---|
//! | `sb.cmd.{tenant}.{conversation}` | JetStream `SB_COMMANDS` | `ConversationCommand` |
//! | `sb.evt.{tenant}.{conversation}` | JetStream `SB_EVENTS` | `ConversationEvent` |
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

pub fn command(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.cmd.{tenant}.{conversation}")
}

pub fn event(tenant: TenantId, conversation: ConversationId) -> String {
    format!("sb.evt.{tenant}.{conversation}")
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
    use crate::ids::TenantId;

    pub const ALL_COMMANDS: &str = "sb.cmd.>";
    pub const ALL_EVENTS: &str = "sb.evt.>";
    pub const ALL_TRANSCRIPT_RPC: &str = "sb.rpc.transcript.*";
    pub const ALL_CONVERSATION_LIST_RPC: &str = "sb.rpc.transcript.*.conversations";
    pub const ALL_AI: &str = "switchboard.ai.>";
    pub const ALL_AI_REQUESTS: &str = "switchboard.ai.request.>";
    pub const ALL_AI_REPLIES: &str = "switchboard.ai.reply.*";
    pub const ALL_AI_HANDOFFS: &str = "switchboard.ai.handoff.*";
    pub const ALL_ROUTING: &str = "sb.route.*";
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
/// `sb.evt`, `sb.typing`, `sb.queue`, `sb.decision`: the fourth token);
/// `None` for every other subject.
pub fn conversation_of(subject: &str) -> Option<ConversationId> {
    let mut tokens = subject.split('.');
    if tokens.next()? != "sb" {
        return None;
    }
    if !matches!(
        tokens.next()?,
        "cmd" | "evt" | "typing" | "queue" | "decision"
    ) {
        return None;
    }
    let (_tenant, conversation) = (tokens.next()?, tokens.next()?);
    if tokens.next().is_some() {
        return None;
    }
    conversation.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_have_their_documented_shape() {
        let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
        let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
        let a: AiAgentId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
        assert_eq!(
            command(t, c),
            "sb.cmd.0190a0b0-0000-7000-8000-000000000001.0190a0b0-0000-7000-8000-000000000002"
        );
        assert_eq!(
            ai_request(t, a),
            "switchboard.ai.request.0190a0b0-0000-7000-8000-000000000001.0190a0b0-0000-7000-8000-000000000003"
        );
        assert_eq!(tenant_of(&event(t, c)), Some(t));
        assert_eq!(tenant_of(&ai_reply(t)), Some(t));
        assert_eq!(tenant_of(&ai_request(t, a)), Some(t));
        assert_eq!(tenant_of(&transcript_rpc(t)), Some(t));
        assert_eq!(tenant_of(&space_view_rpc(t)), Some(t));
    }

    #[test]
    fn a_conversation_subject_names_its_conversation_and_no_other_does() {
        let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
        let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
        let a: AiAgentId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
        for subject in [
            command(t, c),
            event(t, c),
            typing(t, c),
            queue_position(t, c),
            decision(t, c),
        ] {
            assert_eq!(conversation_of(&subject), Some(c), "{subject}");
        }
        for subject in [
            transcript_rpc(t),
            conversation_list_rpc(t),
            ai_request(t, a),
            ai_reply(t),
            route(t),
            format!("{}.extra", event(t, c)),
            "sb.evt.x.not-an-id".to_owned(),
        ] {
            assert_eq!(conversation_of(&subject), None, "{subject}");
        }
    }

    /// Whether NATS would deliver `subject` to a subscription on `filter`.
    fn matches(filter: &str, subject: &str) -> bool {
        let (mut f, mut s) = (filter.split('.'), subject.split('.'));
        loop {
            match (f.next(), s.next()) {
                (Some(">"), Some(_)) => return true,
                (Some("*"), Some(_)) => {}
                (Some(a), Some(b)) if a == b => {}
                (None, None) => return true,
                _ => return false,
            }
        }
    }

    #[test]
    fn each_router_responder_gets_its_own_requests_only() {
        let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
        assert!(matches(filter::ALL_ROUTER_RPC, &router_rpc(t)));
        assert!(!matches(filter::ALL_ROUTER_RPC, &space_view_rpc(t)));
        assert!(matches(filter::ALL_SPACE_VIEW_RPC, &space_view_rpc(t)));
        assert!(!matches(filter::ALL_SPACE_VIEW_RPC, &router_rpc(t)));
    }

    #[test]
    fn a_tenant_filter_takes_its_tenant_and_leaves_the_others() {
        let t: TenantId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
        let other: TenantId = "0190a0b0-0000-7000-8000-00000000000f".parse().unwrap();
        let c: ConversationId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
        let a: AiAgentId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
        let h: AgentId = "0190a0b0-0000-7000-8000-000000000004".parse().unwrap();
        type Case = (fn(TenantId) -> String, String, String);
        let cases: [Case; 6] = [
            (filter::tenant_commands, command(t, c), command(other, c)),
            (filter::tenant_events, event(t, c), event(other, c)),
            (filter::tenant_typing, typing(t, c), typing(other, c)),
            (
                filter::tenant_agent_events,
                agent_events(t, h),
                agent_events(other, h),
            ),
            (
                filter::tenant_queue_positions,
                queue_position(t, c),
                queue_position(other, c),
            ),
            (
                filter::tenant_ai_requests,
                ai_request(t, a),
                ai_request(other, a),
            ),
        ];
        for (build, ours, theirs) in cases {
            let filter = build(t);
            assert!(matches(&filter, &ours), "{filter} misses {ours}");
            assert!(!matches(&filter, &theirs), "{filter} takes {theirs}");
        }
    }
}
