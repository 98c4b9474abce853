//! The rule set itself: complete metadata in both languages, the catalog's 33 codes, and fixtures for
//! every rule whose statuses come out as their file names say.

use acr_audit::engine::{self, Context, Status};
use acr_audit::normalise::{NormaliseOptions, normalise};
use acr_audit::rules::{self, Rule};
use acr_audit::sources::snapshot;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// 2026-06-01T00:00:00Z: the moment every fixture is evaluated at.
const AS_OF: i64 = 1_780_272_000;

const CATALOG: [&str; 33] = [
    "ACR001", "ACR002", "ACR003", "ACR004", "ACR005", "ACR006", "ACR007", "ACR008", "ACR009", "ACR010", "ACR011",
    "ACR012", "ACR013", "ACR014", "CMK001", "CMK002", "CMK003", "CMK004", "CMK005", "CMK006", "CMK007", "CMK008",
    "CMK009", "CMK010", "CMK011", "CMK012", "CMK013", "KV001", "KV002", "KV003", "KV004", "KV005", "KV006",
];

fn builtin() -> rules::RuleSet {
    rules::load(&[] as &[PathBuf]).expect("built-in rules load")
}

/// Statuses the rule gives on one input file.
fn statuses(set: &rules::RuleSet, rule: &Rule, file: &Path) -> Result<Vec<Status>, String> {
    let estate = snapshot::load_file(file).map_err(|e| e.to_string())?;
    let inventory = normalise(&estate, &NormaliseOptions::default());
    let params = BTreeMap::from([(rule.code().to_string(), rule.meta.custom.parameters.clone())]);
    let context = Context { now: AS_OF, params, private_dns_zone: "privatelink.azurecr.io".into() };
    let options = engine::Options { timeout: Duration::from_secs(10), threads: 1 };
    let results = engine::evaluate(set, &[rule], &inventory, &context, &options).map_err(|e| e.to_string())?;
    Ok(results.into_iter().flat_map(|(_, r)| r).flat_map(|o| vec![o.result.status; o.resources.len()]).collect())
}

#[test]
fn the_catalog_is_implemented_exactly_once() {
    let set = builtin();
    let codes: Vec<&str> = set.rules.iter().map(Rule::code).collect();
    assert_eq!(codes, CATALOG, "built-in rule codes differ from the catalog");
    let mut names: Vec<&str> = set.rules.iter().map(|r| r.meta.custom.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), CATALOG.len(), "rule names are not unique");
}

#[test]
fn every_rule_has_complete_metadata_in_both_languages() {
    let mut problems = Vec::new();
    for r in &builtin().rules {
        let c = &r.meta.custom;
        let mut missing = Vec::new();
        if c.remediation.cli.as_deref().is_none_or(str::is_empty) {
            missing.push("remediation.cli");
        }
        if c.remediation.terraform.as_deref().is_none_or(str::is_empty) {
            missing.push("remediation.terraform");
        }
        if c.references.is_empty() {
            missing.push("references");
        }
        if c.xref.is_empty() {
            missing.push("xref");
        }
        for status in ["fail", "pass"] {
            if !c.messages.keys().any(|id| id.starts_with(status)) {
                missing.push(if status == "fail" { "a fail… message" } else { "a pass… message" });
            }
        }
        if c.ja.title == r.meta.title || c.remediation.ja == c.remediation.en {
            missing.push("a Japanese text that is not the English one");
        }
        if !missing.is_empty() {
            problems.push(format!("{}: {}", r.code(), missing.join(", ")));
        }
    }
    assert!(problems.is_empty(), "incomplete metadata:\n{}", problems.join("\n"));
}

#[test]
fn every_fixture_gives_the_status_its_name_says() {
    let set = builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in &set.rules {
        let dir = root.join(rule.code());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let has =
            |prefix: &str| files.iter().any(|f| f.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)));
        for needed in ["pass", "fail"] {
            if !has(needed) {
                problems.push(format!("{}: no {needed}*.json fixture in {}", rule.code(), dir.display()));
            }
        }
        for file in files {
            let name = file.file_name().unwrap_or_default().to_string_lossy().to_string();
            let expected = match name.split(['-', '.']).next().unwrap_or_default() {
                "pass" => Status::Pass,
                "fail" => Status::Fail,
                "unknown" => Status::Unknown,
                "na" => Status::NotApplicable,
                other => {
                    problems.push(format!(
                        "{}/{name}: name must start with pass, fail, unknown or na (found {other:?})",
                        rule.code()
                    ));
                    continue;
                }
            };
            checked += 1;
            match statuses(&set, rule, &file) {
                Ok(got) if !got.is_empty() && got.iter().all(|s| *s == expected) => {}
                Ok(got) => problems.push(format!("{}/{name}: expected all {expected:?}, got {got:?}", rule.code())),
                Err(e) => problems.push(format!("{}/{name}: {e}", rule.code())),
            }
        }
    }
    assert!(problems.is_empty(), "{} fixture problem(s):\n{}", problems.len(), problems.join("\n"));
    assert!(checked >= 2 * CATALOG.len(), "only {checked} fixtures checked");
}
