//! Typed ids. Every id is a UUID rendered as lowercase hyphenated text, which
//! keeps it safe as a NATS subject token and as a database key.

use std::fmt;
use std::str::FromStr;

/// The text was not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id")]
pub struct InvalidId(pub String);

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| InvalidId(s.chars().take(64).collect()))
            }
        }
    )*};
}

typed_id! {
    /// A tenant (one customer organisation).
    TenantId;
    /// A conversation thread.
    ConversationId;
    /// A customer experience.
    ExperienceId;
    /// A chat widget of an experience.
    WidgetId;
    /// An AI agent.
    AiAgentId;
    /// A support team's space.
    SpaceId;
    /// A human agent.
    AgentId;
    /// A stored chat message.
    MessageId;
}

/// One offer of one conversation to one agent, rendered
/// `{conversation}:{number}`. The router makes them (`number` counts the
/// tenant's offers); the agent console sends them back to accept or decline,
/// and the gateway checks their form before passing them on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OfferId {
    pub conversation: ConversationId,
    pub number: u64,
}

/// The text was not an offer id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid offer id")]
pub struct InvalidOfferId(pub String);

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.conversation, self.number)
    }
}

impl fmt::Debug for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfferId({self})")
    }
}

impl FromStr for OfferId {
    type Err = InvalidOfferId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidOfferId(s.chars().take(64).collect());
        let (conversation, number) = s.split_once(':').ok_or_else(invalid)?;
        Ok(OfferId {
            conversation: conversation.parse().map_err(|_| invalid())?,
            number: number.parse().map_err(|_| invalid())?,
        })
    }
}

impl serde::Serialize for OfferId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for OfferId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = TenantId::new();
        assert_eq!(id.to_string().parse::<TenantId>(), Ok(id));
    }

    #[test]
    fn text_that_is_not_a_uuid_is_refused() {
        assert!("tenant.>".parse::<TenantId>().is_err());
        assert!("".parse::<ConversationId>().is_err());
    }

    #[test]
    fn an_offer_id_is_a_conversation_and_a_number() {
        let offer = OfferId {
            conversation: ConversationId::new(),
            number: 7,
        };
        assert_eq!(offer.to_string().parse::<OfferId>(), Ok(offer));
        for bad in [
            "",
            "7",
            "x:7",
            &format!("{}:", offer.conversation),
            &format!("{}:-1", offer.conversation),
        ] {
            assert!(bad.parse::<OfferId>().is_err(), "{bad}");
        }
    }
}
