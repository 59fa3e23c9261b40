//! The JSON shapes of the contract (CONTRACT.md §2, §3), rendered from the
//! protobuf records in one place. The customer and agent WebSockets render
//! messages with [`message_object`] too, so a message looks the same wherever
//! it appears.

use serde::Serialize;
use serde_json::{Value, json};
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{
    Agent, AiAgent, ChatMessage, ConversationInfo, ConversationState, EndReason, Experience, Space,
    Tenant, Widget, WidgetKind, WorkItem,
};
use time::OffsetDateTime;
use time::macros::format_description;

/// Epoch milliseconds as RFC 3339 UTC with milliseconds,
/// e.g. `2026-11-24T09:30:00.250Z`.
pub fn rfc3339_ms(epoch_ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

/// `None` for an empty string, so optional ids render as `null`.
fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// A message object: `{id, conversation, seq, author: {role, id?, name},
/// text, at, client_id?, notice?}`; `notice` marks a system message that is
/// also a notice (`fallback`, `agent_joined`, `sign_in_required`).
///
/// A typed value rather than a `serde_json::Value`: every message on every
/// socket and every transcript page is one, and serializing a struct writes
/// the JSON directly instead of building (and, for pages, copying) a map
/// per message first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageObject {
    pub id: String,
    pub conversation: String,
    pub seq: u64,
    pub author: AuthorObject,
    pub text: String,
    pub at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notice: String,
}

/// A message's `author`: `{role, id?, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorObject {
    pub role: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub name: String,
}

pub fn message_object(message: &ChatMessage) -> MessageObject {
    let author = message.author.clone().unwrap_or_default();
    MessageObject {
        id: message.id.clone(),
        conversation: message.conversation.clone(),
        seq: message.seq,
        author: AuthorObject {
            role: author.role().wire_name(),
            id: author.id,
            name: author.name,
        },
        text: message.text.clone(),
        at: rfc3339_ms(message.at_ms),
        client_id: message.client_id.clone(),
        notice: message.notice.clone(),
    }
}

/// [`message_object`] as a JSON value, for the places that edit it.
pub fn message_json(message: &ChatMessage) -> Value {
    serde_json::to_value(message_object(message)).unwrap_or(Value::Null)
}

/// A tenant as admins and the operator see it (no secrets).
pub fn tenant_json(tenant: &Tenant) -> Value {
    json!({
        "id": tenant.id,
        "name": tenant.name,
        "edition": tenant.edition().wire_name(),
        "maximum_conversations": tenant.maximum_conversations,
        "created_at": rfc3339_ms(tenant.created_at_ms),
    })
}

pub fn chat_settings_json(tenant: &Tenant) -> Value {
    json!({"maximum_conversations": tenant.maximum_conversations})
}

pub fn space_json(space: &Space) -> Value {
    json!({"id": space.id, "name": space.name, "live_chat": space.live_chat})
}

/// A human agent (never their token).
pub fn agent_json(agent: &Agent) -> Value {
    json!({
        "id": agent.id,
        "name": agent.name,
        "email": agent.email,
        "spaces": agent.spaces,
        "active": !agent.deactivated,
        "created_at": rfc3339_ms(agent.created_at_ms),
    })
}

/// A work item: `{id, space, conversation, status, summary, description,
/// reporter: {name, email}, assignee: {id, name} | null, transcript,
/// created_at, updated_at}`.
pub fn work_item_json(item: &WorkItem) -> Value {
    let reporter = item.reporter.clone().unwrap_or_default();
    let assignee =
        non_empty(&item.assignee).map(|id| json!({"id": id, "name": item.assignee_name}));
    let transcript: Vec<Value> = item.transcript.iter().map(message_json).collect();
    json!({
        "id": item.id,
        "space": item.space,
        "conversation": item.conversation,
        "status": item.status,
        "summary": item.summary,
        "description": item.description,
        "reporter": {"name": reporter.name, "email": non_empty(&reporter.email)},
        "assignee": assignee,
        "transcript": transcript,
        "created_at": rfc3339_ms(item.created_at_ms),
        "updated_at": rfc3339_ms(item.updated_at_ms),
    })
}

pub fn ai_agent_json(agent: &AiAgent) -> Value {
    let knowledge: Vec<Value> = agent
        .knowledge
        .iter()
        .map(|k| json!({"question": k.question, "answer": k.answer}))
        .collect();
    json!({
        "id": agent.id,
        "name": agent.name,
        "published": agent.published,
        "knowledge": knowledge,
        "next_steps": non_empty(&agent.next_steps),
        "kind": agent.kind().wire_name(),
        "handoff": crate::api::ai_handoff::handoff_json(agent),
    })
}

/// An experience with its widgets.
pub fn experience_json(experience: &Experience, widgets: &[Value]) -> Value {
    json!({
        "id": experience.id,
        "name": experience.name,
        "support_mode": experience.support_mode().wire_name(),
        "ai_agent": non_empty(&experience.ai_agent),
        "routed_space": non_empty(&experience.routed_space),
        "fallback_message": non_empty(&experience.fallback_message),
        "access": experience.access().wire_name(),
        "sign_in_url": non_empty(&experience.sign_in_url),
        "widgets": widgets,
    })
}

/// A widget with what a site owner needs to use it: the snippet to paste
/// and, for a support site, its address.
pub fn widget_json(widget: &Widget, public_url: &str) -> Value {
    let (snippet, url) = match widget.kind() {
        WidgetKind::SupportSite => {
            let url = support_url(public_url, &widget.id);
            (support_link(&url), Some(url))
        }
        _ => (embed_snippet(public_url, &widget.id), None),
    };
    json!({
        "id": widget.id,
        "experience": widget.experience,
        "kind": widget.kind().wire_name(),
        "allowed_origins": widget.allowed_origins,
        "allowed_apps": widget.allowed_apps,
        "snippet": snippet,
        "url": url,
    })
}

pub fn support_url(public_url: &str, widget_id: &str) -> String {
    format!("{public_url}/support/{widget_id}")
}

fn support_link(url: &str) -> String {
    format!(r#"<a href="{url}" target="_blank" rel="noopener">Get support</a>"#)
}

/// The embed snippet of CONTRACT.md §5. `authenticate` is left as a comment:
/// the site owner fills it in when their visitors can sign in. The stub
/// `window.Switchboard` queues the page's calls until the script, loaded
/// `async`, takes them over and runs them in order (docs/widget.md).
pub fn embed_snippet(public_url: &str, widget_id: &str) -> String {
    format!(
        r#"<script>
  window.switchboardSettings = {{ widget: "{widget_id}", server: "{public_url}",
    // authenticate: async () => "<customer JWT from your backend>" /* optional */
  }};
  {QUEUE_STUB}
</script>
<script async src="{public_url}/widget.js"></script>
"#
    )
}

/// Defines `window.Switchboard` until `/widget.js` loads: each call is kept
/// in `window.Switchboard.q`. A page that already has it keeps its own.
pub const QUEUE_STUB: &str = "window.Switchboard = window.Switchboard || function () { \
     (window.Switchboard.q = window.Switchboard.q || []).push(arguments); };";

/// A conversation as admins see it.
pub fn conversation_json(info: &ConversationInfo) -> Value {
    let customer = info.customer.clone().unwrap_or_default();
    let end_reason = match info.end_reason() {
        EndReason::Unspecified => None,
        reason => Some(reason.wire_name()),
    };
    let state = match info.state() {
        ConversationState::Unspecified => None,
        state => Some(state.wire_name()),
    };
    json!({
        "id": info.id,
        "state": state,
        "experience": info.experience,
        "widget": non_empty(&info.widget),
        "support_mode": info.support_mode().wire_name(),
        "customer": {
            "name": customer.name,
            "email": non_empty(&customer.email),
            "signed_in": customer.signed_in,
        },
        "assignee": non_empty(&info.assignee),
        "assignee_name": non_empty(&info.assignee_name),
        "routed_space": non_empty(&info.routed_space),
        "end_reason": end_reason,
        "created_at": rfc3339_ms(info.created_at_ms),
    })
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::{Author, Role};

    use super::*;

    #[test]
    fn times_are_rfc3339_utc_with_milliseconds() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_764_000_000_250), "2025-11-24T16:00:00.250Z");
    }

    #[test]
    fn a_message_renders_as_the_contract_message_object() {
        let message = ChatMessage {
            id: "m1".into(),
            tenant: "t".into(),
            conversation: "c1".into(),
            seq: 4,
            author: Some(Author {
                role: Role::Customer as i32,
                id: "anon:1".into(),
                name: "Ada".into(),
            }),
            text: "hello".into(),
            at_ms: 1_764_000_000_250,
            client_id: "k1".into(),
            notice: String::new(),
        };
        assert_eq!(
            message_json(&message),
            json!({
                "id": "m1", "conversation": "c1", "seq": 4,
                "author": {"role": "customer", "id": "anon:1", "name": "Ada"},
                "text": "hello", "at": "2025-11-24T16:00:00.250Z", "client_id": "k1",
            })
        );
    }

    #[test]
    fn a_system_message_has_no_author_id_or_client_id() {
        let message = ChatMessage {
            author: Some(Author {
                role: Role::System as i32,
                id: String::new(),
                name: "Switchboard".into(),
            }),
            ..ChatMessage::default()
        };
        let rendered = message_json(&message);
        assert_eq!(
            rendered["author"],
            json!({"role": "system", "name": "Switchboard"})
        );
        assert!(rendered.get("client_id").is_none());
    }

    #[test]
    fn the_embed_snippet_names_the_widget_and_the_gateway() {
        let snippet = embed_snippet("https://chat.example.com", "w-1");
        assert!(snippet.contains(r#"widget: "w-1", server: "https://chat.example.com""#));
        assert!(
            snippet.contains(r#"<script async src="https://chat.example.com/widget.js"></script>"#)
        );
    }

    #[test]
    fn the_embed_snippet_queues_calls_before_the_script_loads() {
        let snippet = embed_snippet("https://chat.example.com", "w-1");
        let stub = snippet
            .find("window.Switchboard = window.Switchboard ||")
            .unwrap();
        assert!(stub < snippet.find("<script async").unwrap(), "{snippet}");
        assert!(snippet.contains(".push(arguments)"), "{snippet}");
    }
}
