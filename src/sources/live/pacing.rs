//! Politeness per subscription. ARM meters reads per subscription (a token bucket: 250 tokens, refilled
//! at 25 a second in the public cloud) and answers 429 with `Retry-After` when it is empty. So:
//!
//! - after a 429, nothing more is sent for that subscription until its `Retry-After` has elapsed, while
//!   other subscriptions go on;
//! - every response's `x-ms-ratelimit-remaining-subscription-reads` says how many reads are left; when
//!   the requests in flight would use them up, the next one waits for the bucket to refill instead of
//!   being answered 429.
//!
//! Requests outside a subscription (the subscription list) share the tenant's entry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// ARM's documented refill rate per subscription (reads per second). Only used to estimate how soon a
/// nearly empty bucket has room again; the headers say how full it is.
const REFILL_PER_SEC: f64 = 25.0;

#[derive(Debug, Default)]
struct Scope {
    /// Nothing is sent before this instant (a `Retry-After`).
    blocked_until: Option<Instant>,
    /// The last `remaining` header and when it was read.
    remaining: Option<(f64, Instant)>,
    /// Requests sent since that header and not answered yet.
    in_flight: u32,
}

#[derive(Debug, Default)]
pub struct Pacing {
    scopes: Mutex<HashMap<String, Scope>>,
}

/// What `admit` decided.
pub enum Admit {
    Go,
    /// Wait this long, then ask again.
    Wait(Duration),
}

impl Pacing {
    /// Whether a request for `scope` may go now. On `Go` it is counted as in flight.
    pub fn admit(&self, scope: &str) -> Admit {
        let now = Instant::now();
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let s = scopes.entry(scope.to_string()).or_default();
        if let Some(until) = s.blocked_until {
            if until > now {
                return Admit::Wait(until - now);
            }
            s.blocked_until = None;
        }
        if let Some((remaining, at)) = s.remaining {
            let available = remaining + REFILL_PER_SEC * now.duration_since(at).as_secs_f64() - f64::from(s.in_flight);
            // Keep one read in hand: other tools of the same principal share the bucket.
            if available < 2.0 {
                return Admit::Wait(Duration::from_secs_f64((2.0 - available) / REFILL_PER_SEC));
            }
        }
        s.in_flight += 1;
        Admit::Go
    }

    /// How long `scope` is blocked by a `Retry-After`, if it is.
    pub fn blocked_for(&self, scope: &str) -> Option<Duration> {
        let scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let until = scopes.get(scope)?.blocked_until?;
        until.checked_duration_since(Instant::now())
    }

    /// An answer came back (or the attempt failed); `remaining` is the header's value, if present.
    pub fn answered(&self, scope: &str, remaining: Option<f64>) {
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let s = scopes.entry(scope.to_string()).or_default();
        s.in_flight = s.in_flight.saturating_sub(1);
        if let Some(r) = remaining {
            s.remaining = Some((r, Instant::now()));
        }
    }

    /// A 429: block the scope for `retry_after` from now.
    pub fn throttled(&self, scope: &str, retry_after: Duration) {
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let s = scopes.entry(scope.to_string()).or_default();
        let until = Instant::now() + retry_after;
        s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        // The bucket was empty: what is left is what refills from now.
        s.remaining = Some((0.0, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_after_blocks_only_its_scope() {
        let p = Pacing::default();
        p.throttled("sub-a", Duration::from_secs(30));
        assert!(matches!(p.admit("sub-a"), Admit::Wait(d) if d > Duration::from_secs(29)));
        assert!(matches!(p.admit("sub-b"), Admit::Go));
    }

    #[test]
    fn a_nearly_empty_bucket_is_waited_for() {
        let p = Pacing::default();
        assert!(matches!(p.admit("s"), Admit::Go));
        p.answered("s", Some(2.5));
        assert!(matches!(p.admit("s"), Admit::Go));
        // 2.5 left minus one in flight: below the reserve, so the next one waits for the refill.
        assert!(matches!(p.admit("s"), Admit::Wait(d) if d > Duration::ZERO && d < Duration::from_millis(100)));
        p.answered("s", Some(200.0));
        assert!(matches!(p.admit("s"), Admit::Go));
    }
}
