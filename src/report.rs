//! Rule results → the [`Report`] every output format prints: messages in the chosen language,
//! effective severities, suppressions (expired ones no longer apply), ordering, and the CI gate.

use crate::config::Suppression;
use crate::engine::{RuleResult, Status};
use crate::i18n::{Lang, Ui, fill};
use crate::inventory::{Gap, Inventory, Origin};
use crate::rules::{ResourceKind, Rule};
use crate::severity::Severity;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub status: Status,
    pub resource: ResourceRef,
    pub message: String,
    pub path: String,
    pub observed: serde_json::Value,
    pub suppressed: Option<AppliedSuppression>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceRef {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ResourceKind,
    pub subscription_id: Option<String>,
    /// The file and line the resource (or, where known, the property) was read from.
    pub location: Option<Origin>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppliedSuppression {
    pub reason: String,
    pub expires: Option<NaiveDate>,
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct SuppressionUse {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    pub expired: bool,
    pub matched: usize,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Gate {
    pub fail_on: Severity,
    pub fail_on_unknown: bool,
    pub exit_zero: bool,
    pub tripped: bool,
}

impl Gate {
    pub fn exit_code(&self) -> i32 {
        if self.tripped && !self.exit_zero { 1 } else { 0 }
    }

    fn trips(&self, f: &Finding) -> bool {
        f.suppressed.is_none()
            && f.severity >= self.fail_on
            && (f.status == Status::Fail || (self.fail_on_unknown && f.status == Status::Unknown))
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub by_status: BTreeMap<&'static str, usize>,
    pub failures_by_severity: BTreeMap<&'static str, usize>,
    pub suppressed: usize,
}

#[derive(Debug, Serialize)]
pub struct InputSummary {
    pub files: Vec<String>,
    pub registries: usize,
    pub vaults_audited: usize,
    pub resource_counts: BTreeMap<String, usize>,
    pub gaps: Vec<Gap>,
}

pub struct Report<'a> {
    pub lang: Lang,
    pub as_of: i64,
    pub rules: Vec<&'a Rule>,
    pub severities: HashMap<String, Severity>,
    pub params: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub findings: Vec<Finding>,
    pub suppressions: Vec<SuppressionUse>,
    pub inputs: InputSummary,
    pub summary: Summary,
    pub gate: Gate,
    /// Said on stderr too: expired suppressions and the like.
    pub warnings: Vec<String>,
}

pub struct Build<'a> {
    pub lang: Lang,
    pub as_of: i64,
    pub rules: Vec<&'a Rule>,
    pub severity_overrides: &'a BTreeMap<String, Severity>,
    pub params: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub suppressions: &'a [Suppression],
    pub files: Vec<String>,
    pub gate: Gate,
}

pub fn build<'a>(b: Build<'a>, inventory: &Inventory, results: Vec<(String, Vec<RuleResult>)>) -> Report<'a> {
    let today = chrono::DateTime::from_timestamp(b.as_of, 0).map(|d| d.date_naive()).unwrap_or_default();
    let resources = resource_refs(inventory);
    let rules_by_code: HashMap<&str, &Rule> = b.rules.iter().map(|r| (r.code(), *r)).collect();
    let severities: HashMap<String, Severity> = b
        .rules
        .iter()
        .map(|r| (r.code().to_string(), b.severity_overrides.get(r.code()).copied().unwrap_or(r.meta.custom.severity)))
        .collect();
    let mut uses: Vec<usize> = vec![0; b.suppressions.len()];
    let mut warnings = Vec::new();
    let mut findings = Vec::new();
    for (code, rule_results) in results {
        let rule = rules_by_code[code.as_str()];
        for r in rule_results {
            let resource = resources
                .get(&r.resource.to_ascii_lowercase())
                .cloned()
                .unwrap_or_else(|| ResourceRef { id: r.resource.clone(), name: r.resource.clone(), kind: rule.meta.custom.resource, subscription_id: None, location: None });
            let resource = with_property_line(resource, &r.path);
            let message = render_message(rule, &r, b.lang);
            let mut suppressed = None;
            if matches!(r.status, Status::Fail | Status::Unknown) {
                for (i, s) in b.suppressions.iter().enumerate() {
                    if code.starts_with(&s.rule) && s.matcher.is_match(&resource.id) {
                        uses[i] += 1;
                        if s.expires.is_none_or(|d| d >= today) {
                            suppressed = Some(AppliedSuppression { reason: s.reason.clone(), expires: s.expires, at: s.at.clone() });
                            break;
                        }
                    }
                }
            }
            findings.push(Finding {
                rule: code.clone(),
                severity: severities[&code],
                status: r.status,
                resource,
                message,
                path: r.path,
                observed: r.observed,
                suppressed,
            });
        }
    }
    let suppressions: Vec<SuppressionUse> = b
        .suppressions
        .iter()
        .zip(uses)
        .map(|(s, matched)| {
            let expired = s.expires.is_some_and(|d| d < today);
            if expired {
                warnings.push(format!(
                    "suppression at {} ({} on {}) expired on {}: it no longer suppresses {matched} result(s)",
                    s.at,
                    s.rule,
                    s.resource,
                    s.expires.map(|d| d.to_string()).unwrap_or_default()
                ));
            }
            SuppressionUse { rule: s.rule.clone(), resource: s.resource.clone(), reason: s.reason.clone(), expires: s.expires, expired, matched }
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.status, std::cmp::Reverse(a.severity), &a.rule, &a.resource.id).cmp(&(b.status, std::cmp::Reverse(b.severity), &b.rule, &b.resource.id))
    });
    let mut summary = Summary::default();
    let mut gate = b.gate;
    for f in &findings {
        *summary.by_status.entry(f.status.as_str()).or_default() += 1;
        if f.suppressed.is_some() {
            summary.suppressed += 1;
        } else if f.status == Status::Fail {
            *summary.failures_by_severity.entry(f.severity.as_str()).or_default() += 1;
        }
        gate.tripped |= gate.trips(f);
    }
    for gap in &inventory.gaps {
        warnings.push(format!("not seen: {}: {}", gap.scope, gap.reason));
    }
    Report {
        lang: b.lang,
        as_of: b.as_of,
        rules: b.rules,
        severities,
        params: b.params,
        findings,
        suppressions,
        inputs: InputSummary {
            files: b.files,
            registries: inventory.registries.len(),
            vaults_audited: inventory.vaults.values().filter(|v| v.audited).count(),
            resource_counts: inventory.resource_counts.clone(),
            gaps: inventory.gaps.clone(),
        },
        summary,
        gate,
        warnings,
    }
}

fn render_message(rule: &Rule, r: &RuleResult, lang: Lang) -> String {
    if let Some((field, reason)) = &r.unknown_input {
        return fill(lang.t(Ui::UnknownInput), &[("field", field.clone()), ("reason", reason.clone())]);
    }
    let template = rule.meta.custom.messages.get(&r.message).map(|t| lang.pick(&t.en, &t.ja)).unwrap_or(&r.message);
    let mut args: Vec<(&str, String)> = r.args.iter().map(|(k, v)| (k.as_str(), plain(v))).collect();
    args.push(("observed", plain(&r.observed)));
    fill(template, &args)
}

/// A value as a person reads it: strings without quotes.
pub fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// The property's own line when the source knows it (templates), else the resource's.
fn with_property_line(mut r: ResourceRef, path: &str) -> ResourceRef {
    if let Some(loc) = r.location.as_mut() {
        if let Some(line) = loc.property_lines.get(path) {
            loc.line = Some(*line);
        }
        loc.property_lines.clear();
    }
    r
}

fn resource_refs(inv: &Inventory) -> HashMap<String, ResourceRef> {
    let mut out = HashMap::with_capacity(inv.registries.len() + inv.vaults.len());
    for r in &inv.registries {
        out.insert(
            r.id.to_ascii_lowercase(),
            ResourceRef {
                id: r.id.clone(),
                name: r.name.clone(),
                kind: ResourceKind::Registry,
                subscription_id: Some(r.subscription_id.clone()).filter(|s| !s.is_empty()),
                location: r.origin.clone(),
            },
        );
    }
    for v in inv.vaults.values().filter(|v| v.audited) {
        let id = v.id.clone().unwrap_or_else(|| v.name.clone());
        out.insert(
            id.to_ascii_lowercase(),
            ResourceRef { id, name: v.name.clone(), kind: ResourceKind::Vault, subscription_id: v.subscription_id.clone(), location: v.origin.clone() },
        );
    }
    out
}
