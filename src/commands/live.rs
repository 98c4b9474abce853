//! The command-line side of a live read, shared by `scan` and `collect`.

use crate::cli::AzureArgs;
use crate::error::Error;
use crate::sources::live::{self, Plan};
use std::time::Duration;

pub fn options(azure: &AzureArgs, all_vaults: bool, quiet: bool, verbose: bool) -> Result<live::Options, Error> {
    for id in &azure.subscription {
        if !is_guid(id) {
            return Err(Error::usage(
                format!("--subscription {id:?} is not a subscription ID"),
                "give the subscription's ID (a GUID, as `az account list --query [].id` prints it): display names are not unique",
            ));
        }
    }
    let seconds = |flag: &str, v: f64| {
        Duration::try_from_secs_f64(v).ok().filter(|d| !d.is_zero()).ok_or_else(|| {
            Error::usage(format!("{flag} must be a positive number of seconds"), format!("for example {flag} 30"))
        })
    };
    Ok(live::Options {
        cloud: azure.cloud,
        arm_endpoint: azure.arm_endpoint.clone(),
        plan: Plan { subscriptions: azure.subscription.iter().map(|s| s.to_ascii_lowercase()).collect(), all_vaults },
        concurrency: usize::from(azure.concurrency),
        request_timeout: seconds("--request-timeout", azure.request_timeout)?,
        max_retry_wait: seconds("--max-retry-wait", azure.max_retry_wait)?,
        quiet,
        verbose,
    })
}

/// Everything said about a finished live read, on stderr: what it cost and what it could not see.
pub fn summarise(cost: &live::Cost, gaps: usize, quiet: bool) {
    if quiet {
        return;
    }
    eprintln!(
        "read Azure in {:.1} s: {} requests, {} retried, {} throttled (429){}",
        cost.seconds,
        cost.requests,
        cost.retries,
        cost.throttled,
        if gaps > 0 { format!("; {gaps} scope(s) could not be read (listed below)") } else { String::new() }
    );
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}
