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
    Scan(Box<ScanArgs>),
    /// List every rule: code, name, severity, what it reads
    Rules(RulesArgs),
    /// Show a rule's full text and remediation
    Explain(ExplainArgs),
    /// Read the estate from Azure and write it as a snapshot, for evidence and offline scans
    Collect(CollectArgs),
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
    /// An offline input instead of Azure: an acr-audit snapshot, or ARM JSON as `az ... -o json` prints it (repeatable; files are merged)
    #[arg(long, value_name = "FILE")]
    pub snapshot: Vec<PathBuf>,
    /// An ARM template (JSON, as `az bicep build` writes Bicep), or a folder of them (repeatable)
    #[arg(long, value_name = "FILE|DIR")]
    pub template: Vec<PathBuf>,
    /// A deployment parameters file (repeatable): `x.parameters.json` goes with `x.json`; a single one with a single template
    #[arg(long, value_name = "FILE", requires = "template")]
    pub parameters: Vec<PathBuf>,
    /// A Terraform plan as `terraform show -json plan.out > plan.json` writes it (repeatable)
    #[arg(long, value_name = "FILE")]
    pub terraform_plan: Vec<PathBuf>,
    /// Apply the vault rules (KV…) to every vault in the input, not only those holding a scanned registry's key
    #[arg(long)]
    pub all_vaults: bool,
    /// Evaluate as of this moment instead of now (RFC 3339 or YYYY-MM-DD), for reproducible audits
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub azure: AzureArgs,
}

/// Where and how a live scan reads Azure.
#[derive(Debug, Args)]
#[command(next_help_heading = "Azure")]
pub struct AzureArgs {
    /// The cloud: its Resource Manager and sign-in endpoints, and its private DNS zone names
    #[arg(long, value_enum, default_value_t = Cloud::Public)]
    pub cloud: Cloud,
    /// Scan only this subscription ID (repeatable, comma-separated) [default: every enabled subscription the identity can see]
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub subscription: Vec<String>,
    /// Resource Manager endpoint, overriding the cloud's (AZURE_AUTHORITY_HOST likewise overrides the sign-in host)
    #[arg(long, value_name = "URL", env = "ACR_AUDIT_ARM_ENDPOINT")]
    pub arm_endpoint: Option<String>,
    /// Requests in flight at most (across all subscriptions)
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Give up on one attempt of a request after this many seconds (it is retried 3 times)
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub request_timeout: f64,
    /// Do not wait longer than this for a throttled (429) request: its resources are reported as not seen
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub max_retry_wait: f64,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub azure: AzureArgs,
    /// Read every vault in depth, not only those holding a registry's key (what `scan --all-vaults` needs)
    #[arg(long)]
    pub all_vaults: bool,
    /// Write the snapshot to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress or warnings on stderr
    #[arg(short, long)]
    pub quiet: bool,
    /// Log every request (method, path, status, time; never a token) on stderr
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cloud {
    Public,
    China,
    Usgov,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::China => "china",
            Cloud::Usgov => "usgov",
        }
    }

    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com",
            Cloud::China => "https://management.chinacloudapi.cn",
            Cloud::Usgov => "https://management.usgovcloudapi.net",
        }
    }

    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::Usgov => "https://login.microsoftonline.us",
        }
    }

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
    /// Log every ARM request of a live scan (method, path, status, time; never a token) on stderr
    #[arg(short, long)]
    pub verbose: bool,
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
