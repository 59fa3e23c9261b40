//! The commands the transcript's fuzz test starts from: every kind, valid
//! for the run's conversation in some state, before the wire changes them.

use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    AssignAgent, Author, CheckInactivity, ConversationCommand, ConversationStart, Customer,
    EndConversation, IdentifyCustomer, PostMessage, PostNotice, RequestHandoff, ReturnToAi,
};

use super::Owner;

impl Owner {
    /// Command kind `kind` (post, end, handoff, identify, assign, return,
    /// notice, inactivity check), variant `v` picking its details.
    pub(super) fn command(&self, kind: u8, v: u8) -> ConversationCommand {
        let author = |role: i32| Author {
            role,
            id: "someone".into(),
            name: "Ada".into(),
        };
        let customer = Customer {
            key: format!("user:{}", v % 3),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            signed_in: v.is_multiple_of(2),
        };
        let command = match kind {
            0 => Command::Post(PostMessage {
                author: Some(author(1 + i32::from(v % 4))),
                text: "Where is my parcel?".into(),
                client_id: format!("c{v}"),
                start: (!v.is_multiple_of(3)).then(|| ConversationStart {
                    customer: Some(customer),
                    initial_state: 1 + i32::from(v % 3),
                    support_mode: 1 + i32::from(v % 3),
                    ..Default::default()
                }),
            }),
            1 => Command::End(EndConversation {
                reason: i32::from(v % 8),
                by: Some(author(1 + i32::from(v % 4))),
                fallback_text: "Email us".into(),
            }),
            2 => Command::Handoff(RequestHandoff {
                reason: "customer_request".into(),
                summary: String::new(),
                requested_by: i32::from(v % 5),
            }),
            3 => Command::Identify(IdentifyCustomer {
                customer: Some(customer),
            }),
            4 => Command::Assign(AssignAgent {
                agent: format!("agent-{}", v % 2),
                agent_name: "Grace".into(),
                offer_id: format!("{}:{v}", self.conversation),
            }),
            5 => Command::ReturnToAi(ReturnToAi {
                reason: "no_agents_available".into(),
                fallback_text: String::new(),
            }),
            6 => Command::Notice(PostNotice {
                kind: ["fallback", "agent_joined", "Bad Kind", ""][usize::from(v % 4)].into(),
                text: "Hello".into(),
            }),
            _ => Command::CheckInactivity(CheckInactivity {}),
        };
        ConversationCommand {
            tenant: self.tenant.to_string(),
            conversation: self.conversation.to_string(),
            at_ms: self.now,
            command_id: format!("cmd-{}", self.commands),
            command: Some(command),
        }
    }
}
