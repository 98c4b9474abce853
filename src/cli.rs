//! The command line (clap derive), grouped by what a user is doing.

use crate::i18n::Lang;
use crate::output::Format;
use crate::severity::Severity;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "acr-audit",
    version,
    about = "Audit the security posture of Azure Container Registry, following the whole customer-managed-key chain"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate every rule and report (exit code 0 = gate passed, 1 = gate tripped, 2 = error)
    Scan(ScanArgs),
    /// List every rule: code, name, severity, what it reads
    Rules(RulesArgs),
    /// Show a rule's full text and remediation
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    #[command(flatten)]
    pub selection: SelectionArgs,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Inputs")]
pub struct InputArgs {
    /// An offline input: an acr-audit snapshot, or ARM JSON as `az ... -o json` prints it (repeatable; files are merged)
    #[arg(long, value_name = "FILE")]
    pub snapshot: Vec<PathBuf>,
    /// Apply the vault rules (KV…) to every vault in the input, not only those holding a scanned registry's key
    #[arg(long)]
    pub all_vaults: bool,
    /// Evaluate as of this moment instead of now (RFC 3339 or YYYY-MM-DD), for reproducible audits
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// The cloud whose private DNS zone names apply
    #[arg(long, value_enum, default_value_t = Cloud::Public)]
    pub cloud: Cloud,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cloud {
    Public,
    China,
    Usgov,
}

impl Cloud {
    pub fn registry_dns_zone(self) -> &'static str {
        match self {
            Cloud::Public => "privatelink.azurecr.io",
            Cloud::China => "privatelink.azurecr.cn",
            Cloud::Usgov => "privatelink.azurecr.us",
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Rules")]
pub struct SelectionArgs {
    /// Configuration file (default: acr-audit.toml in the working directory, if present)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A folder of your own rules, added to the built-in ones (repeatable)
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Run only these rules: codes or code prefixes such as CMK (repeatable, comma-separated)
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules: codes or code prefixes (repeatable, comma-separated)
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Stop a rule that runs longer than this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub rule_timeout: f64,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "CI gate")]
pub struct GateArgs {
    /// Exit 1 when a failure at or above this severity is found [default: low]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Let an unknown (data that could not be read) trip the gate like a failure
    #[arg(long)]
    pub fail_on_unknown: bool,
    /// Always exit 0 when the scan ran (for jobs that only upload reports)
    #[arg(long)]
    pub exit_zero: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Report format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Language of titles, messages and remediation [default: ja when the locale is Japanese, else en]
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// No progress or warnings on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A folder of your own rules to list with the built-in ones (repeatable)
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// `table` or `json`
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's code (CMK003) or name (cmk-key-access-missing)
    pub rule: String,
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}
