//! The snake_case names that the HTTP API and WebSocket frames use for enums.

use crate::v1::{
    Access, AiKind, ConversationState, Edition, EndReason, Role, SupportMode, WidgetKind,
};

macro_rules! wire_names {
    ($($ty:ident { $($variant:ident => $name:literal),* $(,)? })*) => {$(
        impl WireName for $ty {
            fn wire_name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                    #[allow(unreachable_patterns)]
                    _ => "unspecified",
                }
            }

            fn from_wire_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some($ty::$variant),)*
                    _ => None,
                }
            }

            fn wire_names() -> &'static [&'static str] {
                &[$($name),*]
            }
        }
    )*};
}

/// An enum with a fixed snake_case name per meaningful variant.
pub trait WireName: Sized + Copy {
    fn wire_name(self) -> &'static str;
    fn from_wire_name(name: &str) -> Option<Self>;
    /// Every accepted name, for error messages.
    fn wire_names() -> &'static [&'static str];
}

wire_names! {
    Role { Customer => "customer", Ai => "ai", Agent => "agent", System => "system" }
    ConversationState { Ai => "ai", Queued => "queued", Live => "live", Ended => "ended" }
    EndReason {
        CustomerEnded => "customer_ended",
        AgentEnded => "agent_ended",
        Inactivity => "inactivity",
        AcceptTimeout => "accept_timeout",
        NoAgentsAvailable => "no_agents_available",
    }
    SupportMode { AiAgent => "ai_agent", SupportTeam => "support_team", AiAndTeam => "ai_and_team" }
    Edition { Standard => "standard", Premium => "premium", Enterprise => "enterprise" }
    Access { Open => "open", SignedIn => "signed_in" }
    WidgetKind { SupportSite => "support_site", Embed => "embed" }
    AiKind { Builtin => "builtin", External => "external" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in SupportMode::wire_names() {
            assert_eq!(
                SupportMode::from_wire_name(name).unwrap().wire_name(),
                *name
            );
        }
        assert_eq!(
            EndReason::from_wire_name("inactivity"),
            Some(EndReason::Inactivity)
        );
        assert_eq!(Edition::from_wire_name("gold"), None);
    }
}
