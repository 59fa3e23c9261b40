//! Waiting at start for what a service needs (NATS, its buckets, the
//! database): services may start before their dependencies (as under
//! `make run`), so each step is retried with backoff until it answers, fails
//! for good, or the start deadline passes. [`retry_until`] hands back either
//! the attempt's own error or a [`StartupTimeout`]; the service kit
//! (`switchboard_bus::service`) turns both into its one start error.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The first wait between two attempts; it doubles up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(2);

/// A dependency did not answer before the start deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("gave up after {seconds}s waiting for {what}: {last_error}")]
pub struct StartupTimeout {
    /// What was waited for, e.g. "the database".
    pub what: &'static str,
    /// How long this step waited.
    pub seconds: u64,
    /// The last attempt's error, or "no answer" when it was still pending.
    pub last_error: String,
}

/// Why [`retry_until`] gave up.
#[derive(Debug)]
pub enum RetryError<E> {
    /// The attempt failed with an error `retryable` called final.
    Failed(E),
    TimedOut(StartupTimeout),
}

/// Calls `attempt` until it succeeds, fails with an error `retryable`
/// rejects, or `deadline` passes (an attempt still pending at the deadline
/// is abandoned).
pub async fn retry_until<T, E, F, Fut>(
    what: &'static str,
    deadline: Instant,
    mut attempt: F,
    retryable: impl Fn(&E) -> bool,
) -> Result<T, RetryError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Display,
{
    let started = Instant::now();
    let mut delay = FIRST_DELAY;
    loop {
        let timed_out = |last_error: String| {
            RetryError::TimedOut(StartupTimeout {
                what,
                seconds: started.elapsed().as_secs(),
                last_error,
            })
        };
        let error = match tokio::time::timeout_at(deadline, attempt()).await {
            Err(_) => return Err(timed_out("no answer".into())),
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) if !retryable(&error) => return Err(RetryError::Failed(error)),
            Ok(Err(error)) => error,
        };
        if Instant::now() + delay > deadline {
            return Err(timed_out(error.to_string()));
        }
        tracing::warn!(%error, "waiting for {what}");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_attempt_that_fails_then_answers_is_retried_until_it_does() {
        let mut calls = 0;
        let value = retry_until(
            "the thing",
            Instant::now() + Duration::from_secs(10),
            || {
                calls += 1;
                let result = if calls < 3 { Err("not yet") } else { Ok(calls) };
                async move { result }
            },
            |_| true,
        )
        .await;
        assert!(matches!(value, Ok(3)));
    }

    #[tokio::test]
    async fn a_final_error_is_returned_at_once() {
        let result: Result<(), _> = retry_until(
            "the thing",
            Instant::now() + Duration::from_secs(10),
            || async { Err("refused") },
            |_| false,
        )
        .await;
        assert!(matches!(result, Err(RetryError::Failed("refused"))));
    }

    #[tokio::test]
    async fn the_deadline_gives_a_timeout_with_the_last_error() {
        let result: Result<(), _> = retry_until(
            "the thing",
            Instant::now() + Duration::from_secs(1),
            || async { Err("down") },
            |_| true,
        )
        .await;
        let Err(RetryError::TimedOut(timeout)) = result else {
            panic!("expected a timeout, got {result:?}");
        };
        assert_eq!(
            (timeout.what, timeout.last_error.as_str()),
            ("the thing", "down")
        );
    }
}
