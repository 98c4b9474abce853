//! Signing in: `azure_identity`'s DefaultAzureCredential chain (environment variables with a client
//! secret or a federated token file, managed identity, the Azure CLI), for the chosen cloud.

use crate::error::Error;
use azure_core::auth::TokenCredential;
use azure_identity::{DefaultAzureCredentialBuilder, TokenCredentialOptions};
use std::sync::Arc;

/// The credential chain. `AZURE_AUTHORITY_HOST`, when set, wins over the cloud's sign-in host (that is
/// also how the tests point the real client-credentials flow at a loopback token endpoint).
pub fn default_chain(authority_host: &str) -> Result<Arc<dyn TokenCredential>, Error> {
    let mut options = TokenCredentialOptions::default();
    if std::env::var_os("AZURE_AUTHORITY_HOST").is_none() {
        options.set_authority_host(authority_host.to_string());
    }
    DefaultAzureCredentialBuilder::new()
        .with_options(options)
        .build()
        .map(|c| Arc::new(c) as Arc<dyn TokenCredential>)
        .map_err(|e| sign_in_failed(&e.to_string()))
}

/// One error for "no credential worked": what was tried and what to do. azure_identity's own text
/// (each source's reason) follows, with any configured secret blanked out.
pub fn sign_in_failed(detail: &str) -> Error {
    let mut detail = detail.trim().to_string();
    for var in ["AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN"] {
        if let Some(secret) = std::env::var(var).ok().filter(|s| s.len() >= 4) {
            detail = detail.replace(&secret, "***");
        }
    }
    let detail: String = detail.lines().map(|l| format!("\n  {l}")).collect();
    Error::usage(
        format!(
            "could not sign in to Azure. Tried, in order: environment variables (AZURE_TENANT_ID + AZURE_CLIENT_ID + \
             AZURE_CLIENT_SECRET, or AZURE_FEDERATED_TOKEN_FILE for workload identity federation), managed identity, \
             the Azure CLI. Their answers:{detail}"
        ),
        "run `az login` (add `--tenant` for another tenant), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and \
         AZURE_CLIENT_SECRET for a service principal (or AZURE_FEDERATED_TOKEN_FILE in GitHub Actions/Azure \
         Pipelines with OIDC); the Reader role on the subscriptions is enough. To scan without Azure, use --snapshot FILE",
    )
}
