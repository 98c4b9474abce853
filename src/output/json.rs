//! `--format json`: the versioned report schema (`docs/report-schema.md`). Bump [`SCHEMA`] on any
//! breaking change; fields are only ever added within a version.

use crate::report::{Report, ResourceRef};
use crate::rules::Rule;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "acr-audit.report/v1";

/// Results serialised at a time: large enough to keep the cores busy, small enough that the buffers
/// stay a few megabytes.
const RESULT_CHUNK: usize = 16_384;

/// One result: the resource by ID (its details are in the document's `resources`).
#[derive(Serialize)]
struct ResultLine<'a> {
    rule: &'a str,
    severity: crate::severity::Severity,
    status: crate::engine::Status,
    resource: &'a str,
    /// The line in the resource's file this result points at, when it is not the resource's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    message: &'a str,
    path: &'a str,
    observed: &'a Value,
    suppressed: &'a Option<Box<crate::report::AppliedSuppression>>,
}

/// The report. Pretty-printed, except that each result is one line: a large estate's report stays
/// readable and greppable (one finding a line) at half the size of a fully indented one.
pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut resources: BTreeMap<&str, &ResourceRef> = BTreeMap::new();
    for f in &report.findings {
        resources.entry(f.resource.id.as_str()).or_insert(&*f.resource);
    }
    let resources: serde_json::Map<String, Value> = resources
        .into_iter()
        .map(|(id, r)| {
            let details =
                json!({"name": r.name, "type": r.kind, "subscription_id": r.subscription_id, "location": r.location});
            (id.to_string(), details)
        })
        .collect();
    let head: [(&str, Value); 7] = [
        ("schema", json!(SCHEMA)),
        ("tool", json!({"name": "acr-audit", "version": env!("CARGO_PKG_VERSION")})),
        ("lang", json!(report.lang)),
        ("as_of", json!(chrono::DateTime::from_timestamp(report.as_of, 0).map(|d| d.to_rfc3339()))),
        ("inputs", serde_json::to_value(&report.inputs)?),
        ("rules", Value::Array(report.rules.iter().map(|r| rule_json(r, report)).collect())),
        ("resources", Value::Object(resources)),
    ];
    let tail: [(&str, Value); 4] = [
        ("suppressions", serde_json::to_value(&report.suppressions)?),
        ("summary", serde_json::to_value(&report.summary)?),
        (
            "gate",
            json!({
                "fail_on": report.gate.fail_on,
                "fail_on_unknown": report.gate.fail_on_unknown,
                "tripped": report.gate.tripped,
                "exit_code": report.gate.exit_code(),
            }),
        ),
        ("warnings", serde_json::to_value(&report.warnings)?),
    ];
    out.write_all(b"{\n")?;
    for (key, value) in &head {
        field(out, key, value)?;
        out.write_all(b",\n")?;
    }
    out.write_all(b"  \"results\": [")?;
    // Results are serialised in chunks on every core (rayon keeps their order) and written in turn.
    for (n, chunk) in report.findings.chunks(RESULT_CHUNK).enumerate() {
        let buffers: Vec<Vec<u8>> = chunk
            .par_chunks(RESULT_CHUNK / 8)
            .enumerate()
            .map(|(m, part)| {
                let mut buf = Vec::with_capacity(part.len() * 400);
                for (i, f) in part.iter().enumerate() {
                    let first = n == 0 && m == 0 && i == 0;
                    buf.extend_from_slice(if first { b"\n    " } else { b",\n    " });
                    let line = ResultLine {
                        rule: &f.rule,
                        severity: f.severity,
                        status: f.status,
                        resource: &f.resource.id,
                        line: f.line.filter(|l| Some(*l) != f.resource.location.as_ref().and_then(|o| o.line)),
                        message: &f.message,
                        path: &f.path,
                        observed: &f.observed,
                        suppressed: &f.suppressed,
                    };
                    serde_json::to_writer(&mut buf, &line).map_err(std::io::Error::other)?;
                }
                Ok(buf)
            })
            .collect::<std::io::Result<_>>()?;
        for buf in buffers {
            out.write_all(&buf)?;
        }
    }
    out.write_all(if report.findings.is_empty() { b"]" } else { b"\n  ]" })?;
    for (key, value) in &tail {
        out.write_all(b",\n")?;
        field(out, key, value)?;
    }
    out.write_all(b"\n}\n")
}

/// `  "key": value`, the value pretty-printed at the second level.
fn field(out: &mut dyn std::io::Write, key: &str, value: &Value) -> std::io::Result<()> {
    let pretty = serde_json::to_string_pretty(value)?;
    write!(out, "  {}: {}", Value::from(key), pretty.replace('\n', "\n  "))
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
