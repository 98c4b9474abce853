//! A loopback Azure Resource Manager: an HTTP/1.1 server on 127.0.0.1 that serves an estate of ARM
//! resources the way ARM does (the Entra ID token endpoint, bearer tokens, `api-version`, paging with
//! `nextLink`, extension resources, `atScope()` role assignments, x-ms headers), and that misbehaves on
//! demand: 403s, throttling with `Retry-After`, 5xx, hung requests, truncated bodies, vanished resources.
//!
//! Every request is recorded, so that a test can assert what the client did (only GETs, bearer tokens
//! sent, no request before `Retry-After` elapsed, connections reused).
//!
//! Used by the integration tests (`mod armserver;`) and by `benches/live_scan.rs`
//! (`#[path = "../tests/armserver/mod.rs"] mod armserver;`), so it depends on nothing else in tests/.
//!
//! Layout: `estate` indexes the resources, `routes` answers GETs from it, `auth` plays Entra ID and checks
//! bearer tokens, `faults` and `throttle` decide misbehaviour, `handler` runs one request through all of
//! these and records it, `http` owns the socket, the runtime and the response bodies.

// Each test file and the benchmark compile this module on their own and each uses a different part of
// it; what one of them leaves unused is not dead.
#![allow(dead_code)]

mod auth;
mod estate;
mod faults;
mod handler;
mod http;
mod reply;
mod routes;
mod throttle;
mod urlencoded;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

// The API. As with dead code above, a re-export one user leaves unused is still in use elsewhere.
#[allow(unused_imports)]
pub use estate::Estate;
#[allow(unused_imports)]
pub use faults::{Fault, FaultKind, Match};
#[allow(unused_imports)]
pub use throttle::Bucket;

use handler::State;

/// How the server behaves. Start from `Config::default()` and override what a test needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The tenant in the token endpoint path (`/{tenant}/oauth2/v2.0/token`).
    pub tenant_id: String,
    /// The only client credentials the token endpoint accepts.
    pub client_id: String,
    pub client_secret: String,
    /// The federated token (workload identity federation) the token endpoint accepts as a client assertion.
    pub federated_token: String,
    /// The object id of the client's service principal, as ARM names it in 403 and 429 messages.
    pub object_id: String,
    /// List page size: longer lists are paged with `nextLink` (diagnostic settings never are, as in ARM).
    pub page_size: usize,
    /// Added to every ARM response (not to the token endpoint), without blocking other requests.
    pub latency: Duration,
    /// How long an issued access token is accepted. The token response always says `expires_in: 3599`,
    /// so this lets a test expire a token that the client still believes valid.
    pub token_lifetime: Option<Duration>,
    /// ARM's per-subscription read throttling; `None` never throttles (except through faults).
    pub bucket: Option<Bucket>,
    /// Checked in order after authentication; the first one that matches and is not used up applies.
    pub faults: Vec<Fault>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            tenant_id: "00000000-0000-0000-0000-0000000000aa".to_owned(),
            client_id: "00000000-0000-0000-0000-0000000000bb".to_owned(),
            client_secret: "loopback-secret-value".to_owned(),
            federated_token: "loopback-federated-oidc-token".to_owned(),
            object_id: "00000000-0000-0000-0000-0000000000cc".to_owned(),
            page_size: 100,
            latency: Duration::ZERO,
            token_lifetime: None,
            bucket: None,
            faults: Vec::new(),
        }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path as sent, without the query.
    pub path: String,
    /// The raw query string, without `?` (empty when there is none).
    pub query: String,
    /// The status sent; 0 for a request held by a `Timeout` fault (no response was ever sent).
    pub status: u16,
    /// The lower-case subscription id when the path starts with `/subscriptions/{id}`.
    pub subscription: Option<String>,
    /// Arrival time since the server started.
    pub at: Duration,
    /// The raw `Authorization` header.
    pub authorization: Option<String>,
    /// The fault that decided the response (`FaultKind::label`), if any. Snapshot gaps show as
    /// `Forbidden`; bucket throttling is not a fault (status 429, no label).
    pub fault: Option<String>,
}

/// Counters since the server started or since the last `reset_records`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every request, the token endpoint's included.
    pub requests: u64,
    pub token_requests: u64,
    /// 429s sent, by faults and by the bucket.
    pub throttled: u64,
    /// Requests for a subscription that arrived more than 50 ms after a 429 was sent for it (50 ms lets
    /// requests already in flight land) and before that 429's `Retry-After` elapsed.
    pub early: u64,
    pub connections_accepted: u64,
    pub max_open_connections: u64,
    /// Requests with a method other than GET, POSTs to the token endpoint excepted.
    pub non_get: u64,
}

/// A running loopback ARM. Stops when dropped.
pub struct ArmServer {
    state: Arc<State>,
    url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ArmServer {
    /// Binds 127.0.0.1 on a free port and serves on a thread of its own with its own tokio runtime, so
    /// that it works the same from a sync `#[test]`, an async test and a benchmark. Returns when ready.
    pub fn start(estate: Estate, config: Config) -> ArmServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("armserver: bind 127.0.0.1:0");
        let port = listener.local_addr().expect("armserver: local address").port();
        let url = format!("http://127.0.0.1:{port}");
        let state = Arc::new(State::new(estate, config, url.clone()));
        let (thread, shutdown) = http::spawn(Arc::clone(&state), listener);
        ArmServer { state, url, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: both the ARM endpoint and the authority host.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every request since the start or the last `reset_records`, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        let mut requests = self.state.records.lock().unwrap().clone();
        // Requests are recorded when their response is decided; concurrent ones can be decided in a
        // different order than they arrived in.
        requests.sort_by_key(|r| r.at);
        requests
    }

    pub fn stats(&self) -> Stats {
        let c = &self.state.counters;
        Stats {
            requests: c.requests.load(Ordering::Relaxed),
            token_requests: c.token_requests.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            early: c.early.load(Ordering::Relaxed),
            connections_accepted: c.connections_accepted.load(Ordering::Relaxed),
            max_open_connections: c.max_open_connections.load(Ordering::Relaxed),
            non_get: c.non_get.load(Ordering::Relaxed),
        }
    }

    /// Forgets the recorded requests and zeroes the stats (the open-connection high-water mark restarts
    /// from the connections open now), so that one server can serve several measured scans. Bucket
    /// levels, issued tokens and the remaining counts of faults carry on.
    pub fn reset_records(&self) {
        self.state.reset_records();
    }
}

impl Drop for ArmServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // The server thread drops every connection task without waiting for it (requests held by a
            // Timeout fault included), so this returns promptly.
            let _ = thread.join();
        }
    }
}
