//! Rule results → the [`Report`] every output format prints: messages in the chosen language,
//! effective severities, suppressions (expired ones no longer apply), ordering, and the CI gate.

use crate::config::Suppression;
use crate::engine::{Evaluated, RuleResult, Status, Subjects};
use crate::i18n::{Lang, Ui, fill};
use crate::inventory::{Gap, Inventory, Origin};
use crate::rules::{ResourceKind, Rule};
use crate::severity::Severity;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Serialize)]
pub struct Finding {
    pub rule: Arc<str>,
    pub severity: Severity,
    pub status: Status,
    /// Shared by every finding on the same resource; messages, paths and evidence are shared by the
    /// findings of one result (a class of alike registries), so a large estate costs little memory.
    pub resource: Arc<ResourceRef>,
    /// The line this result points at in the resource's file: the line of the property it rests on
    /// when the source knows it (templates, plans), else the resource's.
    pub line: Option<usize>,
    pub message: Arc<str>,
    pub path: Arc<str>,
    pub observed: Arc<serde_json::Value>,
    /// Boxed: most findings have none, and a large estate has hundreds of thousands of findings.
    pub suppressed: Option<Box<AppliedSuppression>>,
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

pub fn build<'a>(b: Build<'a>, inventory: &Inventory, results: Evaluated) -> Report<'a> {
    let today = chrono::DateTime::from_timestamp(b.as_of, 0).map(|d| d.date_naive()).unwrap_or_default();
    let subjects = Subjects::of(inventory);
    let registry_refs: Vec<Arc<ResourceRef>> = subjects.registries.iter().map(|r| Arc::new(registry_ref(r))).collect();
    let vault_refs: Vec<Arc<ResourceRef>> = subjects.vaults.iter().map(|v| Arc::new(vault_ref(v))).collect();
    let rules_by_code: HashMap<&str, &Rule> = b.rules.iter().map(|r| (r.code(), *r)).collect();
    let severities: HashMap<String, Severity> = b
        .rules
        .iter()
        .map(|r| (r.code().to_string(), b.severity_overrides.get(r.code()).copied().unwrap_or(r.meta.custom.severity)))
        .collect();
    let mut uses: Vec<usize> = vec![0; b.suppressions.len()];
    let mut warnings = Vec::new();
    let total: usize = results.iter().flat_map(|(_, o)| o.iter().map(|o| o.resources.len())).sum();
    let mut findings = Vec::with_capacity(total);
    for (code, outcomes) in results {
        let rule = rules_by_code[code.as_str()];
        let code: Arc<str> = Arc::from(code.as_str());
        let severity = severities[&*code];
        let refs = match rule.meta.custom.resource {
            ResourceKind::Registry => &registry_refs,
            ResourceKind::Vault => &vault_refs,
        };
        for outcome in outcomes {
            let r = outcome.result;
            let message: Arc<str> = Arc::from(render_message(rule, &r, b.lang));
            let path: Arc<str> = Arc::from(r.path.as_str());
            let observed = Arc::new(r.observed);
            for i in outcome.resources {
                let resource = refs[i].clone();
                let line = property_line(&resource, &path).or(resource.location.as_ref().and_then(|l| l.line));
                let mut suppressed = None;
                if matches!(r.status, Status::Fail | Status::Unknown) {
                    for (n, s) in b.suppressions.iter().enumerate() {
                        if code.starts_with(&s.rule) && s.matcher.is_match(&resource.id) {
                            uses[n] += 1;
                            if s.expires.is_none_or(|d| d >= today) {
                                suppressed = Some(Box::new(AppliedSuppression {
                                    reason: s.reason.clone(),
                                    expires: s.expires,
                                    at: s.at.clone(),
                                }));
                                break;
                            }
                        }
                    }
                }
                findings.push(Finding {
                    rule: code.clone(),
                    severity,
                    status: r.status,
                    resource,
                    line,
                    message: message.clone(),
                    path: path.clone(),
                    observed: observed.clone(),
                    suppressed,
                });
            }
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
            SuppressionUse {
                rule: s.rule.clone(),
                resource: s.resource.clone(),
                reason: s.reason.clone(),
                expires: s.expires,
                expired,
                matched,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.status, std::cmp::Reverse(a.severity), &a.rule, &a.resource.id).cmp(&(
            b.status,
            std::cmp::Reverse(b.severity),
            &b.rule,
            &b.resource.id,
        ))
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
        let shown = arm_property(rule.meta.custom.resource, field).unwrap_or(field);
        return fill(lang.t(Ui::UnknownInput), &[("field", shown.to_string()), ("reason", reason.clone())]);
    }
    let template = rule.meta.custom.messages.get(&r.message).map(|t| lang.pick(&t.en, &t.ja)).unwrap_or(&r.message);
    let mut args: Vec<(&str, String)> = r.args.iter().map(|(k, v)| (k.as_str(), arg_text(k, v))).collect();
    args.push(("observed", plain(&r.observed)));
    fill(template, &args)
}

/// The ARM property an inventory field is read from, as users know it from their templates and
/// `az … show` output (`public_network_access` → `properties.publicNetworkAccess`).
fn arm_property(kind: ResourceKind, field: &str) -> Option<&'static str> {
    Some(match (kind, field) {
        (_, "public_network_access") => "properties.publicNetworkAccess",
        (_, "private_endpoint_connections") => "properties.privateEndpointConnections",
        (_, "location") => "location",
        (ResourceKind::Registry, "sku") => "sku.name",
        (ResourceKind::Registry, "identity") => "identity",
        (ResourceKind::Registry, "admin_user_enabled") => "properties.adminUserEnabled",
        (ResourceKind::Registry, "anonymous_pull_enabled") => "properties.anonymousPullEnabled",
        (ResourceKind::Registry, "data_endpoint_enabled") => "properties.dataEndpointEnabled",
        (ResourceKind::Registry, "network_default_action") => "properties.networkRuleSet.defaultAction",
        (ResourceKind::Registry, "network_bypass") => "properties.networkRuleBypassOptions",
        (ResourceKind::Registry, "zone_redundancy") => "properties.zoneRedundancy",
        (ResourceKind::Registry, "export_policy") => "properties.policies.exportPolicy.status",
        (ResourceKind::Registry, "arm_audience_policy") => {
            "properties.policies.azureADAuthenticationAsArmPolicy.status"
        }
        (ResourceKind::Registry, "retention_policy") => "properties.policies.retentionPolicy.status",
        (ResourceKind::Registry, "encryption.status") => "properties.encryption.status",
        (ResourceKind::Registry, "encryption.key_identifier") => {
            "properties.encryption.keyVaultProperties.keyIdentifier"
        }
        (ResourceKind::Registry, "encryption.identity") => "properties.encryption.keyVaultProperties.identity",
        (ResourceKind::Vault, "soft_delete") => "properties.enableSoftDelete",
        (ResourceKind::Vault, "purge_protection") => "properties.enablePurgeProtection",
        (ResourceKind::Vault, "rbac") => "properties.enableRbacAuthorization",
        (ResourceKind::Vault, "network_default_action") => "properties.networkAcls.defaultAction",
        (ResourceKind::Vault, "network_bypass") => "properties.networkAcls.bypass",
        (ResourceKind::Vault, "access_policies") => "properties.accessPolicies",
        _ => return None,
    })
}

/// A message argument as text; one named `date` (or `…_date`) holding Unix seconds reads as a date.
fn arg_text(name: &str, v: &serde_json::Value) -> String {
    if (name == "date" || name.ends_with("_date"))
        && let Some(date) = v.as_i64().and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        return date.format("%Y-%m-%d").to_string();
    }
    plain(v)
}

/// A value as a person reads it: strings without quotes.
pub fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// The property's own line when the source knows it (templates, plans), else the line of the closest
/// enclosing property the source declares (a whole `networkRuleSet` given at once). Property names
/// compare case-insensitively, as ARM's do. `None`: the result points at the resource.
fn property_line(r: &ResourceRef, path: &str) -> Option<usize> {
    let l = r.location.as_ref().filter(|l| !l.property_lines.is_empty())?;
    let lower = path.to_ascii_lowercase();
    let mut candidate = lower.as_str();
    loop {
        if let Some((_, line)) = l.property_lines.iter().find(|(k, _)| k.eq_ignore_ascii_case(candidate)) {
            return Some(*line);
        }
        match candidate.rsplit_once('.') {
            // `properties` alone is not a property: a missing one points at its resource.
            Some((parent, _)) if parent != "properties" => candidate = parent,
            _ => return None,
        }
    }
}

fn registry_ref(r: &crate::inventory::Registry) -> ResourceRef {
    ResourceRef {
        id: r.id.clone(),
        name: r.name.clone(),
        kind: ResourceKind::Registry,
        subscription_id: Some(r.subscription_id.clone()).filter(|s| !s.is_empty()),
        location: r.origin.clone(),
    }
}

fn vault_ref(v: &crate::inventory::Vault) -> ResourceRef {
    ResourceRef {
        id: v.id.clone(),
        name: v.name.clone(),
        kind: ResourceKind::Vault,
        subscription_id: v.subscription_id.clone(),
        location: v.origin.clone(),
    }
}
