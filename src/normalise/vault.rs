//! Key vaults and their keys → [`Vault`] and [`Key`], plus the link from each CMK registry to the vault
//! its key identifier names.

use super::fields::{Field, NOT_DESCRIBED, Reader, described, field, get_ci, parse_time, props, str_at};
use super::ids::{parse_key_uri, scope_covers, segment_after, subscription_of};
use super::registry::{connections_or_unknown, normalise_location};
use super::{ByKind, NormaliseOptions, types};
use crate::estate::RawResource;
use crate::inventory::{
    AccessPolicy, DiagnosticSetting, Gap, Inventory, Key, KeyVersion, RoleAssignment, Unknowns, Vault,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn vaults(
    by: &ByKind,
    diag: &HashMap<String, Vec<DiagnosticSetting>>,
    assignments: &[RoleAssignment],
    assignments_covered: &[String],
    not_found: &BTreeSet<String>,
    gaps: &[Gap],
) -> BTreeMap<String, Vault> {
    let covered: BTreeSet<String> = assignments_covered.iter().map(|s| s.to_ascii_lowercase()).collect();
    let mut out: BTreeMap<String, Vault> = BTreeMap::new();
    for (id, r) in by.get(types::VAULT) {
        let v = vault(id, r, diag, assignments, covered.contains(id));
        out.insert(v.name.to_ascii_lowercase(), v);
    }
    for (id, r) in by.get(types::ACCESS_POLICIES) {
        let Some(name) = segment_after(id, "vaults") else { continue };
        let vault = placeholder(&mut out, name);
        vault.access_policies.extend(access_policies(props(&r.value())));
    }
    for (id, r) in by.get(types::KEY) {
        let Some(vault_name) = segment_after(id, "vaults") else { continue };
        let key = arm_key(r);
        placeholder(&mut out, vault_name).keys.insert(key.name.to_ascii_lowercase(), key);
    }
    for (id, r) in by.get(types::KEY_VERSION) {
        let (Some(vault_name), Some(key_name), Some(version)) =
            (segment_after(id, "vaults"), segment_after(id, "keys"), segment_after(id, "versions"))
        else {
            continue;
        };
        let key = key_entry(placeholder(&mut out, vault_name), key_name);
        key.versions.insert(version.to_ascii_lowercase(), key_version(props(&r.value())));
    }
    for (_, r) in by.get(types::DATA_PLANE_KEY) {
        data_plane_key(&mut out, r);
    }
    for (_, r) in by.get(types::DATA_PLANE_ROTATION_POLICY) {
        let value = r.value();
        let Some(k) = str_at(&value, &["id"]).and_then(|id| parse_key_uri(id.trim_end_matches("/rotationpolicy")))
        else {
            continue;
        };
        key_entry(placeholder(&mut out, &k.vault), &k.name).rotation_policy_rotates = Some(rotates(&value));
    }
    for nf in not_found {
        if let Some(k) = parse_key_uri(nf) {
            key_entry(placeholder(&mut out, &k.vault), &k.name).exists = Some(false);
        } else if let Some(vault_name) = segment_after(nf, "vaults") {
            match segment_after(nf, "keys") {
                Some(key_name) => key_entry(placeholder(&mut out, vault_name), key_name).exists = Some(false),
                None => placeholder(&mut out, vault_name).exists = Some(false),
            }
        }
    }
    for gap in gaps {
        let scope = gap.scope.to_ascii_lowercase();
        // A vault known only by its URI (a live scan could not find it in any readable subscription).
        if let Some(host) = scope.strip_prefix("https://").filter(|h| !h.contains('/')) {
            let name = host.split('.').next().unwrap_or(host);
            placeholder(&mut out, name).unreadable = Some(gap.reason.clone());
            continue;
        }
        // Only a gap on the vault itself or on one of its keys; one on a list that hangs off the vault
        // (its diagnostic settings, its role assignments) says nothing about the vault's own settings.
        if scope.split("/vaults/").nth(1).is_some_and(|rest| rest.contains("/providers/")) {
            continue;
        }
        if let Some(vault_name) = segment_after(&scope, "vaults") {
            let vault = placeholder(&mut out, vault_name);
            match segment_after(&scope, "keys") {
                Some(key_name) => key_entry(vault, key_name).unreadable = Some(gap.reason.clone()),
                None => vault.unreadable = Some(gap.reason.clone()),
            }
        }
    }
    out
}

fn vault(
    id: &str,
    r: &RawResource,
    diag: &HashMap<String, Vec<DiagnosticSetting>>,
    assignments: &[RoleAssignment],
    assignments_listed: bool,
) -> Vault {
    let value = r.value();
    let v = &*value;
    let p = props(v);
    let settings_read = described(
        v,
        &[
            "vaultUri",
            "accessPolicies",
            "tenantId",
            "enableSoftDelete",
            "enablePurgeProtection",
            "networkAcls",
            "enableRbacAuthorization",
        ],
    );
    let mut unknown = Unknowns::new();
    let mut rd = Reader { props: p, unknown: &mut unknown };
    // A vault read can omit these entirely; the catalog's defaults apply.
    let soft_delete = rd.boolean("soft_delete", &["enableSoftDelete"], true);
    let purge_protection = rd.boolean("purge_protection", &["enablePurgeProtection"], false);
    let rbac = rd.boolean("rbac", &["enableRbacAuthorization"], false);
    let (public_network_access, network_default_action, network_bypass) =
        rd.network(&["networkAcls", "defaultAction"], &["networkAcls", "bypass"]);
    if let Field::Unresolved(reason) = field(p, &["accessPolicies"]) {
        unknown.insert("access_policies".into(), reason);
    }
    // Assignments read for this vault (atScope) all apply to it; otherwise those in the input whose
    // scope is the vault or above it, and the list counts as collected when there is at least one.
    // Assignments at one of its keys are kept too: the catalog counts a key-scoped role, and the rules
    // apply such an assignment to that key only.
    let key_scope = format!("{id}/keys/");
    let applying: Vec<RoleAssignment> = assignments
        .iter()
        .filter(|a| {
            scope_covers(&a.scope, id)
                || a.scope.starts_with(&key_scope)
                || (assignments_listed && a.scope.starts_with("/providers/microsoft.management/"))
        })
        .cloned()
        .collect();
    let role_assignments = (assignments_listed || !applying.is_empty()).then_some(applying);
    let private_endpoint_connections = connections_or_unknown(p, &mut unknown);
    Vault {
        name: str_at(v, &["name"]).or_else(|| segment_after(id, "vaults")).unwrap_or_default().to_string(),
        id: str_at(v, &["id"]).unwrap_or(id).to_string(),
        subscription_id: subscription_of(id),
        location: str_at(v, &["location"]).map(normalise_location),
        origin: r.origin.clone(),
        exists: Some(true),
        // A vault from a generic resource listing exists, but its settings were not read.
        described: settings_read,
        unreadable: (!settings_read).then(|| NOT_DESCRIBED.to_string()),
        soft_delete,
        purge_protection,
        rbac,
        public_network_access,
        network_default_action,
        network_bypass,
        access_policies: access_policies(p),
        private_endpoint_connections,
        diagnostic_settings: diag.get(id).cloned(),
        role_assignments,
        unknown,
        ..Default::default()
    }
}

fn access_policies(p: &Value) -> Vec<AccessPolicy> {
    let perms = |e: &Value, k: &str| -> Vec<String> {
        get_ci(e, "permissions")
            .and_then(|pm| get_ci(pm, k))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect()
    };
    get_ci(p, "accessPolicies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(AccessPolicy {
                object_id: str_at(e, &["objectId"])?.to_ascii_lowercase(),
                keys: perms(e, "keys"),
                secrets: perms(e, "secrets"),
                certificates: perms(e, "certificates"),
            })
        })
        .collect()
}

/// The entry for a vault known only by name (a key or a 404 names it, but no read described it).
fn placeholder<'a>(vaults: &'a mut BTreeMap<String, Vault>, name: &str) -> &'a mut Vault {
    let key = name.to_ascii_lowercase();
    vaults.entry(key.clone()).or_insert_with(|| Vault {
        name: name.to_string(),
        id: format!("https://{key}.vault.azure.net"),
        network_default_action: "Allow".into(),
        public_network_access: "Enabled".into(),
        network_bypass: "AzureServices".into(),
        soft_delete: true,
        ..Default::default()
    })
}

fn key_entry<'a>(vault: &'a mut Vault, name: &str) -> &'a mut Key {
    vault.keys.entry(name.to_ascii_lowercase()).or_insert_with(|| Key { name: name.to_string(), ..Default::default() })
}

/// A key read through ARM's control plane (`Microsoft.KeyVault/vaults/keys`): its rotation policy is
/// part of the read and omitted when the key has none.
fn arm_key(r: &RawResource) -> Key {
    let value = r.value();
    let v = &*value;
    let p = props(v);
    let mut unknown = Unknowns::new();
    let mut rd = Reader { props: p, unknown: &mut unknown };
    // A key without its attributes (a generic listing) cannot be judged: no default stands in.
    let attributes_read = matches!(field(p, &["attributes"]), Field::Value(Value::Object(_)));
    let enabled = Some(rd.boolean("enabled", &["attributes", "enabled"], true));
    let exp = rd.time("exp", &["attributes", "exp"]);
    let nbf = rd.time("nbf", &["attributes", "nbf"]);
    let created = rd.time("created", &["attributes", "created"]);
    let key_size = rd.int("key_size", &["keySize"]);
    let kty = str_at(p, &["kty"]).map(str::to_string);
    if kty.is_none() {
        unknown.insert("kty".into(), "the key's kty is missing".into());
    }
    let rotation_policy_rotates = match field(p, &["rotationPolicy"]) {
        Field::Value(policy) => Some(rotates(policy)),
        // A key's own GET omits the policy when there is none; a list entry (no `kty`) omits it always.
        Field::Absent if kty.is_some() => Some(false),
        Field::Absent => {
            unknown.insert(
                "rotation_policy".into(),
                "the key comes from a list, which does not show its rotation policy".into(),
            );
            None
        }
        Field::Unresolved(reason) => {
            unknown.insert("rotation_policy".into(), reason);
            None
        }
    };
    let current_version = str_at(p, &["keyUriWithVersion"]).and_then(parse_key_uri).and_then(|k| k.version);
    let mut key = Key {
        name: str_at(v, &["name"]).unwrap_or_default().to_string(),
        id: str_at(v, &["id"]).map(str::to_string),
        origin: r.origin.clone(),
        exists: Some(true),
        unreadable: (!attributes_read).then(|| NOT_DESCRIBED.to_string()),
        kty,
        key_size,
        enabled,
        exp,
        nbf,
        created,
        rotation_policy_rotates,
        unknown,
        ..Default::default()
    };
    if let Some(ver) = current_version {
        key.versions.insert(ver.clone(), KeyVersion { created, enabled, exp });
        key.current_version = Some(ver);
    }
    key
}

fn key_version(p: &Value) -> KeyVersion {
    let attr = |k: &str| field(p, &["attributes", k]);
    KeyVersion {
        created: match attr("created") {
            Field::Value(v) => parse_time(v),
            _ => None,
        },
        enabled: match attr("enabled") {
            Field::Value(Value::Bool(b)) => Some(*b),
            _ => None,
        },
        exp: match attr("exp") {
            Field::Value(v) => parse_time(v),
            _ => None,
        },
    }
}

/// What `az keyvault key show` prints: `{"key": {"kid", "kty", "n"}, "attributes": {"enabled",
/// "expires", "notBefore", "created"}}`. It says nothing about the rotation policy.
fn data_plane_key(vaults: &mut BTreeMap<String, Vault>, r: &RawResource) {
    let value = r.value();
    let v = &*value;
    let Some(kid) = str_at(v, &["key", "kid"]).and_then(parse_key_uri) else { return };
    let mut unknown = Unknowns::new();
    let mut rd = Reader { props: v, unknown: &mut unknown };
    let enabled = Some(rd.boolean("enabled", &["attributes", "enabled"], true));
    let exp = rd.time("exp", &["attributes", "expires"]);
    let nbf = rd.time("nbf", &["attributes", "notBefore"]);
    let created = rd.time("created", &["attributes", "created"]);
    let kty = str_at(v, &["key", "kty"]).map(str::to_string);
    // RSA key size from the modulus: base64url of n, one byte per 8 bits.
    let key_size = str_at(v, &["key", "n"]).map(|n| {
        let bytes = n.trim_end_matches('=').len() * 3 / 4;
        (bytes as i64 * 8 / 1024) * 1024
    });
    let vault = placeholder(vaults, &kid.vault);
    let key = key_entry(vault, &kid.name);
    key.exists = Some(true);
    key.origin = r.origin.clone();
    key.kty = kty;
    key.key_size = key_size;
    key.enabled = enabled;
    key.exp = exp;
    key.nbf = nbf;
    key.created = created;
    key.unknown.extend(unknown);
    if let Some(ver) = kid.version {
        key.versions.insert(ver.clone(), KeyVersion { created, enabled, exp });
        key.current_version = Some(ver);
    }
}

/// Whether a rotation policy has a `Rotate` lifetime action.
fn rotates(policy: &Value) -> bool {
    get_ci(policy, "lifetimeActions").and_then(Value::as_array).into_iter().flatten().any(|a| {
        get_ci(a, "action")
            .and_then(|act| get_ci(act, "type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("rotate"))
    })
}

/// Marks each vault with the CMK registries whose key it holds. The KV rules read `audited`: a vault
/// holding a scanned registry's key is audited even when it could not be read (its results are then
/// unknown, never a silent pass); with `all_vaults`, every vault a source saw is audited too.
pub fn link_registries(inv: &mut Inventory, options: &NormaliseOptions) {
    for reg in &inv.registries {
        if reg.encryption.status != "enabled" {
            continue;
        }
        if let Some(k) = &reg.encryption.key {
            let vault = placeholder(&mut inv.vaults, &k.vault);
            vault.cmk_registries.push(reg.id.clone());
            if !vault.described {
                // Known only through the key identifier: its URI (with the cloud's own host) names it.
                vault.id = format!("https://{}", k.host);
            }
        }
    }
    for vault in inv.vaults.values_mut() {
        // With --all-vaults, a vault that a source saw is audited even when its settings were not read:
        // its results are then unknown, which says more than leaving it out.
        vault.audited = !vault.cmk_registries.is_empty() || (options.all_vaults && vault.exists == Some(true));
    }
}
