//! Entra ID's token endpoint (client credentials with a secret) and ARM's check of the bearer token.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Config;
use super::reply::{IdGen, Reply};
use super::urlencoded;

/// What the token response says, whatever `Config::token_lifetime` is.
const EXPIRES_IN_SECS: u64 = 3599;

/// `/{tenant}/oauth2/v2.0/token` (empty segments tolerated: an authority host with a trailing slash).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(super) fn is_token_path(lower_path: &str) -> bool {
    let segments: Vec<&str> = lower_path.split('/').filter(|s| !s.is_empty()).collect();
    matches!(segments.as_slice(), [_, "oauth2", "v2.0", "token"])
}

/// The access tokens issued, with when.
pub(super) struct Tokens {
    issued: RwLock<HashMap<String, Issued>>,
    lifetime: Option<Duration>,
}

#[derive(Clone, Copy)]
struct Issued {
    at: Instant,
    wall: DateTime<Utc>,
}

impl Tokens {
    pub fn new(lifetime: Option<Duration>) -> Tokens {
        Tokens { issued: RwLock::new(HashMap::new()), lifetime }
    }

    /// The token endpoint. Answers as Entra ID does, and never echoes the secret.
    pub fn token_endpoint(&self, config: &Config, ids: &IdGen, method: &str, path: &str, body: &[u8]) -> Reply {
        let tenant = path.split('/').find(|s| !s.is_empty()).unwrap_or_default();
        let form: Vec<(String, String)> = urlencoded::pairs(&String::from_utf8_lossy(body)).collect();
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let client_id = field("client_id").unwrap_or_default();

        let (status, error, code, description) = if method != "POST" {
            (
                400,
                "invalid_request",
                900561,
                format!("The endpoint only accepts POST requests. Received a {method} request."),
            )
        } else if !tenant.eq_ignore_ascii_case(&config.tenant_id) {
            (
                400,
                "invalid_tenant",
                90002,
                format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing \
                     into the correct cloud."
                ),
            )
        } else if field("grant_type") != Some("client_credentials") {
            let grant = field("grant_type").unwrap_or_default();
            (400, "unsupported_grant_type", 70003, format!("The app requested an unsupported grant type '{grant}'."))
        } else if !client_id.eq_ignore_ascii_case(&config.client_id) {
            (
                400,
                "unauthorized_client",
                700016,
                format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
            )
        } else if let Some(assertion) = field("client_assertion") {
            // Workload identity federation: the client proves itself with a token its platform issued
            // (GitHub's OIDC token, an AKS service account token) instead of a secret.
            if field("client_assertion_type") != Some(JWT_BEARER) || assertion != config.federated_token {
                (
                    401,
                    "invalid_client",
                    700211,
                    "No matching federated identity record found for presented assertion issuer.".to_owned(),
                )
            } else {
                return self.issue(ids);
            }
        } else if field("client_secret").is_none_or(str::is_empty) {
            (
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
                    .to_owned(),
            )
        } else if field("client_secret") != Some(config.client_secret.as_str()) {
            (
                401,
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client \
                     secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            )
        } else if field("scope").is_none_or(str::is_empty) {
            (
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.".to_owned(),
            )
        } else {
            return self.issue(ids);
        };

        let (trace, correlation) = (ids.guid(), ids.guid());
        let timestamp = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        Reply::value(
            status,
            &json!({
                "error": error,
                "error_description": format!(
                    "AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"
                ),
                "error_codes": [code],
                "timestamp": timestamp,
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
            }),
        )
    }

    /// ARM's check of the `Authorization` header: `Err` is the 401 to send.
    /// A new access token, remembered with its issue time.
    fn issue(&self, ids: &IdGen) -> Reply {
        let token = ids.token();
        self.issued.write().unwrap().insert(token.clone(), Issued { at: Instant::now(), wall: Utc::now() });
        Reply::value(
            200,
            &json!({
                "token_type": "Bearer",
                "expires_in": EXPIRES_IN_SECS,
                "ext_expires_in": EXPIRES_IN_SECS,
                "access_token": token
            }),
        )
    }

    pub fn check(&self, authorization: Option<&str>, authority: &str) -> Result<(), Reply> {
        let Some(header) = authorization else {
            return Err(unauthorized(
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
                authority,
                "The authentication failed because of missing 'Authorization' header.",
            ));
        };
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token.trim(),
            _ => {
                return Err(unauthorized(
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                    authority,
                    "The authentication failed because of invalid 'Authorization' header.",
                ));
            }
        };
        let Some(issued) = self.issued.read().unwrap().get(token).copied() else {
            return Err(unauthorized(
                "InvalidAuthenticationToken",
                "The access token is invalid.",
                authority,
                "The access token is invalid.",
            ));
        };
        if let Some(lifetime) = self.lifetime
            && issued.at.elapsed() > lifetime
        {
            let expiry = issued.wall + lifetime;
            let message = format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                arm_time(expiry),
                arm_time(Utc::now())
            );
            return Err(unauthorized(
                "ExpiredAuthenticationToken",
                &message,
                authority,
                "The access token has expired.",
            ));
        }
        Ok(())
    }
}

/// 401 with ARM's body and its `WWW-Authenticate` challenge.
fn unauthorized(code: &str, message: &str, authority: &str, description: &str) -> Reply {
    Reply::arm_error(401, code, message).with_header(
        "www-authenticate",
        format!(r#"Bearer authorization_uri="{authority}", error="invalid_token", error_description="{description}""#),
    )
}

/// ARM's wording of times in token errors: `11/20/2026 9:05:00 AM`.
fn arm_time(time: DateTime<Utc>) -> String {
    time.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
}
