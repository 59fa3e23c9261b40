//! How the agent socket's shell performs the session's effects: sends, token
//! resolution, subscriptions, the router's view, routing inputs, durable
//! command publishes, typing on core NATS and transcript reads. Effects that
//! produce an answer feed it back to the session at once; the shell performs
//! what it decides before the rest of the queue, so `hello` runs through to
//! `welcome` as one input.

use switchboard_bus::config::keys;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    AgentQuery, AgentView, Experience, RouteAgentConnected, RoutingInput,
};

use super::identity::AgentIdentity;
use super::revocation::SignIn;
use super::server_frame::ServerFrame;
use super::session::Effect;
use super::socket::{AgentSocket, Sent, Watched};
use crate::socket::conversation::{
    ConversationFeed, RPC_TIMEOUT, publish_typing, read_transcript, send_command,
};
use crate::socket::epoch_ms;
use crate::socket::shell::{Closed, FollowUp, FrameSink, Outbox};

impl AgentSocket {
    /// Performs one effect; what the session decides on its answer is
    /// performed next.
    pub(super) async fn perform_effect<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effect: Effect,
    ) -> Result<FollowUp<Effect>, Closed> {
        let follow_up = match effect {
            Effect::Send(mut frame) => {
                self.name_experience(&mut frame);
                out.send(&frame).await?;
                Vec::new()
            }
            Effect::Authenticate(token) => {
                let cache = &self.state.config_cache;
                let resolved = AgentIdentity::resolve(cache, token.expose()).await;
                if let Ok(identity) = &resolved {
                    let span = &self.span;
                    span.record("tenant", tracing::field::display(identity.tenant));
                    span.record("agent", tracing::field::display(identity.agent));
                    let sign_in = SignIn::new(token.expose(), identity.agent);
                    self.revocation = Some(self.state.revocations.watch(sign_in, cache));
                }
                self.session.on_authenticated(resolved)
            }
            Effect::Listen => match self.listen().await {
                Ok(()) => Vec::new(),
                Err(error) => {
                    tracing::warn!(%error, "subscribing to the agent's events failed");
                    // The welcome chain queued behind it must not run.
                    return Ok(FollowUp::instead(self.session.on_listen_failed()));
                }
            },
            Effect::QueryRouter => {
                let view = self.query_router().await;
                self.session.on_view(view, epoch_ms())
            }
            Effect::Attach(conversation) => match self.watch(conversation).await {
                Ok(()) => Vec::new(),
                Err(error) => {
                    tracing::warn!(%error, %conversation, "subscribing to a conversation failed");
                    self.session.on_attach_failed(conversation)
                }
            },
            Effect::Detach(conversation) => {
                // Dropping the subscribers unsubscribes them.
                self.watched.retain(|w| w.id != conversation);
                Vec::new()
            }
            Effect::Fetch(fetch) => {
                let page = match self.tenant() {
                    Some(tenant) => {
                        let bus = &self.state.bus;
                        read_transcript(bus, tenant, fetch.conversation, fetch.after_seq).await
                    }
                    None => None,
                };
                self.session.on_page(fetch, page, epoch_ms())
            }
            // Routing inputs (accept, decline, status) and commands are sent
            // without waiting for the ack: the socket takes its next input
            // meanwhile, and what the stream did not take comes back as a
            // delivery (`Delivery::NotStored`).
            Effect::Route(input) => {
                let Some(tenant) = self.tenant() else {
                    return Ok(FollowUp::done());
                };
                let mut answers = self.make_room().await;
                let sent = self
                    .state
                    .bus
                    .send_durable(subjects::route(tenant), &input.input_id, &input)
                    .await;
                match sent {
                    Ok(ack) => self.unacked.push(Sent::Route(input), ack),
                    Err(error) => {
                        tracing::warn!(%error, "publishing a routing input failed");
                        answers.extend(self.session.on_route_failed(&input));
                    }
                }
                answers
            }
            Effect::Publish(command) => {
                let Some(tenant) = self.tenant() else {
                    return Ok(FollowUp::done());
                };
                let mut answers = self.make_room().await;
                match send_command(&self.state.bus, tenant, &command).await {
                    Ok(Some(ack)) => self.unacked.push(Sent::Command(command), ack),
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(%error, "publishing an agent command failed");
                        answers.extend(self.session.on_publish_failed(&command));
                    }
                }
                answers
            }
            Effect::Typing(event) => {
                if let Some(tenant) = self.tenant() {
                    publish_typing(&self.state.bus, tenant, &event).await;
                }
                Vec::new()
            }
            Effect::Arrive => {
                self.arrive().await;
                Vec::new()
            }
            Effect::SignOut(reason) => {
                out.refuse(reason).await;
                return Err(Closed);
            }
        };
        Ok(FollowUp::then(follow_up))
    }

    /// Waits while the socket has as many sends unacked as it may; the
    /// answers to those of them the stream did not take.
    async fn make_room(&mut self) -> Vec<Effect> {
        let failed = self.unacked.make_room().await;
        failed
            .iter()
            .flat_map(|sent| self.answer_not_stored(sent))
            .collect()
    }

    /// What the session answers to a send the stream did not take.
    pub(super) fn answer_not_stored(&self, sent: &Sent) -> Vec<Effect> {
        match sent {
            Sent::Command(command) => self.session.on_publish_failed(command),
            Sent::Route(input) => self.session.on_route_failed(input),
        }
    }

    /// Counts this console toward its agent's presence, then tells the
    /// router (which arms the agent's presence timer). Failures are logged:
    /// the socket works without, the presence refresh writes the record
    /// again, and the next hello tells the router again.
    async fn arrive(&mut self) {
        let Some(identity) = self.session.identity() else {
            return;
        };
        if self.presence.is_some() {
            return;
        }
        let (tenant, agent) = (identity.tenant, identity.agent);
        self.presence = Some(self.state.presence.join(tenant, agent).await);
        let input = RoutingInput {
            tenant: tenant.to_string(),
            input_id: uuid::Uuid::new_v4().to_string(),
            at_ms: epoch_ms(),
            input: Some(Input::AgentConnected(RouteAgentConnected {
                agent: agent.to_string(),
            })),
        };
        let published = self
            .state
            .bus
            .publish_durable(subjects::route(tenant), &input.input_id, &input)
            .await;
        if let Err(error) = published {
            tracing::warn!(%error, "telling the router a console connected failed");
        }
    }

    fn tenant(&self) -> Option<TenantId> {
        self.session.identity().map(|i| i.tenant)
    }

    async fn listen(&mut self) -> Result<(), async_nats::SubscribeError> {
        let Some(identity) = self.session.identity() else {
            return Ok(());
        };
        let subject = subjects::agent_events(identity.tenant, identity.agent);
        self.agent_events = Some(self.state.bus.client.subscribe(subject).await?);
        Ok(())
    }

    /// The router's view, or `None` (logged) when it cannot be had.
    async fn query_router(&self) -> Option<AgentView> {
        let identity = self.session.identity()?;
        let query = AgentQuery {
            tenant: identity.tenant.to_string(),
            agent: identity.agent.to_string(),
        };
        let subject = subjects::router_rpc(identity.tenant);
        match self
            .state
            .bus
            .request::<AgentView>(subject, &query, RPC_TIMEOUT)
            .await
        {
            Ok(view) if view.error.is_empty() => Some(view),
            Ok(view) => {
                tracing::warn!(error = %view.error, "the router refused the agent's view; welcoming with every space unavailable");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "the router did not answer; welcoming with every space unavailable");
                None
            }
        }
    }

    async fn watch(
        &mut self,
        conversation: ConversationId,
    ) -> Result<(), async_nats::SubscribeError> {
        let Some(tenant) = self.tenant() else {
            return Ok(());
        };
        if self.watched.iter().any(|w| w.id == conversation) {
            return Ok(());
        }
        let feed = ConversationFeed::subscribe(&self.state.fanout, tenant, conversation);
        self.watched.push(Watched {
            id: conversation,
            feed,
        });
        Ok(())
    }
}

impl AgentSocket {
    /// Fills an offer's experience name from this instance's configuration
    /// (the router's offer names the experience by id only).
    fn name_experience(&self, frame: &mut ServerFrame) {
        let ServerFrame::Offer { experience, .. } = frame else {
            return;
        };
        if !experience.name.is_empty() || experience.id.is_empty() {
            return;
        }
        let record: Option<Experience> = self
            .state
            .config_cache
            .get(&keys::experience(&experience.id));
        if let Some(record) = record.filter(|r| r.id == experience.id) {
            experience.name = record.name;
        }
    }
}
