//! Where a command may act: the tenant and conversation it names, which
//! must be the ones its subject was built from.

use switchboard_contracts::ids::{ConversationId, InvalidId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::ConversationCommand;

/// The address a command claims, checked against the subject it came on.
#[derive(Debug)]
pub(super) struct Address {
    pub tenant: TenantId,
    pub conversation: ConversationId,
}

/// Why a command cannot act where it says.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error("tenant: {0}")]
    Tenant(#[source] InvalidId),
    #[error("conversation: {0}")]
    Conversation(#[source] InvalidId),
    #[error("command for tenant {tenant} conversation {conversation} arrived on {subject}")]
    Misrouted {
        tenant: TenantId,
        conversation: ConversationId,
        subject: String,
    },
    #[error("the command has no command_id")]
    NoCommandId,
}

/// The command's ids, which must be the ones its subject was built from: a
/// command published on another conversation's subject is misrouted (or
/// forged) and must not act on either conversation.
pub(super) fn address(
    command: &ConversationCommand,
    subject: &str,
) -> Result<Address, AddressError> {
    let (tenant, conversation) = parse_ids(&command.tenant, &command.conversation)?;
    if subjects::command(tenant, conversation) != subject {
        return Err(AddressError::Misrouted {
            tenant,
            conversation,
            subject: subject.to_owned(),
        });
    }
    if command.command_id.is_empty() {
        return Err(AddressError::NoCommandId);
    }
    Ok(Address {
        tenant,
        conversation,
    })
}

pub(super) fn parse_ids(
    tenant: &str,
    conversation: &str,
) -> Result<(TenantId, ConversationId), AddressError> {
    let tenant = tenant.parse().map_err(AddressError::Tenant)?;
    let conversation = conversation.parse().map_err(AddressError::Conversation)?;
    Ok((tenant, conversation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(tenant: TenantId, conversation: ConversationId) -> ConversationCommand {
        ConversationCommand {
            tenant: tenant.to_string(),
            conversation: conversation.to_string(),
            command_id: "cmd-1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_command_on_its_own_subject_is_addressed() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let address = address(&command(t, c), &subjects::command(t, c)).unwrap();
        assert_eq!((address.tenant, address.conversation), (t, c));
    }

    #[test]
    fn a_command_on_another_conversations_subject_is_misaddressed() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let other = subjects::command(TenantId::new(), c);
        assert!(
            address(&command(t, c), &other)
                .unwrap_err()
                .to_string()
                .contains("arrived on")
        );
        let other = subjects::command(t, ConversationId::new());
        assert!(address(&command(t, c), &other).is_err());
    }

    #[test]
    fn a_command_without_ids_or_command_id_is_misaddressed() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let mut bad = command(t, c);
        bad.tenant = "nope".into();
        assert!(
            address(&bad, &subjects::command(t, c))
                .unwrap_err()
                .to_string()
                .contains("tenant")
        );
        let mut bad = command(t, c);
        bad.command_id.clear();
        assert!(
            address(&bad, &subjects::command(t, c))
                .unwrap_err()
                .to_string()
                .contains("command_id")
        );
    }
}
