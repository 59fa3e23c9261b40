//! A client frame's way in, the same for both sockets: the per-connection
//! rate limit first (a dropped frame costs nothing more), then the size cap,
//! then parsing. Whatever is refused becomes the [`WsError`] to answer with;
//! the socket lives on. [`ClientSession`] is a session's side of it.

use std::time::Instant;

use super::client_frame::ParseFrame;
use super::error::WsError;
use super::rate::TokenBucket;
use super::{MAX_FRAME_BYTES, Now};

#[derive(Debug, Clone)]
pub struct Intake {
    bucket: TokenBucket,
}

impl Intake {
    /// Admits `frames_per_second` on average, bursts up to twice that.
    pub fn new(frames_per_second: u32, now: Instant) -> Self {
        Self {
            bucket: TokenBucket::new(frames_per_second, now),
        }
    }

    /// A text frame, parsed, or the error to answer it with.
    pub fn text<F: ParseFrame>(&mut self, text: &str, now: Instant) -> Result<F, WsError> {
        if !self.bucket.try_take(now) {
            return Err(WsError::rate_limited());
        }
        if text.len() > MAX_FRAME_BYTES {
            return Err(WsError::invalid("frame too large: at most 16 KiB"));
        }
        F::parse(text).map_err(|error| WsError::invalid(error.0))
    }

    /// A binary frame: the protocol is JSON text only, so always an error.
    pub fn binary(&mut self, now: Instant) -> WsError {
        if !self.bucket.try_take(now) {
            return WsError::rate_limited();
        }
        WsError::invalid("binary frames are not accepted; send JSON text frames")
    }
}

/// A session as its client frames see it: what they parse into, what a
/// well-formed one does, and how a refused one is answered.
pub trait ClientSession {
    type Frame: ParseFrame;
    type Effect;

    fn intake(&mut self) -> &mut Intake;

    /// A well-formed client frame.
    fn on_client_frame(&mut self, frame: Self::Frame, now: Now) -> Vec<Self::Effect>;

    /// The effect that answers a refused frame (an `error` frame).
    fn refuse(error: WsError) -> Self::Effect;

    /// A text frame from the client.
    fn on_client_text(&mut self, text: &str, now: Now) -> Vec<Self::Effect> {
        match self.intake().text::<Self::Frame>(text, now.instant) {
            Ok(frame) => self.on_client_frame(frame, now),
            Err(error) => vec![Self::refuse(error)],
        }
    }

    /// A binary frame from the client.
    fn on_binary_frame(&mut self, now: Now) -> Vec<Self::Effect> {
        vec![Self::refuse(self.intake().binary(now.instant))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::shell_tests::probe::Typed;

    #[test]
    fn a_well_formed_frame_is_parsed_and_a_malformed_one_is_named_invalid() {
        let mut intake = Intake::new(10, Instant::now());
        let frame: Typed = intake.text(r#"{"type":"end"}"#, Instant::now()).unwrap();
        assert_eq!(frame.0, "end");
        let refused = intake.text::<Typed>("nope", Instant::now()).unwrap_err();
        assert_eq!(refused.code(), "invalid");
        assert!(refused.message().contains("not valid JSON"));
    }

    #[test]
    fn an_oversized_frame_is_refused_before_it_is_parsed() {
        let mut intake = Intake::new(10, Instant::now());
        let text = format!(r#"{{"type":"{}"}}"#, "x".repeat(MAX_FRAME_BYTES));
        let refused = intake.text::<Typed>(&text, Instant::now()).unwrap_err();
        assert_eq!(refused.message(), "frame too large: at most 16 KiB");
    }

    #[test]
    fn frames_beyond_the_burst_are_rate_limited_whatever_their_kind() {
        let now = Instant::now();
        let mut intake = Intake::new(1, now);
        assert!(intake.text::<Typed>(r#"{"type":"a"}"#, now).is_ok());
        assert_eq!(intake.binary(now).code(), "invalid");
        assert_eq!(intake.binary(now).code(), "rate_limited");
        let refused = intake.text::<Typed>(r#"{"type":"a"}"#, now).unwrap_err();
        assert_eq!(refused.code(), "rate_limited");
    }
}
