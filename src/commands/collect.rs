//! `acr-audit collect`: read the estate from Azure and write it as a snapshot. Scanning the file
//! later (`scan --snapshot FILE`) gives the results the live scan would have given.

use super::live;
use crate::cli::CollectArgs;
use crate::error::Error;
use crate::sources::{live as source, snapshot};

pub fn run(args: CollectArgs) -> Result<i32, Error> {
    let options = live::options(&args.azure, args.all_vaults, args.quiet, args.verbose)?;
    let (walked, cost) = source::collect(&options)?;
    live::summarise(&cost, walked.estate.gaps.len(), args.quiet);
    if !args.quiet {
        for gap in &walked.estate.gaps {
            eprintln!("warning: not seen: {}: {}", gap.scope, gap.reason);
        }
    }
    super::emit_with(args.output.as_deref(), |w| {
        snapshot::write(&walked.estate, &walked.subscriptions, args.azure.cloud.as_str(), w)
    })?;
    Ok(0)
}
