//! Who the customer is: `hello {token?, resume?}` and `sign_in {token}`.
//!
//! A bad identity token refuses the whole `hello` (the socket keeps waiting
//! for a valid one) rather than silently continuing anonymously: the widget
//! asked to be someone, and should learn it is not. A resume token proves
//! the right to reattach to one conversation, on a widget of the experience
//! the conversation belongs to; a signed-in customer must be the one it
//! names. An anonymous socket adopts the token's anonymous key
//! (a reload of the same visitor), but never a signed-in customer's key:
//! that would let a copied token stand in for signing in.
//!
//! Signing in on an attached socket tells the owner
//! (`ConversationCommand{identify}`, id `identify:{conversation}:{key}`), so
//! the thread continues under the customer's name and a handoff that waited
//! for the sign-in goes ahead (SPEC §4).

use std::str::FromStr;

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    ConversationCommand, ConversationState, Customer, IdentifyCustomer,
};

use super::server_frame::WsError;
use super::session::{Attached, CustomerSession, Effect, Fetch, FetchPurpose, Now, send};
use crate::auth::TokenError;
use crate::error::ApiError;

/// The display name of anonymous customers.
pub use switchboard_contracts::texts::GUEST_NAME;

fn anonymous() -> Customer {
    Customer {
        key: format!("anon:{}", uuid::Uuid::new_v4()),
        name: GUEST_NAME.to_owned(),
        email: String::new(),
        signed_in: false,
    }
}

/// Why a resume token of another experience's conversation is refused.
pub(super) const ANOTHER_EXPERIENCE: &str =
    "the resume token belongs to a conversation of another experience";

fn token_problem(error: &TokenError) -> String {
    format!("token: {error}")
}

impl CustomerSession {
    pub(super) fn on_hello(
        &mut self,
        token: Option<String>,
        resume: Option<String>,
        now: Now,
    ) -> Vec<Effect> {
        if self.customer.is_some() {
            return send(WsError::invalid(
                "type: hello was already accepted on this socket",
            ));
        }
        let mut customer = match token {
            Some(token) => match self.ctx.identity.verify_identity(&token, now.epoch_ms) {
                Ok(customer) => customer,
                Err(error) => return send(WsError::unauthorized(token_problem(&error))),
            },
            None => anonymous(),
        };
        let resumed = resume.map(|resume| self.check_resume(&resume, &mut customer, now));
        self.customer = Some(customer);
        let mut effects = vec![Effect::Send(self.welcome())];
        match resumed {
            None => {}
            Some(Err(why)) => effects.push(Effect::Send(WsError::ResumeInvalid(why).into())),
            Some(Ok(conversation)) => {
                // Subscribe before reading the transcript: whatever commits
                // in between arrives as an event and is deduplicated by seq.
                self.conversation = Some(Attached {
                    id: conversation,
                    state: ConversationState::Unspecified,
                    last_seq: 0,
                    early_position: None,
                });
                effects.push(Effect::Attach(conversation));
                effects.push(Effect::Fetch(Fetch {
                    conversation,
                    after_seq: 0,
                    purpose: FetchPurpose::Resume,
                }));
            }
        }
        effects
    }

    /// Checks a resume token against this site and customer; an anonymous
    /// customer adopts the token's anonymous key.
    fn check_resume(
        &self,
        token: &str,
        customer: &mut Customer,
        now: Now,
    ) -> Result<ConversationId, String> {
        let claims = (self.ctx.identity)
            .verify_resume(token, now.epoch_ms)
            .map_err(|e| match e {
                TokenError::Expired => "the resume token has expired".to_owned(),
                TokenError::Invalid(_) => "the resume token is not valid".to_owned(),
            })?;
        if claims.tenant != self.ctx.tenant.to_string() {
            return Err("the resume token belongs to another site".into());
        }
        // A conversation lives in the experience it started in (its support
        // mode, AI agent, space); a widget of another one does not resume it.
        if !claims.experience.is_empty() && claims.experience != self.ctx.experience.to_string() {
            return Err(ANOTHER_EXPERIENCE.into());
        }
        let conversation = ConversationId::from_str(&claims.conversation)
            .map_err(|_| "the resume token is not valid".to_owned())?;
        if customer.signed_in {
            if claims.customer != customer.key {
                return Err("the resume token belongs to another customer".into());
            }
        } else if claims.customer.starts_with("anon:") {
            customer.key = claims.customer;
        } else {
            return Err("sign in to resume this conversation".into());
        }
        Ok(conversation)
    }

    pub(super) fn on_sign_in(&mut self, current: &Customer, token: &str, now: Now) -> Vec<Effect> {
        let customer = match self.ctx.identity.verify_identity(token, now.epoch_ms) {
            Ok(customer) => customer,
            Err(error) => return send(WsError::unauthorized(token_problem(&error))),
        };
        if current.signed_in && current.key != customer.key && self.conversation.is_some() {
            return send(WsError::Api(ApiError::Forbidden(
                "already signed in as another customer; end this conversation first".into(),
            )));
        }
        let changed = !current.signed_in || current.key != customer.key;
        self.customer = Some(customer.clone());
        let mut effects = vec![Effect::Send(self.welcome())];
        // The thread continues under the new identity; a fresh resume token
        // names it, so a reload that signs in again can reattach.
        effects.extend(self.conversation_frame().map(Effect::Send));
        if let Some(attached) = &self.conversation
            && changed
        {
            // The owner records who the customer is now and, when a request
            // for a person was waiting for this, carries on with the handoff.
            let conversation = attached.id;
            let command_id = format!("identify:{conversation}:{}", customer.key);
            self.remember(command_id.clone());
            effects.push(Effect::Publish(ConversationCommand {
                tenant: self.ctx.tenant.to_string(),
                conversation: conversation.to_string(),
                at_ms: now.epoch_ms,
                command_id,
                command: Some(Command::Identify(IdentifyCustomer {
                    customer: Some(customer),
                })),
            }));
        }
        effects
    }
}
