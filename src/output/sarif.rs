//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. A small serde model of only what
//! acr-audit writes (as zizmor does), checked in the tests by reading it back through a full typed
//! SARIF model.

use crate::engine::Status;
use crate::i18n::{Lang, Ui};
use crate::report::{Finding, Report};
use crate::rules::Rule;
use crate::severity::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/acr-audit/acr-audit";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
}

/// The run itself: what could not be read is said here, as warnings, so that a SARIF consumer sees
/// that the results are incomplete even when no result mentions it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    language: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
pub struct Help {
    text: String,
    pub markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: Vec<String>,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'static str>,
    message: Text,
    locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation,
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    status: &'static str,
    severity: Severity,
    path: &'a str,
    observed: &'a serde_json::Value,
}

pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let lang = report.lang;
    let index: BTreeMap<&str, usize> = report.rules.iter().enumerate().map(|(i, r)| (r.code(), i)).collect();
    let results = report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
        .map(|f| result(f, index[&*f.rule], report))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "acr-audit",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    language: lang.as_str(),
                    rules: report.rules.iter().map(|r| descriptor(r, report)).collect(),
                },
            },
            automation_details: AutomationDetails { id: "acr-audit/".into() },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: report
                    .inputs
                    .gaps
                    .iter()
                    .map(|g| Notification {
                        level: "warning",
                        message: Text { text: format!("{}: {}: {}", lang.t(Ui::NotSeen), g.scope, g.reason) },
                    })
                    .collect(),
            }],
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn descriptor<'a>(rule: &'a Rule, report: &Report) -> Descriptor<'a> {
    let lang = report.lang;
    let c = &rule.meta.custom;
    let severity = report.severities.get(rule.code()).copied().unwrap_or(c.severity);
    let mut tags = vec!["security".to_string(), "azure".into(), "container-registry".into(), c.severity.to_string()];
    if rule.code().starts_with("CMK") {
        tags.push("customer-managed-key".into());
    }
    Descriptor {
        id: &c.code,
        name: &c.name,
        short_description: Text { text: rule.meta.title(lang).to_string() },
        full_description: Text { text: rule.meta.description(lang).to_string() },
        help: help(rule, lang),
        help_uri: c.references.first().map(String::as_str),
        default_configuration: Configuration { level: level(severity) },
        properties: DescriptorProperties { security_severity: severity.security_severity(), tags, precision: "high" },
    }
}

/// The rule's whole text, written once in the metadata and shown here as in `acr-audit explain`.
pub fn help(rule: &Rule, lang: Lang) -> Help {
    let c = &rule.meta.custom;
    let portal = lang.pick(&c.remediation.en, &c.remediation.ja);
    let mut text = format!("{}\n\n{}:\n{portal}\n", rule.meta.description(lang), lang.t(Ui::Remediation));
    let mut markdown = format!("{}\n\n## {}\n\n{portal}\n", rule.meta.description(lang), lang.t(Ui::Remediation));
    for (label, code, fence) in [
        ("Azure CLI", &c.remediation.cli, "sh"),
        ("Terraform", &c.remediation.terraform, "hcl"),
        ("Bicep", &c.remediation.bicep, "bicep"),
    ] {
        if let Some(code) = code {
            text.push_str(&format!("\n{label}:\n{code}\n"));
            markdown.push_str(&format!("\n### {label}\n\n```{fence}\n{code}\n```\n"));
        }
    }
    if !c.references.is_empty() {
        markdown.push_str(&format!("\n## {}\n\n", lang.t(Ui::References)));
        for r in &c.references {
            markdown.push_str(&format!("- <{r}>\n"));
        }
    }
    Help { text, markdown }
}

fn result<'a>(f: &'a Finding, rule_index: usize, report: &Report) -> SarifResult<'a> {
    let (uri, line) = match &f.resource.location {
        Some(loc) => (loc.file.replace('\\', "/"), f.line),
        // A live scan has no file: the ARM ID stands in as the artifact, under a URI scheme of its own.
        None => (format!("azure-resource://{}", f.resource.id.trim_start_matches('/')), None),
    };
    let fingerprint = {
        let digest = Sha256::digest(format!("{}|{}", f.rule, f.resource.id.to_ascii_lowercase()));
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()
    };
    let fail = f.status == Status::Fail;
    let status_word = if fail { report.lang.t(Ui::Fail) } else { report.lang.t(Ui::Unknown) };
    SarifResult {
        rule_id: &f.rule,
        rule_index,
        kind: if fail { "fail" } else { "open" },
        level: fail.then(|| level(f.severity)),
        message: Text { text: format!("{} ({status_word}): {}", f.resource.name, f.message) },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: line.map(|start_line| Region { start_line }),
            },
            logical_locations: vec![LogicalLocation {
                name: &f.resource.name,
                fully_qualified_name: &f.resource.id,
                kind: "resource",
            }],
        }],
        partial_fingerprints: BTreeMap::from([("acrAuditFinding/v1", fingerprint)]),
        suppressions: f
            .suppressed
            .iter()
            .map(|s| Suppression { kind: "external", status: "accepted", justification: s.reason.clone() })
            .collect(),
        properties: ResultProperties {
            status: f.status.as_str(),
            severity: f.severity,
            path: &f.path,
            observed: &f.observed,
        },
    }
}
