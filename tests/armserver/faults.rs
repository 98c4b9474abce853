//! Misbehaviour on demand: which requests get a fault, and the responses ARM gives in those cases.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;

use super::Config;
use super::reply::{Delivery, IdGen, Reply};

/// A fault injected into the ARM responses for matching requests (never into the token endpoint).
#[derive(Clone, Debug)]
pub struct Fault {
    /// `None`: any method.
    pub method: Option<&'static str>,
    /// Compared case-insensitively with the request path, without the query, as `matching` says.
    pub path_prefix: String,
    pub matching: Match,
    pub kind: FaultKind,
    /// How many matching requests get the fault; `None`: all of them.
    pub times: Option<usize>,
}

impl Fault {
    /// Every request whose path starts with `prefix`.
    pub fn prefix(prefix: impl Into<String>, kind: FaultKind) -> Fault {
        Fault { method: None, path_prefix: prefix.into(), matching: Match::Prefix, kind, times: None }
    }

    /// Every request whose path contains `fragment` (extension paths such as
    /// `/providers/Microsoft.Insights/diagnosticSettings` hang off every resource).
    pub fn contains(fragment: impl Into<String>, kind: FaultKind) -> Fault {
        Fault { matching: Match::Contains, ..Fault::prefix(fragment, kind) }
    }

    /// Every request for exactly `path`.
    pub fn exact(path: impl Into<String>, kind: FaultKind) -> Fault {
        Fault { matching: Match::Exact, ..Fault::prefix(path, kind) }
    }

    /// Only the first `times` matching requests.
    pub fn only(self, times: usize) -> Fault {
        Fault { times: Some(times), ..self }
    }

    /// Only requests with this method.
    pub fn for_method(self, method: &'static str) -> Fault {
        Fault { method: Some(method), ..self }
    }
}

/// How `Fault::path_prefix` is compared with the request path (case-insensitively, query excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Prefix,
    Contains,
    Exact,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 403 AuthorizationFailed.
    Forbidden,
    /// 429 SubscriptionRequestsThrottled with `Retry-After`.
    Throttle { retry_after_secs: u64 },
    /// This status with ARM's error body for it (500 InternalServerError, 503 ServiceUnavailable, …).
    Status(u16),
    /// No response at all, until the client gives up or the server stops.
    Timeout,
    /// The real response, whose `Content-Length` is announced but only half of whose body is sent
    /// before the connection is closed.
    Truncated,
    /// 404 ResourceNotFound, as if the resource had just been deleted.
    NotFound,
}

impl FaultKind {
    /// The name in `Recorded::fault`: `Forbidden`, `Throttle`, `Status(503)`, `Timeout`, `Truncated`,
    /// `NotFound`.
    pub fn label(&self) -> String {
        match self {
            FaultKind::Forbidden => "Forbidden".to_owned(),
            FaultKind::Throttle { .. } => "Throttle".to_owned(),
            FaultKind::Status(status) => format!("Status({status})"),
            FaultKind::Timeout => "Timeout".to_owned(),
            FaultKind::Truncated => "Truncated".to_owned(),
            FaultKind::NotFound => "NotFound".to_owned(),
        }
    }
}

/// The configured faults with what is left of their `times`, shared by every connection.
pub(super) struct FaultSet {
    rules: Vec<Rule>,
}

struct Rule {
    fault: Fault,
    lower_pattern: String,
    remaining: Option<AtomicUsize>,
}

impl FaultSet {
    pub fn new(faults: &[Fault]) -> FaultSet {
        let rules = faults
            .iter()
            .map(|fault| Rule {
                lower_pattern: fault.path_prefix.to_ascii_lowercase(),
                remaining: fault.times.map(AtomicUsize::new),
                fault: fault.clone(),
            })
            .collect();
        FaultSet { rules }
    }

    /// The first fault that matches and is not used up, using up one of its `times`.
    pub fn take(&self, method: &str, lower_path: &str) -> Option<FaultKind> {
        self.rules.iter().find(|rule| rule.matches(method, lower_path) && rule.use_once()).map(|rule| rule.fault.kind)
    }
}

impl Rule {
    fn matches(&self, method: &str, lower_path: &str) -> bool {
        let method_matches = self.fault.method.is_none_or(|m| m.eq_ignore_ascii_case(method));
        let path_matches = match self.fault.matching {
            Match::Prefix => lower_path.starts_with(&self.lower_pattern),
            Match::Contains => lower_path.contains(&self.lower_pattern),
            Match::Exact => lower_path == self.lower_pattern,
        };
        method_matches && path_matches
    }

    fn use_once(&self) -> bool {
        match &self.remaining {
            None => true,
            Some(remaining) => {
                remaining.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok()
            }
        }
    }
}

/// What a request looked like, for the wording of fault responses.
pub(super) struct Context<'a> {
    pub config: &'a Config,
    pub ids: &'a IdGen,
    /// As sent.
    pub path: &'a str,
    /// Lower-case.
    pub subscription: Option<&'a str>,
}

/// The response for a fault, except `Truncated`, which needs the real response and is handled by the
/// caller.
pub(super) fn reply(kind: FaultKind, cx: &Context<'_>) -> Reply {
    let reply = match kind {
        FaultKind::Forbidden => forbidden(cx),
        FaultKind::Throttle { retry_after_secs } => throttled(cx, retry_after_secs),
        FaultKind::Status(status) => status_error(status, cx),
        FaultKind::Timeout => Reply { delivery: Delivery::Hang, ..Reply::json(0, Vec::new()) },
        FaultKind::NotFound => not_found(cx.path),
        FaultKind::Truncated => unreachable!("armserver: Truncated wraps the real response"),
    };
    reply.with_fault(kind.label())
}

/// 403 AuthorizationFailed, worded as ARM words it.
pub(super) fn forbidden(cx: &Context<'_>) -> Reply {
    let message = format!(
        "The client '{client}' with object id '{oid}' does not have authorization to perform action '{action}' \
         over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
        client = cx.config.client_id,
        oid = cx.config.object_id,
        action = read_action(cx.path),
        scope = cx.path,
    );
    Reply::arm_error(403, "AuthorizationFailed", message)
}

/// 429 with `Retry-After`: the subscription's read quota (the tenant's outside a subscription).
pub(super) fn throttled(cx: &Context<'_>, retry_after_secs: u64) -> Reply {
    let (code, who) = match cx.subscription {
        Some(subscription) => ("SubscriptionRequestsThrottled", format!("subscription '{subscription}'")),
        None => ("TenantRequestsThrottled", format!("tenant '{}'", cx.config.tenant_id)),
    };
    let message = format!(
        "Number of 'read' requests for {who} actor '{oid}' exceeded. Please try again after '{retry_after_secs}' \
         seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional \
         information.",
        oid = cx.config.object_id,
    );
    Reply::arm_error(429, code, message).with_header("retry-after", retry_after_secs.to_string())
}

fn status_error(status: u16, cx: &Context<'_>) -> Reply {
    let message = match status {
        500 => format!(
            "Encountered internal server error. Diagnostic information: timestamp '{}', subscription id '{}', \
             tracking id '{}', request correlation id '{}'.",
            Utc::now().format("%Y%m%dT%H%M%SZ"),
            cx.subscription.unwrap_or_default(),
            cx.ids.guid(),
            cx.ids.guid(),
        ),
        503 => "The service is currently unavailable. Please try the request again later.".to_owned(),
        504 => format!(
            "The gateway did not receive a response from '{}' within the specified time period.",
            provider_namespace(cx.path).unwrap_or("Microsoft.Resources")
        ),
        _ => format!("Injected fault: HTTP {status}."),
    };
    let code = match status {
        500 => "InternalServerError".to_owned(),
        502 => "BadGateway".to_owned(),
        503 => "ServiceUnavailable".to_owned(),
        504 => "GatewayTimeout".to_owned(),
        _ => hyper::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map_or_else(|| format!("Http{status}"), |reason| reason.replace([' ', '-'], "")),
    };
    Reply::arm_error(status, &code, message)
}

/// 404 ResourceNotFound for a path, worded as ARM words it.
pub(super) fn not_found(path: &str) -> Reply {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let resource = match segments.iter().rposition(|s| s.eq_ignore_ascii_case("providers")) {
        Some(i) => segments[i + 1..].join("/"),
        None => segments.join("/"),
    };
    let group = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case("resourcegroups"))
        .and_then(|i| segments.get(i + 1))
        .copied()
        .unwrap_or_default();
    Reply::arm_error(
        404,
        "ResourceNotFound",
        format!(
            "The Resource '{resource}' under resource group '{group}' was not found. For more details please go to \
             https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

/// The read action a path needs, as ARM names it in a 403: `Microsoft.KeyVault/vaults/read`,
/// `Microsoft.KeyVault/vaults/keys/versions/read`, `Microsoft.Resources/subscriptions/read`, …
pub(super) fn read_action(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (namespace, typed) = match segments.iter().rposition(|s| s.eq_ignore_ascii_case("providers")) {
        Some(i) if i + 1 < segments.len() => (segments[i + 1], &segments[i + 2..]),
        _ => ("Microsoft.Resources", segments.as_slice()),
    };
    // Below the namespace, segments alternate type and name: keep the types.
    let types: Vec<&str> = typed.iter().step_by(2).copied().collect();
    match types.as_slice() {
        [] if namespace == "Microsoft.Resources" => "Microsoft.Resources/subscriptions/read".to_owned(),
        [] => format!("{namespace}/read"),
        _ => format!("{namespace}/{}/read", types.join("/")),
    }
}

/// The namespace after the last `providers` segment, as written.
fn provider_namespace(path: &str) -> Option<&str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let i = segments.iter().rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    segments.get(i + 1).copied()
}
