//! ARM's read throttling per subscription (a token bucket), and the memory of each 429 that tells
//! whether a client came back before `Retry-After` said it could.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `capacity` requests in a burst, refilled at `refill_per_sec`. The default is ARM's
/// subscription read bucket (250, 25 per second).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    pub capacity: f64,
    pub refill_per_sec: f64,
}

impl Default for Bucket {
    fn default() -> Bucket {
        Bucket { capacity: 250.0, refill_per_sec: 25.0 }
    }
}

/// A request that arrives within this long after a 429 was sent was most likely already in flight;
/// after it, a client that honours `Retry-After` has no business sending one.
const IN_FLIGHT_GRACE: Duration = Duration::from_millis(50);

/// The `x-ms-ratelimit-remaining-subscription-reads` value when no bucket is configured.
pub(super) const UNLIMITED_READS: u64 = 11999;

pub(super) struct Throttle {
    bucket: Option<Bucket>,
    /// `Config::latency`: a 429 leaves the server this long after it is decided, and the client's
    /// `Retry-After` runs from then.
    latency: Duration,
    subscriptions: Mutex<HashMap<String, SubscriptionState>>,
}

#[derive(Default)]
struct SubscriptionState {
    /// `None` until the subscription's first request: the bucket starts full.
    level: Option<(f64, Instant)>,
    /// The last 429 for the subscription: when it was sent, and when its `Retry-After` elapses.
    last_429: Option<(Instant, Instant)>,
}

impl Throttle {
    pub fn new(bucket: Option<Bucket>, latency: Duration) -> Throttle {
        Throttle { bucket, latency, subscriptions: Mutex::new(HashMap::new()) }
    }

    /// Notes a request's arrival; true when it came early (see `Stats::early`).
    pub fn arrive(&self, subscription: &str, now: Instant) -> bool {
        let subscriptions = self.subscriptions.lock().unwrap();
        subscriptions
            .get(subscription)
            .and_then(|s| s.last_429)
            .is_some_and(|(sent, until)| now > sent + IN_FLIGHT_GRACE && now < until)
    }

    /// Takes a token from the subscription's bucket for a request decided `now`. `Err` carries the
    /// `Retry-After` seconds when there is none; the 429 is remembered.
    pub fn take(&self, subscription: &str, now: Instant) -> Result<(), u64> {
        let Some(bucket) = self.bucket else { return Ok(()) };
        let mut subscriptions = self.subscriptions.lock().unwrap();
        let state = subscriptions.entry(subscription.to_owned()).or_default();
        let tokens = refill(bucket, state.level, now);
        if tokens >= 1.0 {
            state.level = Some((tokens - 1.0, now));
            Ok(())
        } else {
            state.level = Some((tokens, now));
            let retry_after = ((1.0 - tokens) / bucket.refill_per_sec).ceil().max(1.0) as u64;
            state.last_429 = Some(self.window(now, retry_after));
            Err(retry_after)
        }
    }

    /// Remembers a 429 decided `now` by a fault.
    pub fn note_429(&self, subscription: &str, now: Instant, retry_after_secs: u64) {
        let window = self.window(now, retry_after_secs);
        self.subscriptions.lock().unwrap().entry(subscription.to_owned()).or_default().last_429 = Some(window);
    }

    /// When a 429 decided at `decided` is sent, and when its `Retry-After` elapses.
    fn window(&self, decided: Instant, retry_after_secs: u64) -> (Instant, Instant) {
        let sent = decided + self.latency;
        (sent, sent + Duration::from_secs(retry_after_secs))
    }

    /// The whole tokens left in the subscription's bucket, for the x-ms-ratelimit headers.
    pub fn remaining(&self, subscription: &str, now: Instant) -> u64 {
        let Some(bucket) = self.bucket else { return UNLIMITED_READS };
        let subscriptions = self.subscriptions.lock().unwrap();
        refill(bucket, subscriptions.get(subscription).and_then(|s| s.level), now).floor() as u64
    }

    /// Forgets the 429s (for `ArmServer::reset_records`); bucket levels carry on.
    pub fn forget_429s(&self) {
        for state in self.subscriptions.lock().unwrap().values_mut() {
            state.last_429 = None;
        }
    }
}

fn refill(bucket: Bucket, level: Option<(f64, Instant)>, now: Instant) -> f64 {
    match level {
        None => bucket.capacity,
        Some((tokens, at)) => {
            (tokens + now.saturating_duration_since(at).as_secs_f64() * bucket.refill_per_sec).min(bucket.capacity)
        }
    }
}
