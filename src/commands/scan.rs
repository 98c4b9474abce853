//! `acr-audit scan`: sources → inventory → rules → report → output → exit code.

use super::{live, resolve_lang};
use crate::cli::ScanArgs;
use crate::config;
use crate::engine::{self, Context};
use crate::error::Error;
use crate::estate::RawEstate;
use crate::normalise::{NormaliseOptions, normalise};
use crate::output::{Format, json, sarif, table};
use crate::report::{self, Gate};
use crate::rules::{self, Rule};
use crate::severity::Severity;
use crate::sources::{live as source, snapshot, template, terraform};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

pub fn run(args: ScanArgs) -> Result<i32, Error> {
    let (cfg, cfg_text) = config::find_and_read(args.selection.config.as_deref())?;
    let mut rule_dirs = cfg.rules.clone();
    rule_dirs.extend(args.selection.rules.iter().cloned());
    let set = rules::load(&rule_dirs)?;
    cfg.validate(&set, &cfg_text)?;
    let lang = resolve_lang(args.output.lang, cfg.lang);
    let as_of = parse_as_of(args.inputs.as_of.as_deref())?;

    let select: Vec<String> =
        if args.selection.select.is_empty() { cfg.select.clone() } else { args.selection.select.clone() };
    let mut ignore = cfg.ignore.clone();
    ignore.extend(args.selection.ignore.iter().cloned());
    for code in select.iter().chain(&ignore) {
        if !set.rules.iter().any(|r| r.code().starts_with(code.as_str())) {
            return Err(Error::usage(
                format!("no rule code starts with {code:?}"),
                "`acr-audit rules` lists every rule code",
            ));
        }
    }
    let selected: Vec<&Rule> = set
        .rules
        .iter()
        .filter(|r| select.is_empty() || select.iter().any(|s| r.code().starts_with(s.as_str())))
        .filter(|r| !ignore.iter().any(|s| r.code().starts_with(s.as_str())))
        .collect();

    let all_vaults = args.inputs.all_vaults || cfg.all_vaults.unwrap_or(false);
    let mut estate = RawEstate::default();
    let mut files = Vec::new();
    let inputs = &args.inputs;
    if inputs.snapshot.is_empty() && inputs.template.is_empty() && inputs.terraform_plan.is_empty() {
        // No file given: read Azure.
        let options = live::options(&args.inputs.azure, all_vaults, args.output.quiet, args.output.verbose)?;
        let (walked, cost) = source::collect(&options)?;
        live::summarise(&cost, walked.estate.gaps.len(), args.output.quiet);
        estate = walked.estate;
    } else {
        if !args.inputs.azure.subscription.is_empty() {
            return Err(Error::usage(
                "--subscription selects what a live scan reads; it cannot filter files",
                "drop --snapshot/--template/--terraform-plan to scan Azure, or drop --subscription to scan the files",
            ));
        }
        for path in &inputs.snapshot {
            estate.merge(snapshot::load_file(path)?);
            files.push(path.display().to_string());
        }
        if !inputs.template.is_empty() {
            let templates = template::load(&inputs.template, &inputs.parameters, as_of)?;
            files.extend(templates.files);
            estate.merge(templates.estate);
        }
        for path in &inputs.terraform_plan {
            estate.merge(terraform::load_file(path)?);
            files.push(path.display().to_string());
        }
    }

    let inventory = normalise(&estate, &NormaliseOptions { all_vaults });
    drop(estate);
    let params = parameters(&selected, &cfg.parameters);
    let context = Context {
        now: as_of,
        params: params.clone(),
        private_dns_zone: args.inputs.azure.cloud.registry_dns_zone().to_string(),
    };
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let timeout = Duration::try_from_secs_f64(args.selection.rule_timeout).map_err(|_| {
        Error::usage("--rule-timeout must be a positive number of seconds", "for example --rule-timeout 30")
    })?;
    let results = engine::evaluate(&set, &selected, &inventory, &context, &engine::Options { timeout, threads })?;

    let gate = Gate {
        fail_on: args.gate.fail_on.or(cfg.fail_on).unwrap_or(Severity::Low),
        fail_on_unknown: args.gate.fail_on_unknown || cfg.fail_on_unknown.unwrap_or(false),
        exit_zero: args.gate.exit_zero,
        tripped: false,
    };
    let report = report::build(
        report::Build {
            lang,
            as_of,
            rules: selected,
            severity_overrides: &cfg.severity,
            params,
            suppressions: &cfg.suppressions,
            files,
            gate,
        },
        &inventory,
        results,
    );
    if !args.output.quiet {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    let format = args.output.format;
    let to_terminal = args.output.output.is_none() && std::io::stdout().is_terminal();
    super::emit_with(args.output.output.as_deref(), |w| match format {
        Format::Table => {
            let color = to_terminal && std::env::var_os("NO_COLOR").is_none();
            w.write_all(table::render(&report, &table::Style { color, terminal: to_terminal }).as_bytes())
        }
        Format::Json => json::render(&report, w),
        Format::Sarif => sarif::render(&report, w),
    })?;
    let code = report.gate.exit_code();
    // The process ends right after this: freeing a large estate's hundreds of thousands of small
    // allocations one by one would only delay the exit code.
    std::mem::forget(report);
    std::mem::forget(inventory);
    Ok(code)
}

/// Rule parameters: each rule's defaults, overridden by the config.
fn parameters(
    rules: &[&Rule],
    cfg: &BTreeMap<String, BTreeMap<String, serde_json::Value>>,
) -> BTreeMap<String, BTreeMap<String, serde_json::Value>> {
    rules
        .iter()
        .map(|r| {
            let mut p = r.meta.custom.parameters.clone();
            if let Some(set) = cfg.get(r.code()) {
                p.extend(set.clone());
            }
            (r.code().to_string(), p)
        })
        .collect()
}

fn parse_as_of(s: Option<&str>) -> Result<i64, Error> {
    let Some(s) = s else { return Ok(chrono::Utc::now().timestamp()) };
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.timestamp())
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp())
        })
        .map_err(|_| {
            Error::usage(format!("--as-of {s:?} is not a time"), "write it as 2026-06-01 or 2026-06-01T09:00:00Z")
        })
}
