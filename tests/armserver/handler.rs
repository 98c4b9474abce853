//! One request, start to end: the token endpoint, or ARM's checks in ARM's order (authentication,
//! method, api-version), then faults, snapshot gaps and throttling, then the estate; recorded, delayed by
//! the configured latency, and sent.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::{Request, Response};

use super::auth::{self, Tokens};
use super::estate::{Estate, subscription_of};
use super::faults::{self, FaultKind, FaultSet};
use super::http::{self, ArmBody};
use super::reply::{Delivery, IdGen, Reply};
use super::routes;
use super::throttle::Throttle;
use super::urlencoded;
use super::{Config, Recorded};

/// Everything the connections share.
pub(super) struct State {
    pub estate: Estate,
    pub config: Config,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub started: Instant,
    pub ids: IdGen,
    pub tokens: Tokens,
    pub faults: FaultSet,
    pub throttle: Throttle,
    pub records: Mutex<Vec<Recorded>>,
    pub counters: Counters,
}

/// The counters behind `Stats`, plus the connections open now.
#[derive(Default)]
pub(super) struct Counters {
    pub requests: AtomicU64,
    pub token_requests: AtomicU64,
    pub throttled: AtomicU64,
    pub early: AtomicU64,
    pub connections_accepted: AtomicU64,
    pub open_connections: AtomicU64,
    pub max_open_connections: AtomicU64,
    pub non_get: AtomicU64,
}

/// A request as received.
struct Received {
    method: String,
    path: String,
    query: String,
    /// Lower-case, without a trailing slash: ARM matches paths case-insensitively.
    lower: String,
    authorization: Option<String>,
    arrived: Instant,
}

impl State {
    pub fn new(estate: Estate, config: Config, base_url: String) -> State {
        State {
            estate,
            tokens: Tokens::new(config.token_lifetime),
            faults: FaultSet::new(&config.faults),
            throttle: Throttle::new(config.bucket, config.latency),
            config,
            base_url,
            started: Instant::now(),
            ids: IdGen::new(),
            records: Mutex::new(Vec::new()),
            counters: Counters::default(),
        }
    }

    pub fn reset_records(&self) {
        // Zero the counters before clearing the records, so that a request landing in between shows in
        // neither rather than in the records alone.
        let c = &self.counters;
        for counter in [&c.requests, &c.token_requests, &c.throttled, &c.early, &c.connections_accepted, &c.non_get] {
            counter.store(0, Ordering::Relaxed);
        }
        c.max_open_connections.store(c.open_connections.load(Ordering::Relaxed), Ordering::Relaxed);
        self.throttle.forget_429s();
        self.records.lock().unwrap().clear();
    }

    /// The response to an ARM request (anything but the token endpoint).
    fn arm(&self, request: &Received, subscription: Option<&str>) -> Reply {
        if let Err(unauthorized) = self.tokens.check(request.authorization.as_deref(), &self.authority()) {
            return unauthorized;
        }
        if request.method != "GET" {
            return Reply::arm_error(
                405,
                "MethodNotAllowed",
                format!(
                    "The loopback ARM server is read-only: method '{}' is not allowed on '{}'.",
                    request.method, request.path
                ),
            );
        }
        if urlencoded::value(&request.query, "api-version").is_none_or(|v| v.is_empty()) {
            return Reply::arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }

        let cx = faults::Context { config: &self.config, ids: &self.ids, path: &request.path, subscription };
        if let Some(kind) = self.faults.take(&request.method, &request.lower) {
            return match kind {
                FaultKind::Truncated => {
                    let real = routes::get(self, &request.path, &request.lower, &request.query);
                    Reply { delivery: Delivery::Truncated, ..real }.with_fault(kind.label())
                }
                FaultKind::Throttle { retry_after_secs } => {
                    if let Some(subscription) = subscription {
                        self.throttle.note_429(subscription, request.arrived, retry_after_secs);
                    }
                    faults::reply(kind, &cx)
                }
                _ => faults::reply(kind, &cx),
            };
        }
        if self.estate.is_forbidden(&request.lower) {
            return faults::forbidden(&cx).with_fault(FaultKind::Forbidden.label());
        }
        if let Some(subscription) = subscription
            && let Err(retry_after_secs) = self.throttle.take(subscription, request.arrived)
        {
            return faults::throttled(&cx, retry_after_secs);
        }
        routes::get(self, &request.path, &request.lower, &request.query)
    }

    /// The headers of every ARM response: request ids, and the remaining reads of the subscription or
    /// tenant, which clients read to pace themselves.
    fn arm_headers(&self, subscription: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = vec![("x-ms-request-id", self.ids.guid()), ("x-ms-correlation-request-id", self.ids.guid())];
        match subscription {
            Some(subscription) => {
                let remaining = self.throttle.remaining(subscription, Instant::now()).to_string();
                headers.push(("x-ms-ratelimit-remaining-subscription-reads", remaining.clone()));
                headers.push(("x-ms-ratelimit-remaining-subscription-global-reads", remaining));
            }
            None => headers.push(("x-ms-ratelimit-remaining-tenant-reads", "11999".to_owned())),
        }
        headers
    }

    /// The `authorization_uri` of 401 challenges: this server is the authority host.
    fn authority(&self) -> String {
        format!("{}/{}", self.base_url, self.config.tenant_id)
    }

    fn record(&self, request: &Received, reply: &Reply, subscription: Option<String>) {
        let status = if reply.delivery == Delivery::Hang { 0 } else { reply.status };
        self.records.lock().unwrap().push(Recorded {
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            status,
            subscription,
            at: request.arrived.saturating_duration_since(self.started),
            authorization: request.authorization.clone(),
            fault: reply.fault.clone(),
        });
    }
}

pub(super) async fn handle(state: Arc<State>, request: Request<Incoming>) -> Response<ArmBody> {
    let arrived = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let trimmed = path.trim_end_matches('/');
    let request = Received {
        method: parts.method.as_str().to_owned(),
        lower: if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_ascii_lowercase() },
        query: parts.uri.query().unwrap_or_default().to_owned(),
        authorization: parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned),
        path,
        arrived,
    };
    let counters = &state.counters;
    counters.requests.fetch_add(1, Ordering::Relaxed);
    // Only the token endpoint reads the body, but reading it whole every time keeps the connection
    // reusable, and leaves nothing unread that would turn a fault's close into a reset.
    let body = body.collect().await.map(|collected| collected.to_bytes()).unwrap_or_default();

    if auth::is_token_path(&request.lower) {
        counters.token_requests.fetch_add(1, Ordering::Relaxed);
        let reply = state.tokens.token_endpoint(&state.config, &state.ids, &request.method, &request.path, &body);
        state.record(&request, &reply, None);
        return http::response(reply, vec![("x-ms-request-id", state.ids.guid())]);
    }

    if request.method != "GET" {
        counters.non_get.fetch_add(1, Ordering::Relaxed);
    }
    let subscription = subscription_of(&request.lower).map(str::to_owned);
    if let Some(subscription) = &subscription
        && state.throttle.arrive(subscription, arrived)
    {
        counters.early.fetch_add(1, Ordering::Relaxed);
    }
    let reply = state.arm(&request, subscription.as_deref());
    if reply.status == 429 {
        counters.throttled.fetch_add(1, Ordering::Relaxed);
    }
    let headers = state.arm_headers(subscription.as_deref());
    state.record(&request, &reply, subscription);

    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    if reply.delivery == Delivery::Hang {
        // Dropped with the connection task when the server stops.
        std::future::pending::<()>().await;
    }
    http::response(reply, headers)
}
