//! The live source: reads the estate from Azure Resource Manager with the caller's credential and
//! hands the normaliser the same [`RawEstate`](crate::estate::RawEstate) a snapshot file gives, so
//! every rule works unchanged and `collect` is that estate written out.

mod arm;
mod credential;
mod monitor;
mod pacing;
mod transport;
mod walk;

pub use monitor::Monitor;
pub use walk::{Plan, Walked};

use crate::cli::Cloud;
use crate::error::Error;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use transport::Settings;

#[derive(Debug, Clone)]
pub struct Options {
    pub cloud: Cloud,
    /// The ARM endpoint; `None` = the cloud's.
    pub arm_endpoint: Option<String>,
    pub plan: Plan,
    pub concurrency: usize,
    pub request_timeout: Duration,
    pub max_retry_wait: Duration,
    pub quiet: bool,
    pub verbose: bool,
}

/// What the collection cost, said on stderr at the end of a live scan.
#[derive(Debug)]
pub struct Cost {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub seconds: f64,
}

pub fn collect(options: &Options) -> Result<(Walked, Cost), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::usage(format!("cannot start the async runtime: {e}"), "report this as a bug"))?;
    let started = std::time::Instant::now();
    let monitor = Arc::new(Monitor::new(options.quiet, options.verbose));
    let result = runtime.block_on(async {
        let credential = credential::default_chain(options.cloud.authority_host())?;
        let endpoint = options.arm_endpoint.clone().unwrap_or_else(|| options.cloud.arm_endpoint().to_string());
        let settings = Settings {
            concurrency: options.concurrency,
            request_timeout: options.request_timeout,
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_retry_wait: options.max_retry_wait,
        };
        let arm = arm::Arm::new(&endpoint, credential, settings, monitor.clone())?;
        arm.sign_in().await?;
        walk::walk(arm, options.plan.clone(), monitor.clone()).await
    });
    monitor.finish();
    // Tasks stuck on a connection that never answers must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    let c = &monitor.counters;
    let cost = Cost {
        requests: c.requests.load(Ordering::Relaxed),
        retries: c.retries.load(Ordering::Relaxed),
        throttled: c.throttled.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    };
    result.map(|w| (w, cost))
}
