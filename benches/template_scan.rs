//! Template scan benchmark, beside Checkov: generates a folder of 1,000 ARM templates (registries and
//! key vaults as teams write them: parameters with defaults, `[format(...)]`, `[resourceId(...)]`,
//! `[if(...)]`, copy loops, customer-managed keys with a user-assigned identity and an access policy
//! or a role assignment, some with a parameters file beside them), scans the folder with the release
//! binary, then with Checkov on the rules both tools have, and compares time and verdicts.
//!
//! Run: `cargo bench --bench template_scan` (figures in BENCHMARKS.md). Checkov is not a dependency:
//! it is looked for as `$CHECKOV`, `checkov` on PATH, or `python3 -m checkov.main`; without it only
//! acr-audit is measured, and the way to install it is printed. `ACR_AUDIT_BENCH_KEEP=DIR` keeps the
//! templates and both tools' reports there.

#[path = "support/timed.rs"]
mod support;

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::timed;

const TEMPLATES: usize = 1_000;
const REPEATS: usize = 5;
const CHECKOV_REPEATS: usize = 3;
/// Examples shown per kind of disagreement (those whose template text differs).
const EXAMPLES: usize = 3;
const AS_OF: &str = "2026-11-23";
const SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const PARAMS_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";
const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-monitor/providers/\
                         Microsoft.OperationalInsights/workspaces/law-central";
const SUBNET: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/\
                      Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe";
/// Key Vault Crypto Service Encryption User: the role a registry's identity needs on an RBAC vault.
const CRYPTO_USER: &str = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("ACR_AUDIT_BENCH_KEEP").map(PathBuf::from);
    let work = keep.as_deref().unwrap_or(dir.path()).to_path_buf();
    let templates = work.join("templates");
    let _ = std::fs::remove_dir_all(&templates);
    std::fs::create_dir_all(&templates).expect("create the templates folder");
    let stats = write_templates(&templates);

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "template scan: {TEMPLATES} ARM templates ({} with a parameters file beside them, {} in Bicep's language version 2.0), \
         {:.1} MB; {} registries (copy loops expanded), {} vaults, {} keys; {cores} core(s)",
        stats.with_parameters,
        stats.symbolic,
        stats.bytes as f64 / 1e6,
        stats.registries,
        stats.vaults,
        stats.keys
    );

    // acr-audit, all rules, as a user runs it; its report names each rule's Checkov counterparts.
    let all_report = work.join("acr-audit-all.json");
    let all = measure(REPEATS, || acr_audit(&templates, &all_report, &[]));
    let report: Value = read_json(&all_report);
    let rules_run = report["rules"].as_array().map_or(0, Vec::len);
    let mut xref: Vec<(String, String)> = Vec::new();
    for rule in report["rules"].as_array().into_iter().flatten() {
        for check in rule["xref"]["checkov"].as_array().into_iter().flatten() {
            xref.push((rule["code"].as_str().unwrap_or_default().into(), check.as_str().unwrap_or_default().into()));
        }
    }

    let checkov = Checkov::find();
    // The pairs Checkov implements for ARM templates (all of them when Checkov is absent: nothing to ask).
    let arm_checks = checkov.as_ref().map(Checkov::arm_checks).filter(|a| !a.is_empty());
    let (pairs, missing): (Vec<_>, Vec<_>) =
        xref.iter().cloned().partition(|(_, c)| arm_checks.as_ref().is_none_or(|a| a.contains(c)));
    let codes: BTreeSet<&str> = pairs.iter().map(|(r, _)| r.as_str()).collect();
    let checks: BTreeSet<&str> = pairs.iter().map(|(_, c)| c.as_str()).collect();
    let codes_arg = codes.iter().copied().collect::<Vec<_>>().join(",");
    let checks_arg = checks.iter().copied().collect::<Vec<_>>().join(",");

    // acr-audit on the shared rules only, every vault audited as Checkov audits every vault.
    let shared_report = work.join("acr-audit-shared.json");
    let shared = measure(REPEATS, || acr_audit(&templates, &shared_report, &["--select", &codes_arg, "--all-vaults"]));
    let shared_json: Value = read_json(&shared_report);
    // One template: the fixed cost of starting the tool, set apart from the cost of each template.
    let one = work.join("one");
    let _ = std::fs::remove_dir_all(&one);
    std::fs::create_dir_all(&one).expect("create the one-template folder");
    std::fs::copy(templates.join("0001-registry.json"), one.join("0001-registry.json")).expect("copy a template");
    let scratch = work.join("scratch.json");
    let acr_one = measure(REPEATS, || acr_audit(&one, &scratch, &["--select", &codes_arg, "--all-vaults"]));

    println!(
        "acr-audit: {REPEATS} runs each, scan --template DIR --format json -o FILE --exit-zero --quiet --as-of {AS_OF}; \
         peak RSS is the largest of the runs"
    );
    match &checkov {
        Some(c) => println!(
            "checkov {}: {CHECKOV_REPEATS} runs each, -d DIR --framework arm --compact -o json --skip-download --soft-fail \
             > FILE (passed and failed checks)",
            c.version
        ),
        None => println!(
            "checkov: not found (neither $CHECKOV, `checkov` on PATH nor `python3 -m checkov.main`); to compare, install it \
             for the benchmark only:\n    python3 -m venv /tmp/checkov && /tmp/checkov/bin/pip install checkov && \
             PATH=/tmp/checkov/bin:$PATH cargo bench --bench template_scan"
        ),
    }
    println!(
        "shared rules (acr-audit's xref.checkov, {}): {}",
        if arm_checks.is_some() {
            "kept when `checkov --list --framework arm` has the check"
        } else {
            "all of them: without Checkov, which it has for ARM is not known"
        },
        pairs.iter().map(|(r, c)| format!("{r}={c}")).collect::<Vec<_>>().join(" ")
    );
    if !missing.is_empty() {
        println!(
            "not in Checkov's ARM framework: {}",
            missing.iter().map(|(r, c)| format!("{r}={c}")).collect::<Vec<_>>().join(" ")
        );
    }
    println!("  acr-audit --select {codes_arg} --all-vaults");
    if checkov.is_some() {
        println!("  checkov --check {checks_arg}");
    }
    println!();
    println!(
        "{:<10} {:<26} {:>9} {:>9} {:>10} {:>13} {:>9} {:>9}",
        "tool", "rules", "templates", "best (s)", "median (s)", "per template", "peak MiB", "results"
    );
    let row = |tool: &str, what: &str, n: usize, m: &Measure, results: usize| {
        println!(
            "{tool:<10} {what:<26} {n:>9} {:>9.3} {:>10.3} {:>10.2} ms {:>9.1} {results:>9}",
            m.best,
            m.median,
            m.median * 1e3 / n as f64,
            m.peak_kib as f64 / 1024.0
        );
    };
    row("acr-audit", &format!("all {rules_run}"), TEMPLATES, &all, count_results(&report));
    row("acr-audit", &format!("{} shared", codes.len()), TEMPLATES, &shared, count_results(&shared_json));
    row("acr-audit", &format!("{} shared", codes.len()), 1, &acr_one, count_results(&read_json(&scratch)));

    let Some(checkov) = checkov else { return };
    let ck_report = work.join("checkov-shared.json");
    let ck = measure(CHECKOV_REPEATS, || checkov.scan(&templates, &ck_report, Some(&checks_arg)));
    let ck_results = checkov_results(&read_json(&ck_report));
    row("checkov", &format!("{} shared", checks.len()), TEMPLATES, &ck, ck_results.len());
    let ck_all_report = work.join("checkov-arm.json");
    let ck_all = measure(CHECKOV_REPEATS, || checkov.scan(&templates, &ck_all_report, None));
    let ck_all_n = checkov_results(&read_json(&ck_all_report)).len();
    let arm_n = arm_checks.as_ref().map_or(0, BTreeSet::len);
    row("checkov", &format!("all {arm_n} ARM checks"), TEMPLATES, &ck_all, ck_all_n);
    let ck_one = measure(CHECKOV_REPEATS, || checkov.scan(&one, &scratch, Some(&checks_arg)));
    row("checkov", &format!("{} shared", checks.len()), 1, &ck_one, checkov_results(&read_json(&scratch)).len());
    println!();
    let marginal = |m: &Measure, one: &Measure| (m.median - one.median) * 1e3 / (TEMPLATES - 1) as f64;
    println!(
        "ratio checkov / acr-audit (medians): {:.0}x on the shared rules, {:.0}x with every rule of each tool; \
         start-up (one template) {:.3} s / {:.3} s; each further template {:.2} ms / {:.2} ms ({:.0}x)",
        ck.median / shared.median,
        ck_all.median / all.median,
        ck_one.median,
        acr_one.median,
        marginal(&ck, &ck_one),
        marginal(&shared, &acr_one),
        marginal(&ck, &ck_one) / marginal(&shared, &acr_one)
    );
    println!();
    compare(&templates, &shared_json, &ck_results, &pairs);
}

// ---------------------------------------------------------------------------------------------
// Running and timing

struct Measure {
    best: f64,
    median: f64,
    peak_kib: i64,
}

fn measure(repeats: usize, mut run: impl FnMut() -> (f64, i64)) -> Measure {
    let mut times = Vec::new();
    let mut peak_kib = 0;
    for _ in 0..repeats {
        let (secs, kib) = run();
        times.push(secs);
        peak_kib = peak_kib.max(kib);
    }
    times.sort_by(f64::total_cmp);
    Measure { best: times[0], median: times[repeats / 2], peak_kib }
}

fn acr_audit(templates: &Path, report: &Path, extra: &[&str]) -> (f64, i64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_acr-audit"));
    cmd.args(["scan", "--template"]).arg(templates);
    cmd.args(["--format", "json", "--exit-zero", "--quiet", "--as-of", AS_OF, "-o"]).arg(report).args(extra);
    let (secs, kib, code) = timed(&mut cmd);
    assert_eq!(code, 0, "acr-audit failed (exit {code})");
    (secs, kib)
}

struct Checkov {
    program: Vec<String>,
    version: String,
}

impl Checkov {
    /// `$CHECKOV` (a command line), `checkov` on PATH, or the Python module.
    fn find() -> Option<Checkov> {
        let mut candidates: Vec<Vec<String>> = Vec::new();
        if let Ok(c) = std::env::var("CHECKOV") {
            candidates.push(c.split_whitespace().map(String::from).collect());
        }
        candidates.push(vec!["checkov".into()]);
        candidates.push(vec!["python3".into(), "-m".into(), "checkov.main".into()]);
        candidates.into_iter().filter(|c| !c.is_empty()).find_map(|program| {
            let out = Checkov::command(&program).arg("--version").stderr(Stdio::null()).output().ok()?;
            let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (out.status.success() && !version.is_empty()).then_some(Checkov { program, version })
        })
    }

    /// Offline and quiet: no policy download, no update check, no package scan.
    fn command(program: &[String]) -> Command {
        let mut cmd = Command::new(&program[0]);
        cmd.args(&program[1..])
            .env("BC_SKIP_MAPPING", "TRUE")
            .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")
            .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
            .env("LOG_LEVEL", "ERROR");
        cmd
    }

    /// The check IDs of Checkov's ARM framework, from its `--list` table.
    fn arm_checks(&self) -> BTreeSet<String> {
        let out = Checkov::command(&self.program)
            .args(["--list", "--framework", "arm"])
            .stderr(Stdio::null())
            .output()
            .expect("checkov --list");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split('|').nth(2).map(str::trim))
            .filter(|id| id.starts_with("CKV"))
            .map(String::from)
            .collect()
    }

    /// Scans the folder; every result (passed and failed: no `--quiet`) written to `report`.
    fn scan(&self, templates: &Path, report: &Path, checks: Option<&str>) -> (f64, i64) {
        let mut cmd = Checkov::command(&self.program);
        cmd.arg("-d").arg(templates);
        cmd.args(["--framework", "arm", "--compact", "-o", "json", "--skip-download", "--soft-fail"]);
        if let Some(c) = checks {
            cmd.args(["--check", c]);
        }
        let err = report.with_extension("stderr");
        cmd.stdout(std::fs::File::create(report).expect("create the checkov report"));
        cmd.stderr(std::fs::File::create(&err).expect("create the checkov log"));
        let (secs, kib, code) = timed(&mut cmd);
        assert_eq!(code, 0, "checkov failed (exit {code}): {}", std::fs::read_to_string(&err).unwrap_or_default());
        (secs, kib)
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or(Value::Null)
}

fn count_results(report: &Value) -> usize {
    report["results"].as_array().map_or(0, Vec::len)
}

// ---------------------------------------------------------------------------------------------
// Comparing verdicts

/// One Checkov result: file (relative to the folder), check, line range of the resource, verdict.
struct CkResult {
    file: String,
    check: String,
    start: u64,
    end: u64,
    passed: bool,
    resource: String,
}

fn checkov_results(report: &Value) -> Vec<CkResult> {
    // One framework gives an object; several, a list of them.
    let reports: Vec<&Value> = match report {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut out = Vec::new();
    for r in reports {
        for (list, passed) in [("passed_checks", true), ("failed_checks", false)] {
            for c in r["results"][list].as_array().into_iter().flatten() {
                let range = &c["file_line_range"];
                out.push(CkResult {
                    file: c["file_path"].as_str().unwrap_or_default().trim_start_matches('/').to_string(),
                    check: c["check_id"].as_str().unwrap_or_default().to_string(),
                    start: range[0].as_u64().unwrap_or(0),
                    end: range[1].as_u64().unwrap_or(0),
                    passed,
                    resource: c["resource"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
    }
    out
}

/// The template properties a Checkov check reads (its source, checkov/arm/checks/resource/), shown
/// beside acr-audit's evidence in the examples of disagreements.
fn inspected(check: &str) -> &'static [&'static str] {
    match check {
        "CKV_AZURE_139" => &["publicNetworkAccess"],
        "CKV_AZURE_137" => &["adminUserEnabled"],
        "CKV_AZURE_138" => &["anonymousPullEnabled", "sku"],
        "CKV_AZURE_233" => &["zoneRedundancy"],
        "CKV_AZURE_40" => &["exp", "expiryTime"],
        "CKV_AZURE_111" => &["enableSoftDelete"],
        "CKV_AZURE_110" => &["enablePurgeProtection"],
        "CKV_AZURE_109" => &["publicNetworkAccess", "networkAcls", "defaultAction"],
        "CKV_AZURE_189" => &["publicNetworkAccess", "networkAcls", "ipRules"],
        _ => &[],
    }
}

/// A disagreement to show: where, what the template says, what acr-audit says.
struct Example {
    place: String,
    template: String,
    acr: String,
}

#[derive(Default)]
struct Tally {
    agree: usize,
    /// (acr-audit status, Checkov verdict) → count and the first examples that differ in the template.
    differ: BTreeMap<(String, &'static str), (usize, Vec<Example>)>,
    /// acr-audit n/a where Checkov judged the resource.
    na: usize,
    checkov_only: usize,
    acr_only: usize,
    first_checkov_only: Option<String>,
    first_acr_only: Option<String>,
}

/// The template's own text for `props` within lines `start..=end` of `file` (an object opening on
/// the line is followed by its first member).
struct Texts<'a> {
    dir: &'a Path,
    files: HashMap<String, Vec<String>>,
}

impl Texts<'_> {
    fn lines(&mut self, file: &str) -> &[String] {
        let dir = self.dir;
        self.files.entry(file.to_string()).or_insert_with(|| {
            std::fs::read_to_string(dir.join(file)).unwrap_or_default().lines().map(|l| l.trim().to_string()).collect()
        })
    }

    /// What sets a template apart when only one tool judged a resource of it.
    fn note(&mut self, file: &str, checkov_resource: &str, rule: &str) -> &'static str {
        let lines = self.lines(file);
        let has = |text: &str| lines.iter().any(|l| l.starts_with(text));
        if has("\"languageVersion\": \"2.0\"") {
            " (language version 2.0: resources keyed by symbolic name)"
        } else if checkov_resource.contains("uniqueString(resourceGroup().id)") {
            " (named uniqueString(resourceGroup().id), as in the other templates that do so)"
        } else if rule == "CMK007" && !has("\"type\": \"Microsoft.ContainerRegistry/registries\"") {
            " (no registry in the template)"
        } else if rule == "CMK007" && has("\"type\": \"keys\"") {
            " (the key is declared inside its vault: \"type\": \"keys\")"
        } else {
            ""
        }
    }

    fn show(&mut self, file: &str, start: u64, end: u64, props: &[&str]) -> String {
        let dir = self.dir;
        let lines = self.lines(file);
        let range = start.saturating_sub(1) as usize..(end as usize).min(lines.len());
        let (mut out, mut shown) = (Vec::new(), Vec::new());
        for prop in props {
            let key = format!("\"{prop}\":");
            match range.clone().find(|&n| lines[n].starts_with(&key)) {
                Some(n) if shown.contains(&n) => {}
                Some(n) if lines[n].ends_with('{') && n + 1 < lines.len() => {
                    out.push(format!("{} {}", lines[n], lines[n + 1]));
                    shown.extend([n, n + 1]);
                }
                Some(n) => {
                    out.push(lines[n].clone());
                    shown.push(n);
                }
                None => out.push(format!("no {key}")),
            }
        }
        let params = dir.join(file.replace(".json", ".parameters.json"));
        if params.is_file() {
            out.push("(a parameters file beside it)".into());
        }
        out.join("  ")
    }
}

/// Per (template, resource) and shared rule: acr-audit's verdict beside Checkov's. A resource is the
/// same in both when Checkov's line range for it holds the line acr-audit says it was declared at (a
/// copy loop: each copy beside the one Checkov result). CMK007 judges a registry by the key it is
/// encrypted with, CKV_AZURE_40 judges the key: a template here declares at most one key, so the
/// registry's verdict is set beside that key's.
fn compare(templates: &Path, acr: &Value, ck: &[CkResult], pairs: &[(String, String)]) {
    let prefix = format!("{}/", templates.display());
    let mut by_file_check: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (n, c) in ck.iter().enumerate() {
        by_file_check.entry((c.file.as_str(), c.check.as_str())).or_default().push(n);
    }
    let resources = &acr["resources"];
    let mut tallies: Vec<Tally> = pairs.iter().map(|_| Tally::default()).collect();
    let mut texts = Texts { dir: templates, files: HashMap::new() };
    for (p, (rule, check)) in pairs.iter().enumerate() {
        let tally = &mut tallies[p];
        let mut matched = vec![false; ck.len()];
        for r in acr["results"].as_array().into_iter().flatten().filter(|r| r["rule"] == rule.as_str()) {
            let id = r["resource"].as_str().unwrap_or_default();
            let name = id.rsplit('/').next().unwrap_or(id);
            let loc = &resources[id]["location"];
            let file = loc["file"].as_str().unwrap_or_default().trim_start_matches(&prefix).to_string();
            let decl = loc["line"].as_u64().unwrap_or(0);
            let status = r["status"].as_str().unwrap_or_default();
            let candidates = by_file_check.get(&(file.as_str(), check.as_str())).map(Vec::as_slice).unwrap_or(&[]);
            let found = if rule == "CMK007" {
                (candidates.len() == 1).then(|| candidates[0])
            } else {
                candidates
                    .iter()
                    .copied()
                    .filter(|&n| ck[n].start <= decl && decl <= ck[n].end)
                    .min_by_key(|&n| ck[n].end - ck[n].start)
            };
            let Some(n) = found else {
                if status != "n/a" {
                    tally.acr_only += 1;
                    if tally.first_acr_only.is_none() {
                        let note = texts.note(&file, "", rule);
                        tally.first_acr_only = Some(format!("{file}:{decl} {name}: acr-audit {status}{note}"));
                    }
                }
                continue;
            };
            matched[n] = true;
            let c = &ck[n];
            let verdict = if c.passed { "pass" } else { "fail" };
            if status == "n/a" {
                tally.na += 1;
            } else if status == verdict {
                tally.agree += 1;
            } else {
                // CMK007's evidence is on the key, whose lines are Checkov's range here.
                let path = r["path"].as_str().unwrap_or_default();
                let mut props = if rule == "CMK007" { vec![] } else { vec![path.rsplit('.').next().unwrap_or(path)] };
                for p in inspected(check) {
                    if !props.contains(p) {
                        props.push(p);
                    }
                }
                let example = Example {
                    place: format!("{file}:{decl} {name}"),
                    template: texts.show(&file, c.start, c.end, &props),
                    acr: format!("{} ({path} = {})", r["message"].as_str().unwrap_or_default(), r["observed"]),
                };
                let e = tally.differ.entry((status.to_string(), verdict)).or_default();
                e.0 += 1;
                if e.1.len() < EXAMPLES && e.1.iter().all(|x| x.template != example.template) {
                    e.1.push(example);
                }
            }
        }
        for (n, c) in ck.iter().enumerate() {
            if c.check == *check && !matched[n] {
                tally.checkov_only += 1;
                if tally.first_checkov_only.is_none() {
                    let verdict = if c.passed { "PASSED" } else { "FAILED" };
                    let note = texts.note(&c.file, &c.resource, rule);
                    tally.first_checkov_only =
                        Some(format!("{}:{} {}: checkov {verdict}{note}", c.file, c.start, c.resource));
                }
            }
        }
    }

    println!("verdicts on the shared rules, per (template, resource): acr-audit --all-vaults beside checkov");
    println!(
        "{:<7} {:<14} {:>8} {:>6} {:>7} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "rule", "check", "compared", "agree", "agree%", "acr fail", "acr pass", "acr unkn.", "acr n/a", "only", "only"
    );
    println!(
        "{:<7} {:<14} {:>8} {:>6} {:>7} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "", "", "", "", "", "ck pass", "ck fail", "ck any", "ck any", "checkov", "acr"
    );
    let (mut all_compared, mut all_agree) = (0, 0);
    for ((rule, check), t) in pairs.iter().zip(&tallies) {
        let count = |s: &str, v: Option<&str>| -> usize {
            t.differ.iter().filter(|((a, b), _)| a == s && v.is_none_or(|v| v == *b)).map(|(_, (n, _))| n).sum()
        };
        let differ: usize = t.differ.values().map(|(n, _)| n).sum();
        let compared = t.agree + differ;
        all_compared += compared;
        all_agree += t.agree;
        println!(
            "{rule:<7} {check:<14} {compared:>8} {:>6} {:>6.1}% {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
            t.agree,
            100.0 * t.agree as f64 / compared.max(1) as f64,
            count("fail", Some("pass")),
            count("pass", Some("fail")),
            count("unknown", None),
            t.na,
            t.checkov_only,
            t.acr_only
        );
    }
    println!(
        "{:<22} {all_compared:>8} {all_agree:>6} {:>6.1}%",
        "all",
        100.0 * all_agree as f64 / all_compared.max(1) as f64
    );
    println!();
    println!("disagreements by rule, with the first example of each (template file:line of the resource):");
    for ((rule, check), t) in pairs.iter().zip(&tallies) {
        for ((status, verdict), (n, examples)) in &t.differ {
            println!("{rule} {check}: acr-audit {status}, checkov {verdict}: {n}");
            for e in examples {
                println!("  e.g. {}", e.place);
                println!("    template:  {}", e.template);
                println!("    acr-audit: {}", e.acr);
            }
        }
        if let Some(e) = &t.first_checkov_only {
            println!("{rule} {check}: only checkov: {}, e.g. {e}", t.checkov_only);
        }
        if let Some(e) = &t.first_acr_only {
            println!("{rule} {check}: only acr-audit: {}, e.g. {e}", t.acr_only);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The templates

/// A deterministic spread of the template index over the variants of one setting.
fn pick(i: usize, salt: u64, n: usize) -> usize {
    let mut z = (i as u64).wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) % n as u64) as usize
}

const TEAMS: [&str; 10] = ["web", "api", "ml", "data", "pay", "shop", "auth", "search", "media", "ops"];
const ENVS: [&str; 3] = ["dev", "test", "prod"];
const DAYS: [u32; 2] = [7, 30];
const STATUS: [&str; 2] = ["enabled", "disabled"];
const ACR_API: [&str; 3] = ["2023-07-01", "2023-11-01-preview", "2021-09-01"];
const LOG_GROUPS: [&str; 2] = ["audit", "allLogs"];
const KEY_SIZES: [u32; 3] = [2048, 3072, 4096];

#[derive(Default)]
struct Generated {
    with_parameters: usize,
    symbolic: usize,
    bytes: u64,
    registries: usize,
    vaults: usize,
    keys: usize,
}

#[derive(Default)]
struct Template {
    params: Map<String, Value>,
    vars: Map<String, Value>,
    resources: Vec<Value>,
    outputs: Map<String, Value>,
    /// What a parameters file beside the template gives, when it has one.
    file_params: Map<String, Value>,
}

impl Template {
    /// Declares a parameter; the expression that reads it.
    fn param(&mut self, name: &str, ty: &str, default: Option<Value>) -> String {
        let mut p = json!({ "type": ty });
        if let Some(d) = default {
            p["defaultValue"] = d;
        }
        self.params.insert(name.into(), p);
        format!("[parameters('{name}')]")
    }
}

fn write_templates(dir: &Path) -> Generated {
    let mut stats = Generated::default();
    for i in 0..TEMPLATES {
        let kind = match i % 20 {
            0..=7 => "registry",
            8..=13 => "cmk",
            14..=16 => "vault",
            _ => "app",
        };
        let (team, env) = (TEAMS[pick(i, 1, TEAMS.len())], ENVS[pick(i, 2, ENVS.len())]);
        let mut t = Template::default();
        t.param("location", "string", Some(json!("[resourceGroup().location]")));
        t.params.insert(
            "environment".into(),
            json!({"type": "string", "defaultValue": env, "allowedValues": ENVS, "metadata": {"description": "Deployment stage"}}),
        );
        match kind {
            "registry" => {
                stats.registries += registry(&mut t, i, 0, team, None);
                // Some teams keep a second, cheaper registry for builds in the same template.
                if i % 9 == 0 {
                    stats.registries += registry(&mut t, i, 1, team, None);
                }
            }
            "cmk" => {
                let key = cmk(&mut t, i, team);
                stats.vaults += 1;
                stats.keys += 1;
                stats.registries += registry(&mut t, i, 0, team, Some(&key));
            }
            "vault" => {
                vault(&mut t, i, team, None);
                stats.vaults += 1;
                stats.keys += 1;
            }
            _ => {
                stats.registries += registry(&mut t, i, 0, team, None);
                vault(&mut t, i, team, None);
                stats.vaults += 1;
                stats.keys += 1;
            }
        }
        // A deployment's parameters file: the production stage, some switches flipped, and a value for
        // each parameter without a default. Elsewhere the pipeline gives those, out of the scanners' sight.
        if i % 10 == 4 {
            t.file_params.insert("environment".into(), json!("prod"));
            for (name, p) in &t.params {
                let value = match (p.get("defaultValue"), p["allowedValues"].as_array()) {
                    (Some(Value::Bool(b)), _) if pick(i, 40, 2) == 0 => json!(!b),
                    (Some(_), _) => continue,
                    (None, Some(allowed)) => allowed[pick(i, 41, allowed.len())].clone(),
                    (None, None) => json!(pick(i, 42, 2) == 0),
                };
                t.file_params.insert(name.clone(), value);
            }
        }
        let stem = format!("{i:04}-{kind}");
        let mut doc = json!({
            "$schema": SCHEMA,
            "contentVersion": "1.0.0.0",
            "metadata": {"description": format!("{kind} for team {team}"), "owner": format!("team-{team}@contoso.example")},
            "parameters": t.params,
        });
        if !t.vars.is_empty() {
            doc["variables"] = Value::Object(t.vars);
        }
        if kind == "registry" && i % 40 == 5 {
            // What `az bicep build` writes for a file with user-defined types: language version 2.0,
            // resources as an object keyed by symbolic name.
            doc["languageVersion"] = json!("2.0");
            let hash = format!("{:020}", pick(i, 70, usize::MAX));
            doc["metadata"]["_generator"] = json!({"name": "bicep", "version": "0.30.23.60470", "templateHash": hash});
            let mut symbolic = Map::new();
            for (n, r) in t.resources.into_iter().enumerate() {
                let kind = r["type"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
                symbolic.insert(format!("{kind}{n}"), r);
            }
            doc["resources"] = Value::Object(symbolic);
            stats.symbolic += 1;
        } else {
            doc["resources"] = Value::Array(t.resources);
        }
        if !t.outputs.is_empty() {
            doc["outputs"] = Value::Object(t.outputs);
        }
        let text = serde_json::to_string_pretty(&doc).expect("serialise a template");
        stats.bytes += text.len() as u64;
        std::fs::write(dir.join(format!("{stem}.json")), text).expect("write a template");
        if !t.file_params.is_empty() {
            let params: Map<String, Value> =
                t.file_params.into_iter().map(|(k, v)| (k, json!({ "value": v }))).collect();
            let text = serde_json::to_string_pretty(
                &json!({"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": params}),
            )
            .expect("serialise parameters");
            std::fs::write(dir.join(format!("{stem}.parameters.json")), text).expect("write parameters");
            stats.with_parameters += 1;
        }
    }
    stats
}

/// What a registry needs to be encrypted with the template's key.
struct Cmk {
    identity_id: String,
    key_ref: String,
    vault_param: String,
    key_param: String,
}

/// Declares a registry (`slot` 1: a second one in the same template); how many it deploys.
fn registry(t: &mut Template, i: usize, slot: usize, team: &str, cmk: Option<&Cmk>) -> usize {
    let s = 100 * slot as u64;
    let suffix = if slot == 0 { "" } else { "Build" };
    let name_param = format!("registryName{suffix}");
    // Names: a parameter with a default, a format of parameters, a literal, or the quickstarts'
    // uniqueString of the resource group (the same name in every template that uses it).
    let name = if slot == 0 && i % 50 == 9 {
        t.param(&name_param, "string", Some(json!("[format('acr{0}', uniqueString(resourceGroup().id))]")))
    } else {
        match pick(i, s + 3, 10) {
            0..=5 => t.param(&name_param, "string", Some(json!(format!("cr{team}{i:04}{}", suffix.to_lowercase())))),
            6..=7 => {
                t.param("workload", "string", Some(json!(team)));
                t.param(
                    &format!("instance{suffix}"),
                    "string",
                    Some(json!(format!("{i:04}{}", suffix.to_lowercase()))),
                );
                format!(
                    "[format('cr{{0}}{{1}}{{2}}', parameters('workload'), parameters('environment'), parameters('instance{suffix}'))]"
                )
            }
            _ => format!("cr{team}{i:04}{}", suffix.to_lowercase()),
        }
    };
    let premium = cmk.is_some() || pick(i, s + 4, 10) >= 4;
    let sku_name = if premium {
        "Premium"
    } else if pick(i, s + 5, 3) == 0 {
        "Basic"
    } else {
        "Standard"
    };
    let sku = if pick(i, s + 6, 2) == 0 {
        let mut p =
            json!({"type": "string", "defaultValue": sku_name, "allowedValues": ["Basic", "Standard", "Premium"]});
        if cmk.is_some() {
            p["allowedValues"] = json!(["Premium"]);
        }
        t.params.insert(format!("sku{suffix}"), p);
        Value::String(format!("[parameters('sku{suffix}')]"))
    } else {
        json!(sku_name)
    };
    let location = match pick(i, s + 7, 4) {
        0 => json!("[resourceGroup().location]"),
        1 => json!("japaneast"),
        _ => json!("[parameters('location')]"),
    };

    let mut props = Map::new();
    match pick(i, s + 8, 8) {
        0..=1 => _ = props.insert("adminUserEnabled".into(), json!(true)),
        2..=4 => _ = props.insert("adminUserEnabled".into(), json!(false)),
        5 => {}
        6 => {
            // Without a default, the pipeline gives the value: only a parameters file tells it.
            let default = (pick(i, s + 29, 3) != 0).then(|| json!(pick(i, s + 9, 2) == 0));
            let p = t.param(&format!("adminUserEnabled{suffix}"), "bool", default);
            props.insert("adminUserEnabled".into(), json!(p));
        }
        _ => _ = props.insert("adminUserEnabled".into(), json!("[equals(parameters('environment'), 'dev')]")),
    }
    match pick(i, s + 10, 10) {
        0..=1 => _ = props.insert("anonymousPullEnabled".into(), json!(true)),
        2..=5 => _ = props.insert("anonymousPullEnabled".into(), json!(false)),
        _ => {}
    }
    match pick(i, s + 11, 10) {
        0..=2 => _ = props.insert("publicNetworkAccess".into(), json!("Enabled")),
        3..=5 => _ = props.insert("publicNetworkAccess".into(), json!("Disabled")),
        6 => {}
        7 => {
            let default = if pick(i, s + 12, 2) == 0 { "Enabled" } else { "Disabled" };
            let mut p = json!({"type": "string", "defaultValue": default, "allowedValues": ["Enabled", "Disabled"]});
            if pick(i, s + 30, 3) == 0 {
                p.as_object_mut().map(|o| o.remove("defaultValue"));
            }
            t.params.insert(format!("publicNetworkAccess{suffix}"), p);
            props.insert("publicNetworkAccess".into(), json!(format!("[parameters('publicNetworkAccess{suffix}')]")));
        }
        8 => {
            let e = "[if(equals(parameters('environment'), 'prod'), 'Disabled', 'Enabled')]";
            props.insert("publicNetworkAccess".into(), json!(e));
        }
        _ => _ = props.insert("publicNetworkAccess".into(), json!("disabled")),
    }
    if premium {
        match pick(i, s + 13, 3) {
            0 => {}
            1 => {
                let rules = json!([{"action": "Allow", "value": format!("203.0.113.{}", i % 250)}]);
                props.insert("networkRuleSet".into(), json!({"defaultAction": "Deny", "ipRules": rules}));
            }
            _ => _ = props.insert("networkRuleSet".into(), json!({"defaultAction": "Allow"})),
        }
        match pick(i, s + 14, 3) {
            0 => _ = props.insert("dataEndpointEnabled".into(), json!(true)),
            1 => _ = props.insert("dataEndpointEnabled".into(), json!(false)),
            _ => {}
        }
        let bypass = ["AzureServices", "None"][pick(i, s + 15, 2)];
        props.insert("networkRuleBypassOptions".into(), json!(bypass));
    }
    match pick(i, s + 16, 6) {
        0 => _ = props.insert("zoneRedundancy".into(), json!("Enabled")),
        1..=2 => _ = props.insert("zoneRedundancy".into(), json!("Disabled")),
        3..=4 => {}
        _ => {
            t.params.insert(
                format!("zoneRedundancy{suffix}"),
                json!({"type": "string", "defaultValue": "Enabled", "allowedValues": ["Enabled", "Disabled"]}),
            );
            props.insert("zoneRedundancy".into(), json!(format!("[parameters('zoneRedundancy{suffix}')]")));
        }
    }
    let mut policies = Map::new();
    if pick(i, s + 17, 3) != 0 {
        let status = ["enabled", "disabled"][pick(i, s + 18, 2)];
        policies.insert("retentionPolicy".into(), json!({"days": DAYS[pick(i, s + 19, 2)], "status": status}));
    }
    if pick(i, s + 20, 2) == 0 {
        policies.insert("exportPolicy".into(), json!({"status": STATUS[pick(i, s + 21, 2)]}));
        policies.insert("azureADAuthenticationAsArmPolicy".into(), json!({"status": "disabled"}));
    }
    if premium && pick(i, s + 22, 4) == 0 {
        policies.insert("quarantinePolicy".into(), json!({"status": "enabled"}));
        policies.insert("trustPolicy".into(), json!({"type": "Notary", "status": "enabled"}));
    }
    if !policies.is_empty() {
        props.insert("policies".into(), Value::Object(policies));
    }

    let mut resource = json!({
        "type": "Microsoft.ContainerRegistry/registries",
        "apiVersion": ACR_API[pick(i, s + 23, 3)],
        "name": name,
        "location": location,
        "tags": {"team": team, "environment": "[parameters('environment')]"},
        "sku": {"name": sku},
    });
    let mut deployed = 1;
    if let Some(k) = cmk {
        resource["identity"] =
            json!({"type": "UserAssigned", "userAssignedIdentities": {format!("[{}]", k.identity_id): {}}});
        let uri = ["keyUri", "keyUriWithVersion"][pick(i, 24, 2)];
        props.insert(
            "encryption".into(),
            json!({"status": "enabled", "keyVaultProperties": {
                "keyIdentifier": format!("[reference({}, '2023-07-01').{uri}]", k.key_ref),
                "identity": format!("[reference({}, '2023-01-31').clientId]", k.identity_id),
            }}),
        );
        resource["dependsOn"] = json!([format!(
            "[resourceId('Microsoft.KeyVault/vaults/keys', parameters('{}'), parameters('{}'))]",
            k.vault_param, k.key_param
        )]);
    } else if pick(i, s + 25, 3) == 0 {
        resource["identity"] = json!({"type": "SystemAssigned"});
    }
    resource["properties"] = Value::Object(props);
    // One registry per team from a list: a copy loop.
    if slot == 0 && cmk.is_none() && i % 25 == 3 {
        t.param("teams", "array", Some(json!(["web", "api", "ml"])));
        resource["copy"] = json!({"name": "teamRegistries", "count": "[length(parameters('teams'))]"});
        resource["name"] = json!(format!("[format('cr{{0}}{i:04}', parameters('teams')[copyIndex()])]"));
        deployed = 3;
    }
    let name_expr = resource["name"].as_str().unwrap_or_default().to_string();
    let id_name = match name_expr.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(expr) => expr.to_string(),
        None => format!("'{name_expr}'"),
    };
    t.resources.push(resource);
    if deployed == 1 && premium && pick(i, s + 26, 3) == 0 {
        private_endpoint(t, i, &id_name);
    }
    if deployed == 1 && pick(i, s + 27, 2) == 0 {
        t.resources.push(json!({
            "type": "Microsoft.Insights/diagnosticSettings",
            "apiVersion": "2021-05-01-preview",
            "scope": format!("[format('Microsoft.ContainerRegistry/registries/{{0}}', {id_name})]"),
            "name": "to-log-analytics",
            "properties": {
                "workspaceId": WORKSPACE,
                "logs": [{"categoryGroup": LOG_GROUPS[pick(i, s + 28, 2)], "enabled": true}],
                "metrics": [{"category": "AllMetrics", "enabled": true}]
            },
            "dependsOn": [format!("[resourceId('Microsoft.ContainerRegistry/registries', {id_name})]")]
        }));
        if slot == 0 {
            t.outputs.insert(
                "loginServer".into(),
                json!({"type": "string", "value": format!("[reference(resourceId('Microsoft.ContainerRegistry/registries', {id_name}), '2023-07-01').loginServer]")}),
            );
        }
    }
    deployed
}

fn private_endpoint(t: &mut Template, i: usize, id_name: &str) {
    t.param("subnetId", "string", Some(json!(SUBNET)));
    let zone = if pick(i, 30, 4) == 0 { "'example.internal'" } else { "'privatelink.azurecr.io'" };
    t.resources.push(json!({
        "type": "Microsoft.Network/privateEndpoints",
        "apiVersion": "2024-05-01",
        "name": format!("[format('pe-{{0}}', {id_name})]"),
        "location": "[parameters('location')]",
        "properties": {
            "subnet": {"id": "[parameters('subnetId')]"},
            "privateLinkServiceConnections": [{"name": "registry", "properties": {
                "privateLinkServiceId": format!("[resourceId('Microsoft.ContainerRegistry/registries', {id_name})]"),
                "groupIds": ["registry"]
            }}]
        },
        "resources": [{
            "type": "privateDnsZoneGroups",
            "apiVersion": "2024-05-01",
            "name": "default",
            "properties": {"privateDnsZoneConfigs": [{"name": "registry", "properties": {
                "privateDnsZoneId": format!("[resourceId('Microsoft.Network/privateDnsZones', {zone})]")
            }}]},
            "dependsOn": [format!("[resourceId('Microsoft.Network/privateEndpoints', format('pe-{{0}}', {id_name}))]")]
        }],
        "dependsOn": [format!("[resourceId('Microsoft.ContainerRegistry/registries', {id_name})]")]
    }));
}

/// The customer-managed-key chain: an identity, a vault with a key, the identity's access to it.
fn cmk(t: &mut Template, i: usize, team: &str) -> Cmk {
    t.vars.insert("identityName".into(), json!(format!("id-cr{team}{i:04}-cmk")));
    let identity_id =
        "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName'))".to_string();
    t.resources.push(json!({
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
        "apiVersion": "2023-01-31",
        "name": "[variables('identityName')]",
        "location": "[parameters('location')]"
    }));
    vault(t, i, team, Some(&identity_id));
    Cmk {
        key_ref: "resourceId('Microsoft.KeyVault/vaults/keys', parameters('keyVaultName'), parameters('keyName'))"
            .into(),
        identity_id,
        vault_param: "keyVaultName".into(),
        key_param: "keyName".into(),
    }
}

/// A vault with one key; with `identity`, the registry identity's access to the key (an access
/// policy, or a role assignment on an RBAC vault).
fn vault(t: &mut Template, i: usize, team: &str, identity: Option<&str>) {
    let vault_name = t.param("keyVaultName", "string", Some(json!(format!("kv-{team}-{i:04}"))));
    let key_name = t.param("keyName", "string", Some(json!(["acr-cmk", "app-key", "signing"][pick(i, 50, 3)])));
    let rbac = pick(i, 51, 3) == 0;
    let mut props = Map::new();
    props.insert("tenantId".into(), json!("[subscription().tenantId]"));
    let premium_vault = pick(i, 52, 2) == 0;
    props.insert("sku".into(), json!({"family": "A", "name": if premium_vault { "premium" } else { "standard" }}));
    match pick(i, 53, 6) {
        0..=2 => {
            props.insert("enableSoftDelete".into(), json!(true));
            props.insert("softDeleteRetentionInDays".into(), json!([7, 90][pick(i, 54, 2)]));
        }
        3 => _ = props.insert("enableSoftDelete".into(), json!(false)),
        _ => {}
    }
    match pick(i, 55, 6) {
        0..=2 => _ = props.insert("enablePurgeProtection".into(), json!(true)),
        3 => {}
        4 => _ = props.insert("enablePurgeProtection".into(), json!(false)),
        _ => {
            let default = (pick(i, 66, 3) != 0).then(|| json!(pick(i, 56, 2) == 0));
            let p = t.param("enablePurgeProtection", "bool", default);
            props.insert("enablePurgeProtection".into(), json!(p));
        }
    }
    props.insert("enableRbacAuthorization".into(), json!(rbac));
    match pick(i, 57, 6) {
        0..=1 => _ = props.insert("publicNetworkAccess".into(), json!("Enabled")),
        2..=3 => _ = props.insert("publicNetworkAccess".into(), json!("Disabled")),
        4 => {}
        _ => _ = props.insert("publicNetworkAccess".into(), json!("disabled")),
    }
    match pick(i, 58, 5) {
        0 => {}
        1 => _ = props.insert("networkAcls".into(), json!({"defaultAction": "Deny", "bypass": "AzureServices"})),
        2 => _ = props.insert("networkAcls".into(), json!({"defaultAction": "Allow", "bypass": "AzureServices"})),
        3 => {
            let acls = json!({"defaultAction": "Deny", "bypass": "AzureServices",
                "ipRules": [{"value": format!("198.51.100.{}/32", i % 250)}], "virtualNetworkRules": []});
            props.insert("networkAcls".into(), acls);
        }
        _ => {
            let action = ["Deny", "Allow"][pick(i, 59, 2)];
            t.vars.insert(
                "networkAcls".into(),
                json!({"defaultAction": action, "bypass": "AzureServices", "ipRules": []}),
            );
            props.insert("networkAcls".into(), json!("[variables('networkAcls')]"));
        }
    }
    let mut policies = Vec::new();
    if !rbac {
        if let Some(id) = identity {
            let keys = if pick(i, 60, 4) == 0 { json!(["all"]) } else { json!(["get", "wrapKey", "unwrapKey"]) };
            policies.push(json!({
                "tenantId": "[subscription().tenantId]",
                "objectId": format!("[reference({id}, '2023-01-31').principalId]"),
                "permissions": {"keys": keys}
            }));
        }
        let admin = t.param("adminObjectId", "string", Some(json!("11111111-2222-3333-4444-555555555555")));
        policies.push(json!({
            "tenantId": "[subscription().tenantId]",
            "objectId": admin,
            "permissions": {"keys": ["get", "list", "create", "update", "rotate"], "secrets": ["get", "list", "set"]}
        }));
    }
    props.insert("accessPolicies".into(), Value::Array(policies));

    // The key: its expiry as a literal (one soon after the audit date), a parameter, computed from
    // utcNow() in a parameter default, or not set; a rotation policy with or without expiryTime.
    let mut attributes = json!({"enabled": true});
    match pick(i, 61, 6) {
        0..=1 => attributes["exp"] = json!(1_861_920_000), // 2029-01-01
        2 => attributes["exp"] = json!(1_796_083_200),     // 2026-12-01: expires a week after the audit
        3 => attributes["exp"] = json!(t.param("keyExpiry", "int", Some(json!(1_830_297_600)))), // 2028-01-01
        4 => {
            t.param("baseTime", "string", Some(json!("[utcNow('u')]")));
            attributes["exp"] = json!("[dateTimeToEpoch(dateTimeAdd(parameters('baseTime'), 'P1Y'))]");
        }
        _ => {}
    }
    let mut key_props = json!({
        "kty": if premium_vault && pick(i, 62, 2) == 0 { "RSA-HSM" } else { "RSA" },
        "keySize": KEY_SIZES[pick(i, 63, 3)],
        "keyOps": ["wrapKey", "unwrapKey"],
        "attributes": attributes,
    });
    match pick(i, 64, 3) {
        0 => {}
        1 => {
            key_props["rotationPolicy"] = json!({
                "attributes": {"expiryTime": "P2Y"},
                "lifetimeActions": [
                    {"trigger": {"timeAfterCreate": "P18M"}, "action": {"type": "rotate"}},
                    {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "notify"}}
                ]
            });
        }
        _ => {
            key_props["rotationPolicy"] =
                json!({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1Y"}, "action": {"type": "rotate"}}]});
        }
    }
    let vault_id = "resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))";
    let mut vault = json!({
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": "2023-07-01",
        "name": vault_name,
        "location": "[parameters('location')]",
        "tags": {"team": team},
        "properties": props,
    });
    if let Some(id) = identity.filter(|_| !rbac) {
        vault["dependsOn"] = json!([format!("[{id}]")]);
    }
    // The key as a child of the vault, or as a top-level resource named vault/key.
    if pick(i, 65, 2) == 0 {
        vault["resources"] = json!([{
            "type": "keys",
            "apiVersion": "2023-07-01",
            "name": key_name,
            "properties": key_props,
            "dependsOn": [format!("[{vault_id}]")]
        }]);
        t.resources.push(vault);
    } else {
        t.resources.push(vault);
        t.resources.push(json!({
            "type": "Microsoft.KeyVault/vaults/keys",
            "apiVersion": "2023-07-01",
            "name": "[format('{0}/{1}', parameters('keyVaultName'), parameters('keyName'))]",
            "properties": key_props,
            "dependsOn": [format!("[{vault_id}]")]
        }));
    }
    if let Some(id) = identity.filter(|_| rbac) {
        let key_id = "resourceId('Microsoft.KeyVault/vaults/keys', parameters('keyVaultName'), parameters('keyName'))";
        t.resources.push(json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "scope": "[format('Microsoft.KeyVault/vaults/{0}/keys/{1}', parameters('keyVaultName'), parameters('keyName'))]",
            "name": format!("[guid({key_id}, {id}, '{CRYPTO_USER}')]"),
            "properties": {
                "roleDefinitionId": format!("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{CRYPTO_USER}')]"),
                "principalId": format!("[reference({id}, '2023-01-31').principalId]"),
                "principalType": "ServicePrincipal"
            },
            "dependsOn": [format!("[{key_id}]"), format!("[{id}]")]
        }));
    }
}
