//! `--format json`: the versioned report schema (`docs/report-schema.md`). Bump [`SCHEMA`] on any
//! breaking change; fields are only ever added within a version.

use crate::report::{Finding, Report};
use crate::rules::Rule;
use serde::Serialize;
use serde_json::{Value, json};

pub const SCHEMA: &str = "acr-audit.report/v1";

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    tool: Value,
    lang: crate::i18n::Lang,
    as_of: Option<String>,
    inputs: &'a crate::report::InputSummary,
    rules: Vec<Value>,
    results: &'a [Finding],
    suppressions: &'a [crate::report::SuppressionUse],
    summary: &'a crate::report::Summary,
    gate: Value,
    warnings: &'a [String],
}

pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Doc {
        schema: SCHEMA,
        tool: json!({"name": "acr-audit", "version": env!("CARGO_PKG_VERSION")}),
        lang: report.lang,
        as_of: chrono::DateTime::from_timestamp(report.as_of, 0).map(|d| d.to_rfc3339()),
        inputs: &report.inputs,
        rules: report.rules.iter().map(|r| rule_json(r, report)).collect(),
        results: &report.findings,
        suppressions: &report.suppressions,
        summary: &report.summary,
        gate: json!({
            "fail_on": report.gate.fail_on,
            "fail_on_unknown": report.gate.fail_on_unknown,
            "tripped": report.gate.tripped,
            "exit_code": report.gate.exit_code(),
        }),
        warnings: &report.warnings,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// A rule's metadata as the report carries it, in the report's language.
pub fn rule_json(r: &Rule, report: &Report) -> Value {
    let c = &r.meta.custom;
    let lang = report.lang;
    let mut params = c.parameters.clone();
    if let Some(set) = report.params.get(r.code()) {
        params.extend(set.clone());
    }
    json!({
        "code": c.code,
        "name": c.name,
        "severity": report.severities.get(r.code()).copied().unwrap_or(c.severity),
        "default_severity": c.severity,
        "resource": c.resource,
        "title": r.meta.title(lang),
        "description": r.meta.description(lang),
        "remediation": {
            "portal": lang.pick(&c.remediation.en, &c.remediation.ja),
            "cli": c.remediation.cli,
            "terraform": c.remediation.terraform,
            "bicep": c.remediation.bicep,
        },
        "references": c.references,
        "xref": c.xref,
        "parameters": params,
        "live_only": c.live_only,
        "builtin": r.builtin,
        "source": r.source.path,
    })
}
