//! Raw ARM resources (from any source) → the one normalised [`Inventory`] the rules read.
//!
//! Every join key is lower-cased here, every service default from the rule catalog is applied here,
//! and every value that cannot be determined becomes an entry of the record's `unknown` map.

mod chain;
mod fields;
pub mod ids;
mod registry;
mod vault;

use ids::extension_parent;

use crate::estate::{Peek, RawEstate, RawResource};
use crate::inventory::{
    DiagnosticSetting, INVENTORY_VERSION, Inventory, PrivateEndpoint, RoleAssignment, RoleDefinition,
};
use fields::{get_ci, props, str_at};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The ARM types acr-audit reads, lower-case.
pub mod types {
    pub const REGISTRY: &str = "microsoft.containerregistry/registries";
    pub const VAULT: &str = "microsoft.keyvault/vaults";
    pub const KEY: &str = "microsoft.keyvault/vaults/keys";
    pub const KEY_VERSION: &str = "microsoft.keyvault/vaults/keys/versions";
    pub const ACCESS_POLICIES: &str = "microsoft.keyvault/vaults/accesspolicies";
    pub const IDENTITY: &str = "microsoft.managedidentity/userassignedidentities";
    pub const PRIVATE_ENDPOINT: &str = "microsoft.network/privateendpoints";
    pub const DNS_ZONE_GROUP: &str = "microsoft.network/privateendpoints/privatednszonegroups";
    pub const ROLE_ASSIGNMENT: &str = "microsoft.authorization/roleassignments";
    pub const ROLE_DEFINITION: &str = "microsoft.authorization/roledefinitions";
    pub const DIAGNOSTIC_SETTING: &str = "microsoft.insights/diagnosticsettings";
    /// Not ARM types: what `az keyvault key show` and `az keyvault key rotation-policy show` print.
    pub const DATA_PLANE_KEY: &str = "#keyvault-data-plane-key";
    pub const DATA_PLANE_ROTATION_POLICY: &str = "#keyvault-data-plane-rotation-policy";
}

/// Resources grouped by kind, each kind keyed by lower-case ID so that the same resource given twice
/// (two overlapping snapshot files) counts once; the later one wins.
#[derive(Default)]
pub(crate) struct ByKind<'a> {
    /// Per kind: lower-case ID → the resource, and whether it carried its `properties`.
    pub of: HashMap<&'static str, BTreeMap<String, (&'a RawResource, bool)>>,
}

impl<'a> ByKind<'a> {
    pub fn get(&self, kind: &str) -> impl Iterator<Item = (&String, &'a RawResource)> {
        self.of.get(kind).into_iter().flat_map(|m| m.iter().map(|(k, (r, _))| (k, *r)))
    }
}

/// Options that change what the inventory holds.
#[derive(Debug, Clone, Default)]
pub struct NormaliseOptions {
    /// Apply vault rules to every vault, not only those holding a scanned registry's key.
    pub all_vaults: bool,
}

pub fn normalise(estate: &RawEstate, options: &NormaliseOptions) -> Inventory {
    let mut inv = Inventory { inventory_version: INVENTORY_VERSION, ..Default::default() };
    let mut by = ByKind::default();
    // Peeking parses each resource's first level: done on every core.
    let peeks: Vec<Peek> = estate.resources.par_iter().map(RawResource::peek).collect();
    for (i, (r, peek)) in estate.resources.iter().zip(peeks).enumerate() {
        let kind = classify(&peek);
        *inv.resource_counts.entry(kind.clone().unwrap_or_else(|| "(no type)".into())).or_default() += 1;
        let Some(kind) = kind.and_then(|k| known_kind(&k)) else { continue };
        let key = resource_key(&peek).unwrap_or_else(|| format!("#{i}"));
        let slot = by.of.entry(kind).or_default();
        // The same resource given twice (overlapping files): the later read wins, except that a
        // generic listing without properties never replaces a read that had them.
        match slot.get(&key) {
            Some((_, true)) if !peek.has_properties => {}
            _ => {
                slot.insert(key, (r, peek.has_properties));
            }
        }
    }

    let not_found: BTreeSet<String> = estate.not_found.iter().map(|s| s.to_ascii_lowercase()).collect();
    let diag = diagnostic_settings(&by, &estate.coverage.diagnostic_settings);
    inv.private_endpoints = private_endpoints(&by, &estate.coverage.dns_zone_groups);
    inv.role_definitions = role_definitions(&by);
    let assignments = role_assignments(&by);
    let identities = registry::identity_index(&by);

    let registries: Vec<_> = by.get(types::REGISTRY).collect();
    inv.registries = registries
        .par_iter()
        .map(|(key, r)| registry::registry(r, diag.get(key.as_str()).cloned(), &identities))
        .collect();
    inv.vaults = vault::vaults(&by, &diag, &assignments, &estate.coverage.role_assignments, &not_found, &estate.gaps);
    vault::link_registries(&mut inv, options);
    chain::resolve(&mut inv);
    inv.gaps = estate.gaps.clone();
    inv
}

/// The lower-case ARM type of a raw resource, or a pseudo-type for the data-plane shapes the CLI prints.
fn classify(peek: &Peek) -> Option<String> {
    if let Some(t) = &peek.kind {
        return Some(t.to_ascii_lowercase());
    }
    if peek.kid.is_some() {
        return Some(types::DATA_PLANE_KEY.into());
    }
    peek.lifetime_actions.then(|| types::DATA_PLANE_ROTATION_POLICY.into())
}

fn known_kind(kind: &str) -> Option<&'static str> {
    use types::*;
    [
        REGISTRY,
        VAULT,
        KEY,
        KEY_VERSION,
        ACCESS_POLICIES,
        IDENTITY,
        PRIVATE_ENDPOINT,
        DNS_ZONE_GROUP,
        ROLE_ASSIGNMENT,
        ROLE_DEFINITION,
        DIAGNOSTIC_SETTING,
        DATA_PLANE_KEY,
        DATA_PLANE_ROTATION_POLICY,
    ]
    .into_iter()
    .find(|k| *k == kind)
}

fn resource_key(peek: &Peek) -> Option<String> {
    peek.id.as_deref().or(peek.kid.as_deref()).map(|s| s.trim().trim_end_matches('/').to_ascii_lowercase())
}

/// Diagnostic settings per parent resource (lower-case ID). A resource is "collected" when the source
/// listed its settings (coverage) or when any setting of it is present.
fn diagnostic_settings(by: &ByKind, covered: &[String]) -> HashMap<String, Vec<DiagnosticSetting>> {
    let mut out: HashMap<String, Vec<DiagnosticSetting>> =
        covered.iter().map(|id| (id.to_ascii_lowercase(), Vec::new())).collect();
    let settings: Vec<_> = by.get(types::DIAGNOSTIC_SETTING).collect();
    let parsed: Vec<(String, DiagnosticSetting)> =
        settings.par_iter().filter_map(|(id, r)| diagnostic_setting(id, r)).collect();
    for (parent, setting) in parsed {
        out.entry(parent).or_default().push(setting);
    }
    out
}

/// One diagnostic setting, with the lower-case ID of the resource it belongs to.
fn diagnostic_setting(id: &str, r: &RawResource) -> Option<(String, DiagnosticSetting)> {
    let value = r.value();
    let parent = match str_at(&value, &["resourceUri"]).or_else(|| str_at(props(&value), &["resourceUri"])) {
        Some(p) => p.to_ascii_lowercase(),
        None => extension_parent(id, "microsoft.insights")?,
    };
    let p = props(&value);
    let mut enabled = Vec::new();
    for log in get_ci(p, "logs").and_then(Value::as_array).into_iter().flatten() {
        let on = matches!(get_ci(log, "enabled"), Some(Value::Bool(true)))
            || get_ci(log, "enabled").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("true"));
        if !on {
            continue;
        }
        for k in ["category", "categoryGroup"] {
            if let Some(c) = get_ci(log, k).and_then(Value::as_str) {
                enabled.push(c.to_ascii_lowercase());
            }
        }
    }
    let name = str_at(&value, &["name"]).unwrap_or_default().to_string();
    Some((parent.trim_end_matches('/').to_string(), DiagnosticSetting { name, enabled_categories: enabled }))
}

fn private_endpoints(by: &ByKind, covered: &[String]) -> BTreeMap<String, PrivateEndpoint> {
    let mut out: BTreeMap<String, PrivateEndpoint> = BTreeMap::new();
    for (id, r) in by.get(types::PRIVATE_ENDPOINT) {
        let original = r.peek().id.unwrap_or_else(|| id.clone());
        out.insert(id.clone(), PrivateEndpoint { id: original, dns_zones: None });
    }
    for id in covered {
        let id = id.to_ascii_lowercase();
        out.entry(id.clone())
            .or_insert_with(|| PrivateEndpoint { id: id.clone(), dns_zones: None })
            .dns_zones
            .get_or_insert_with(Vec::new);
    }
    for (id, r) in by.get(types::DNS_ZONE_GROUP) {
        let Some(pos) = id.rfind("/privatednszonegroups/") else { continue };
        let pe = id[..pos].to_string();
        let entry = out.entry(pe.clone()).or_insert_with(|| PrivateEndpoint { id: pe, dns_zones: None });
        let zones = entry.dns_zones.get_or_insert_with(Vec::new);
        let value = r.value();
        for cfg in get_ci(props(&value), "privateDnsZoneConfigs").and_then(Value::as_array).into_iter().flatten() {
            if let Some(zone) =
                str_at(props(cfg), &["privateDnsZoneId"]).and_then(|z| z.trim_end_matches('/').rsplit('/').next())
            {
                zones.push(zone.to_ascii_lowercase());
            }
        }
    }
    out
}

fn role_definitions(by: &ByKind) -> BTreeMap<String, RoleDefinition> {
    let mut out = BTreeMap::new();
    for (id, r) in by.get(types::ROLE_DEFINITION) {
        let guid = id.rsplit('/').next().unwrap_or(id).to_string();
        let value = r.value();
        let p = props(&value);
        let (mut data_actions, mut not_data_actions) = (Vec::new(), Vec::new());
        for perm in get_ci(p, "permissions").and_then(Value::as_array).into_iter().flatten() {
            for (k, dst) in [("dataActions", &mut data_actions), ("notDataActions", &mut not_data_actions)] {
                for a in get_ci(perm, k).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                    dst.push(a.to_ascii_lowercase());
                }
            }
        }
        let name = str_at(p, &["roleName"]).unwrap_or_default().to_string();
        out.insert(guid, RoleDefinition { name, data_actions, not_data_actions });
    }
    out
}

fn role_assignments(by: &ByKind) -> Vec<RoleAssignment> {
    by.get(types::ROLE_ASSIGNMENT)
        .filter_map(|(id, r)| {
            let value = r.value();
            let p = props(&value);
            let principal_id = str_at(p, &["principalId"])?.to_ascii_lowercase();
            let role = str_at(p, &["roleDefinitionId"])?;
            let role_definition = role.trim_end_matches('/').rsplit('/').next()?.to_ascii_lowercase();
            let scope = str_at(p, &["scope"])
                .map(|s| s.to_ascii_lowercase())
                .or_else(|| extension_parent(id, "microsoft.authorization"))?;
            Some(RoleAssignment { principal_id, role_definition, scope: scope.trim_end_matches('/').to_string() })
        })
        .collect()
}
