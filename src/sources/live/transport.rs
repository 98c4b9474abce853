//! The transport under every azure_core pipeline of the live scan (acr-audit's own and the
//! `azure_mgmt_containerregistry` client's): the one place where ARM's rules are kept.
//!
//! - GET only (and the credential's own token requests, which do not pass here): anything else is
//!   refused before it leaves the process.
//! - Bounded concurrency (a semaphore of `--concurrency` permits) over one pooled keep-alive client.
//! - Per-subscription pacing (`pacing.rs`): `Retry-After` and the remaining-reads header.
//! - Retries with backoff for 5xx, connection errors, timeouts and truncated bodies; a 401 for an
//!   expired token gets a fresh token and one more try.
//! - The body is read here, inside the timeout, so that a body cut short is retried like any other
//!   transient failure rather than surfacing later as invalid JSON.
//!
//! A final answer that is not a success is handed up as it is; the pipeline's no-retry policy turns
//! it into an `azure_core` HTTP error carrying ARM's status, error code and message.

use super::monitor::Monitor;
use super::pacing::{Admit, Pacing};
use azure_core::auth::TokenCredential;
use azure_core::error::{Error as AzError, ErrorKind};
use azure_core::headers::{AUTHORIZATION, HeaderName, Headers, RETRY_AFTER};
use azure_core::{BytesStream, Context, HttpClient, Method, Policy, PolicyResult, Request, Response, StatusCode};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const REMAINING_READS: HeaderName = HeaderName::from_static("x-ms-ratelimit-remaining-subscription-reads");

#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    /// Time allowed for one attempt: connecting, the answer and its whole body.
    pub request_timeout: Duration,
    /// Attempts for transient failures (5xx, connection errors, timeouts, truncated bodies).
    pub attempts: u32,
    /// The first backoff; it doubles with each attempt.
    pub backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the request fails as throttled, so that one
    /// resource provider's 15-minute wait cannot hold up the scan.
    pub max_retry_wait: Duration,
}

#[derive(Debug)]
pub struct ArmTransport {
    client: reqwest::Client,
    credential: Arc<dyn TokenCredential>,
    scope: String,
    permits: Semaphore,
    pacing: Pacing,
    settings: Settings,
    monitor: Arc<Monitor>,
}

/// How one attempt ended.
enum Attempt {
    Answer(StatusCode, Headers, bytes::Bytes),
    /// No (complete) answer: connection error, timeout or a body cut short.
    Lost(String),
}

impl ArmTransport {
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        scope: String,
        settings: Settings,
        monitor: Arc<Monitor>,
    ) -> Result<ArmTransport, reqwest::Error> {
        let client = reqwest::Client::builder()
            // Keep-alive connections, reused: as many may wait idle as requests may be in flight, so
            // that none is closed only to be opened again a moment later.
            .pool_max_idle_per_host(settings.concurrency)
            .pool_idle_timeout(Duration::from_secs(60))
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(20)))
            .build()?;
        Ok(ArmTransport {
            client,
            credential,
            scope,
            permits: Semaphore::new(settings.concurrency.max(1)),
            pacing: Pacing::default(),
            settings,
            monitor,
        })
    }

    /// A bearer token for ARM. The credential caches it and renews it shortly before it expires.
    pub async fn token(&self) -> azure_core::Result<String> {
        Ok(self.credential.get_token(&[&self.scope]).await?.token.secret().to_string())
    }

    async fn attempt(&self, request: &Request) -> Attempt {
        let exchange = async {
            let response = self.client.execute_request(request).await?;
            let (status, headers, body) = response.deconstruct();
            let bytes = body.collect().await?;
            Ok::<_, AzError>((status, headers, bytes))
        };
        match tokio::time::timeout(self.settings.request_timeout, exchange).await {
            Ok(Ok((status, headers, bytes))) => Attempt::Answer(status, headers, bytes),
            Ok(Err(e)) => Attempt::Lost(format!("connection error: {}", root_cause(&e))),
            Err(_) => Attempt::Lost(format!("no answer within {} s", self.settings.request_timeout.as_secs_f64())),
        }
    }

    /// Wait until the scope may send and a permit is free. Fails when the scope is blocked for longer
    /// than `--max-retry-wait`.
    async fn admitted(&self, scope: &str) -> Result<tokio::sync::SemaphorePermit<'_>, Duration> {
        loop {
            match self.pacing.admit(scope) {
                Admit::Go => {}
                Admit::Wait(d) if d > self.settings.max_retry_wait => return Err(d),
                Admit::Wait(d) => {
                    tokio::time::sleep(d).await;
                    continue;
                }
            }
            // The pacing slot is taken before the permit; waiting for a permit never holds up another
            // subscription, and a 429 that arrives meanwhile is honoured on the next turn.
            let permit = self.permits.acquire().await.map_err(|_| Duration::ZERO)?;
            if let Some(d) = self.pacing.blocked_for(scope) {
                self.pacing.answered(scope, None);
                drop(permit);
                if d > self.settings.max_retry_wait {
                    return Err(d);
                }
                tokio::time::sleep(d).await;
                continue;
            }
            return Ok(permit);
        }
    }
}

#[async_trait::async_trait]
impl Policy for ArmTransport {
    async fn send(&self, _ctx: &Context, request: &mut Request, _next: &[Arc<dyn Policy>]) -> PolicyResult {
        if *request.method() != Method::Get {
            return Err(AzError::message(
                ErrorKind::Other,
                "acr-audit only reads: a request other than GET was refused",
            ));
        }
        let scope = subscription_of(request.url().path());
        let shown = request.path_and_query();
        let mut failures = 0u32;
        let mut renewed_token = false;
        loop {
            let permit = match self.admitted(&scope).await {
                Ok(p) => p,
                Err(wait) => {
                    return Err(AzError::message(
                        ErrorKind::Io,
                        format!(
                            "throttled: ARM asked to wait {:.0} s, longer than --max-retry-wait {:.0} s",
                            wait.as_secs_f64(),
                            self.settings.max_retry_wait.as_secs_f64()
                        ),
                    ));
                }
            };
            let started = Instant::now();
            self.monitor.counters.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = self.attempt(request).await;
            // hyper hands a connection back to the pool from its own task once the body has been read.
            // Letting that task run before the permit is released keeps the next request from opening
            // a new connection meanwhile (measured: concurrency + 1 connections open at most with
            // this, up to concurrency + 12 without; BENCHMARKS.md).
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            drop(permit);
            let took = started.elapsed();
            let (status, headers, body) = match outcome {
                Attempt::Answer(s, h, b) => (s, h, b),
                Attempt::Lost(why) => {
                    self.pacing.answered(&scope, None);
                    self.monitor.request("GET", &shown, &why, took);
                    failures += 1;
                    if failures >= self.settings.attempts {
                        return Err(AzError::message(
                            ErrorKind::Io,
                            format!("{why} (tried {} times)", self.settings.attempts),
                        ));
                    }
                    self.monitor.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(backoff(self.settings.backoff, failures)).await;
                    continue;
                }
            };
            let remaining = headers.get_optional_str(&REMAINING_READS).and_then(|v| v.trim().parse::<f64>().ok());
            self.monitor.request("GET", &shown, &u16::from(status).to_string(), took);
            let retry_after = headers.get_optional_str(&RETRY_AFTER).and_then(parse_retry_after);
            match u16::from(status) {
                429 => {
                    self.monitor.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    let wait = retry_after.unwrap_or_else(|| backoff(self.settings.backoff, failures + 1));
                    self.pacing.answered(&scope, None);
                    self.pacing.throttled(&scope, wait);
                    if wait > self.settings.max_retry_wait {
                        return Ok(Response::new(status, headers, Box::pin(BytesStream::new(body))));
                    }
                    self.monitor.throttled(if scope.is_empty() { "tenant" } else { &scope }, wait);
                    continue;
                }
                401 if !renewed_token && expired_token(&body) => {
                    // A token can expire (or be revoked) before the time it announced: renew it once.
                    self.pacing.answered(&scope, remaining);
                    renewed_token = true;
                    self.monitor.counters.retries.fetch_add(1, Ordering::Relaxed);
                    self.credential.clear_cache().await?;
                    let token = self.token().await?;
                    request.insert_header(AUTHORIZATION, format!("Bearer {token}"));
                    continue;
                }
                500 | 502 | 503 | 504 => {
                    self.pacing.answered(&scope, remaining);
                    failures += 1;
                    if failures >= self.settings.attempts {
                        return Ok(Response::new(status, headers, Box::pin(BytesStream::new(body))));
                    }
                    self.monitor.counters.retries.fetch_add(1, Ordering::Relaxed);
                    let wait = retry_after
                        .filter(|d| *d <= self.settings.max_retry_wait)
                        .unwrap_or_else(|| backoff(self.settings.backoff, failures));
                    tokio::time::sleep(wait).await;
                    continue;
                }
                _ => {
                    self.pacing.answered(&scope, remaining);
                    return Ok(Response::new(status, headers, Box::pin(BytesStream::new(body))));
                }
            }
        }
    }
}

/// The pacing scope of a request: its subscription (lower-case), or "" for tenant-level requests.
fn subscription_of(path: &str) -> String {
    crate::normalise::ids::subscription_of(path).unwrap_or_default()
}

/// `Retry-After` in seconds (ARM's form) or as an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs.max(0.0)).ok();
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp_millis() - chrono::Utc::now().timestamp_millis()).max(0);
    Some(Duration::from_millis(secs as u64))
}

/// Exponential backoff with jitter, so that many requests that failed together do not retry together.
fn backoff(base: Duration, failures: u32) -> Duration {
    let exp = base.saturating_mul(1 << failures.saturating_sub(1).min(6));
    let nanos = Instant::now().elapsed().as_nanos() as u64 ^ std::process::id() as u64;
    let jitter = 0.75 + (nanos % 500) as f64 / 1000.0;
    exp.mul_f64(jitter)
}

/// Whether a 401 body says the token expired or is no longer valid (ARM's codes).
fn expired_token(body: &[u8]) -> bool {
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/code").and_then(|c| c.as_str()).map(str::to_string))
        .unwrap_or_default();
    matches!(code.as_str(), "ExpiredAuthenticationToken" | "InvalidAuthenticationToken")
}

/// The innermost message of an error chain: "connection refused", not "failed to execute request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_paced_by_their_subscription() {
        assert_eq!(subscription_of("/subscriptions/ABC/providers/x"), "abc");
        assert_eq!(subscription_of("/subscriptions"), "");
        assert_eq!(subscription_of("/providers/Microsoft.Management/managementGroups/m"), "");
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("17"), Some(Duration::from_secs(17)));
        assert!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").is_some());
        assert_eq!(parse_retry_after("soon"), None);
    }
}
