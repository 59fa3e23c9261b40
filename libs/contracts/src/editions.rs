//! What each product edition allows (SPEC §2). The gateway, the router and
//! the transcript service all ask the same question; the answer lives here.

use crate::v1::Edition;

impl Edition {
    /// Live chat with people (support teams, handoffs) is a premium and
    /// enterprise feature; standard tenants get AI agents only.
    pub fn allows_live_chat(self) -> bool {
        matches!(self, Edition::Premium | Edition::Enterprise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_premium_and_enterprise_allow_live_chat() {
        assert!(Edition::Premium.allows_live_chat());
        assert!(Edition::Enterprise.allows_live_chat());
        assert!(!Edition::Standard.allows_live_chat());
        assert!(!Edition::Unspecified.allows_live_chat());
    }
}
