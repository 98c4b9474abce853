//! Reading ARM: GETs through azure_core pipelines whose transport is [`ArmTransport`], bodies read as
//! raw JSON (the SDK's typed models reject real responses: one registry with identity type
//! `userAssigned` fails its whole page), `nextLink` followed by hand.

use super::monitor::Monitor;
use super::transport::{ArmTransport, Settings};
use crate::error::Error;
use azure_core::auth::TokenCredential;
use azure_core::headers::AUTHORIZATION;
use azure_core::{ClientOptions, Context, Method, Pipeline, Request, RetryOptions, TransportOptions, Url};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

/// A resource as ARM sent it: kept as text until the normaliser reads it (a parsed tree costs several
/// times the memory, and a tenant has tens of thousands of resources).
pub type Json = Box<RawValue>;

/// One page of an ARM list.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<Json>,
    #[serde(default, rename = "nextLink")]
    next_link: Option<String>,
}

/// Pinned API versions (docs/live-scan.md): recent GA versions that carry every field the rules read.
pub mod api {
    pub const SUBSCRIPTIONS: &str = "2022-12-01";
    /// The registries client's own version (`azure_mgmt_containerregistry` package-2023-07): it has
    /// `publicNetworkAccess`, `encryption`, `anonymousPullEnabled`, `policies` and the rest.
    pub const REGISTRIES: &str = "2023-07-01";
    pub const KEY_VAULT: &str = "2024-11-01";
    pub const IDENTITIES: &str = "2023-01-31";
    pub const AUTHORIZATION: &str = "2022-04-01";
    pub const NETWORK: &str = "2024-05-01";
    pub const DIAGNOSTIC_SETTINGS: &str = "2021-05-01-preview";
}

/// Why a read failed, as ARM said it: `403 AuthorizationFailed: The client … does not have …`.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
}

impl Failure {
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// The reason as reports show it: ARM's message up to its first sentence's end (the rest is advice
    /// such as "refresh your credentials"), on one line.
    pub fn reason(&self) -> String {
        let mut message: String = self.message.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(end) = message.find(". ") {
            message.truncate(end + 1);
        }
        if message.chars().count() > 480 {
            message = message.chars().take(480).collect::<String>() + "…";
        }
        match (self.status, &self.code) {
            (Some(s), Some(c)) => format!("{s} {c}: {message}"),
            (Some(s), None) => format!("{s}: {message}"),
            _ => message,
        }
    }

    fn from_azure(e: &azure_core::Error) -> Failure {
        match e.as_http_error() {
            Some(h) => Failure {
                status: Some(u16::from(h.status())),
                code: h.error_code().map(str::to_string),
                message: h.error_message().unwrap_or("no error message").to_string(),
            },
            None => Failure { status: None, code: None, message: e.to_string() },
        }
    }
}

pub struct Arm {
    endpoint: Url,
    pipeline: Pipeline,
    registries: azure_mgmt_containerregistry::package_2023_07::Client,
    transport: Arc<ArmTransport>,
}

impl Arm {
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        settings: Settings,
        monitor: Arc<Monitor>,
    ) -> Result<Arm, Error> {
        let endpoint = Url::parse(endpoint).map_err(|e| {
            Error::usage(
                format!("--arm-endpoint {endpoint:?} is not a URL: {e}"),
                "give the Resource Manager endpoint, e.g. https://management.azure.com",
            )
        })?;
        let scope = endpoint.join("/.default").map(String::from).unwrap_or_default();
        let transport = Arc::new(
            ArmTransport::new(credential.clone(), scope.clone(), settings, monitor)
                .map_err(|e| Error::usage(format!("cannot set up HTTPS: {e}"), "report this as a bug"))?,
        );
        // Retries live in the transport, where the subscription's pacing is known.
        let options =
            || ClientOptions::new(TransportOptions::new_custom_policy(transport.clone())).retry(RetryOptions::none());
        let pipeline = Pipeline::new(Some("acr-audit"), Some(env!("CARGO_PKG_VERSION")), options(), vec![], vec![]);
        let registries = azure_mgmt_containerregistry::package_2023_07::Client::builder(credential)
            .endpoint(endpoint.clone())
            .scopes(&[&scope])
            .transport(TransportOptions::new_custom_policy(transport.clone()))
            .retry(RetryOptions::none())
            .build()
            .map_err(|e| Error::usage(format!("cannot set up the registries client: {e}"), "report this as a bug"))?;
        Ok(Arm { endpoint, pipeline, registries, transport })
    }

    /// Signs in once before anything else, so that a missing credential is one clear error.
    pub async fn sign_in(&self) -> Result<(), Error> {
        self.transport.token().await.map(drop).map_err(|e| super::credential::sign_in_failed(&chain_text(&e)))
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    fn url(&self, path: &str, api_version: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.endpoint.clone();
        url.set_path(path);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", api_version);
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }

    async fn get_url(&self, url: Url) -> Result<bytes::Bytes, Failure> {
        let mut request = Request::new(url, Method::Get);
        let token = self.transport.token().await.map_err(|e| Failure::from_azure(&e))?;
        request.insert_header(AUTHORIZATION, format!("Bearer {token}"));
        let response = self.pipeline.send(&Context::new(), &mut request).await.map_err(|e| Failure::from_azure(&e))?;
        response.into_body().collect().await.map_err(|e| Failure::from_azure(&e))
    }

    /// One resource (or any single-object answer).
    pub async fn get(&self, path: &str, api_version: &str) -> Result<Json, Failure> {
        parse(&self.get_url(self.url(path, api_version, &[])).await?)
    }

    /// Every item of a list, following `nextLink`. A page that fails fails the list: a partial list
    /// would let "not found" stand for "not read".
    pub async fn list(&self, path: &str, api_version: &str, query: &[(&str, &str)]) -> Result<Vec<Json>, Failure> {
        let mut items = Vec::new();
        let mut url = self.url(path, api_version, query);
        loop {
            let page: Page = parse(&self.get_url(url).await?)?;
            items.extend(page.value);
            match page.next_link.filter(|s| !s.is_empty()) {
                Some(next) => url = self.next_link(&next)?,
                None => return Ok(items),
            }
        }
    }

    /// A `nextLink`, refused unless it points at the same ARM host: the bearer token goes with it.
    fn next_link(&self, next: &str) -> Result<Url, Failure> {
        let url = Url::parse(next).map_err(|e| Failure {
            status: None,
            code: None,
            message: format!("bad nextLink: {e}"),
        })?;
        if url.origin() != self.endpoint.origin() {
            return Err(Failure {
                status: None,
                code: None,
                message: format!(
                    "nextLink points outside {}: not followed",
                    self.endpoint.origin().ascii_serialization()
                ),
            });
        }
        Ok(url)
    }

    /// A registry read through `azure_mgmt_containerregistry`'s client, as raw JSON.
    pub async fn registry(&self, subscription: &str, group: &str, name: &str) -> Result<Json, Failure> {
        let response = self
            .registries
            .registries_client()
            .get(subscription, group, name)
            .send()
            .await
            .map_err(|e| Failure::from_azure(&e))?
            .into_raw_response();
        let body = response.into_body().collect().await.map_err(|e| Failure::from_azure(&e))?;
        parse(&body)
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure {
        status: None,
        code: None,
        message: format!("ARM answered 200 with a body that is not JSON ({e})"),
    })
}

/// An azure_core error with its causes, one per line.
fn chain_text(e: &azure_core::Error) -> String {
    let mut text = e.to_string();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cur {
        let s = c.to_string();
        if !text.contains(&s) {
            text.push('\n');
            text.push_str(&s);
        }
        cur = c.source();
    }
    text
}
