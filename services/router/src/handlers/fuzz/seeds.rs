//! The messages the router's fuzz test starts from: configuration records,
//! routing inputs and conversation events, valid for the run's tenant and
//! its records, before the wire changes them.

use prost::Message;
use switchboard_contracts::config_keys;
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::routing_input::Input as Wire;
use switchboard_contracts::v1::{
    self as v1, ConversationEvent, ConversationInfo, Customer, RouteAccept,
    RouteAcceptWindowExpired, RouteAgentConnected, RouteConfigChanged, RouteConversationClosed,
    RouteDecline, RouteHandoff, RouteOfferExpired, RoutePresenceCheck, RouteSetStatus,
    RoutingInput, StateChanged,
};

use super::Router;
use crate::domain::OfferId;

impl Router {
    /// Configuration record `kind` (tenant, agent, space, experience, or a
    /// key the router does not follow), encoded.
    pub(super) fn record(&self, kind: u8, i: usize) -> (String, Vec<u8>) {
        let tenant = self.tenant.to_string();
        match kind {
            0 => {
                let mut record = v1::Tenant {
                    id: tenant,
                    maximum_conversations: (i % 4) as u32,
                    ..Default::default()
                };
                record.set_edition(v1::Edition::Premium);
                (config_keys::tenant(self.tenant), record.encode_to_vec())
            }
            1 => {
                let agent = Self::pick(&self.agents, i);
                let spaces = (0..=i % 2).map(|n| Self::pick(&self.spaces, i + n).to_string());
                let record = v1::Agent {
                    id: agent.to_string(),
                    tenant,
                    name: "Grace".into(),
                    spaces: spaces.collect(),
                    ..Default::default()
                };
                (config_keys::agent(agent), record.encode_to_vec())
            }
            2 => {
                let space = Self::pick(&self.spaces, i);
                let record = v1::Space {
                    id: space.to_string(),
                    tenant,
                    name: "Billing".into(),
                    live_chat: !i.is_multiple_of(5),
                };
                (config_keys::space(space), record.encode_to_vec())
            }
            3 => {
                let record = v1::Experience {
                    id: self.experience.to_string(),
                    tenant,
                    fallback_message: "Email us".into(),
                    support_mode: 3,
                    ..Default::default()
                };
                (
                    config_keys::experience(self.experience),
                    record.encode_to_vec(),
                )
            }
            _ => (config_keys::widget(self.experience), vec![1, 2, 3]),
        }
    }

    /// Routing input `kind` about the tenant's records.
    pub(super) fn input(&self, kind: u8, a: usize, b: usize) -> RoutingInput {
        let offered = |c: ConversationId| self.snapshot.state.conversation(c)?.offer();
        // An offer's inputs mostly name a conversation with an offer out.
        let conversation = (0..self.conversations.len())
            .map(|n| Self::pick(&self.conversations, a + n))
            .find(|c| matches!(kind, 2..=4) && !b.is_multiple_of(4) && offered(*c).is_some())
            .unwrap_or_else(|| Self::pick(&self.conversations, a));
        let outstanding = offered(conversation);
        // Mostly the agent the offer is out to, so accepts get through.
        let agent = match outstanding {
            Some(offer) if !b.is_multiple_of(3) => offer.agent,
            _ => Self::pick(&self.agents, b),
        }
        .to_string();
        let offer = outstanding
            .map(|o| o.id)
            .unwrap_or(OfferId {
                conversation,
                number: b as u64 % 3,
            })
            .to_string();
        let c = conversation.to_string();
        let input = match kind {
            0 => Wire::Handoff(RouteHandoff {
                conversation: c,
                space: Self::pick(&self.spaces, b).to_string(),
                experience: self.experience.to_string(),
                customer: Some(Customer {
                    key: "anon:1".into(),
                    name: "Ada".into(),
                    ..Default::default()
                }),
                summary: "my order".into(),
                support_mode: 2 + (b % 2) as i32,
            }),
            1 => Wire::SetStatus(RouteSetStatus {
                agent,
                space: if a.is_multiple_of(3) {
                    String::new()
                } else {
                    Self::pick(&self.spaces, a).to_string()
                },
                status: 1 + (a % 2) as i32,
            }),
            2 => Wire::Accept(RouteAccept {
                offer_id: offer,
                agent,
            }),
            3 => Wire::Decline(RouteDecline {
                offer_id: offer,
                agent,
            }),
            4 => Wire::OfferExpired(RouteOfferExpired {
                offer_id: offer,
                ..Default::default()
            }),
            5 => Wire::AcceptWindowExpired(RouteAcceptWindowExpired { conversation: c }),
            6 => Wire::ConversationClosed(RouteConversationClosed { conversation: c }),
            7 => Wire::ConfigChanged(RouteConfigChanged {
                revision: self.revision,
            }),
            8 => Wire::AgentConnected(RouteAgentConnected { agent }),
            _ => Wire::PresenceCheck(RoutePresenceCheck { agent }),
        };
        RoutingInput {
            tenant: self.tenant.to_string(),
            input_id: format!("input-{}", self.sequence),
            at_ms: self.now as i64,
            input: Some(input),
        }
    }

    /// Conversation event `kind`: queued, ended from the queue, from live, live.
    pub(super) fn event(&self, kind: u8, i: usize) -> ConversationEvent {
        use v1::ConversationState::{Ai, Ended, Live, Queued};
        let (from, to) =
            [(Ai, Queued), (Queued, Ended), (Live, Ended), (Queued, Live)][usize::from(kind) % 4];
        let conversation = Self::pick(&self.conversations, i).to_string();
        ConversationEvent {
            tenant: self.tenant.to_string(),
            conversation: conversation.clone(),
            at_ms: self.now as i64,
            info: Some(ConversationInfo {
                id: conversation,
                tenant: self.tenant.to_string(),
                experience: self.experience.to_string(),
                routed_space: Self::pick(&self.spaces, i).to_string(),
                summary: "my order".into(),
                support_mode: 3,
                ..Default::default()
            }),
            event: Some(Event::State(StateChanged {
                from: from as i32,
                to: to as i32,
                reason: 0,
            })),
        }
    }
}
