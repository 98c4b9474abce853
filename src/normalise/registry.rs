//! `Microsoft.ContainerRegistry/registries` → [`Registry`], with the catalog's service defaults.

use super::fields::{Field, NOT_DESCRIBED, Reader, described, field, get_ci, props, str_at};
use super::ids::{parse_key_uri, subscription_of};
use super::{ByKind, types};
use crate::estate::RawResource;
use crate::inventory::{
    DiagnosticSetting, Encryption, PrivateEndpointConnection, Registry, RegistryIdentity, Unknowns,
    UserAssignedIdentity,
};
use serde_json::Value;
use std::collections::HashMap;

/// `(principalId, clientId)` of every user-assigned identity in the input, by lower-case resource ID:
/// templates declare `userAssignedIdentities` with empty values, so the IDs are filled from here.
pub type IdentityIndex = HashMap<String, (Option<String>, Option<String>)>;

pub fn identity_index(by: &ByKind) -> IdentityIndex {
    by.get(types::IDENTITY)
        .map(|(id, r)| {
            let value = r.value();
            let p = props(&value);
            let lower = |k: &str| str_at(p, &[k]).map(|s| s.to_ascii_lowercase());
            (id.clone(), (lower("principalId"), lower("clientId")))
        })
        .collect()
}

pub fn registry(r: &RawResource, diagnostics: Option<Vec<DiagnosticSetting>>, identities: &IdentityIndex) -> Registry {
    let value = r.value();
    let v = &*value;
    let id = str_at(v, &["id"]).unwrap_or_default().to_string();
    let mut unknown = Unknowns::new();
    if !described(
        v,
        &["loginServer", "adminUserEnabled", "publicNetworkAccess", "encryption", "policies", "networkRuleSet"],
    ) {
        for field in SETTINGS {
            unknown.insert(field.to_string(), NOT_DESCRIBED.to_string());
        }
    }
    let p = props(v);
    let mut rd = Reader { props: p, unknown: &mut unknown };

    let admin_user_enabled = rd.boolean("admin_user_enabled", &["adminUserEnabled"], false);
    let anonymous_pull_enabled = rd.boolean("anonymous_pull_enabled", &["anonymousPullEnabled"], false);
    let data_endpoint_enabled = rd.boolean("data_endpoint_enabled", &["dataEndpointEnabled"], false);
    let (public_network_access, network_default_action, network_bypass) =
        rd.network(&["networkRuleSet", "defaultAction"], &["networkRuleBypassOptions"]);
    let zone_redundancy = rd.enum_str("zone_redundancy", &["zoneRedundancy"], "Disabled", &["Enabled", "Disabled"]);
    let status = ["enabled", "disabled"];
    let export_policy = rd.enum_str("export_policy", &["policies", "exportPolicy", "status"], "enabled", &status);
    let arm_audience_policy = rd.enum_str(
        "arm_audience_policy",
        &["policies", "azureADAuthenticationAsArmPolicy", "status"],
        "enabled",
        &status,
    );
    let retention_policy =
        rd.enum_str("retention_policy", &["policies", "retentionPolicy", "status"], "disabled", &status);
    let encryption = encryption(&mut rd);

    // `sku` sits beside `properties` in ARM; it has no service default, so a missing one is unknown.
    let sku = match field(v, &["sku", "name"]) {
        Field::Value(Value::String(s)) => ["Basic", "Standard", "Premium"]
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(s))
            .map(str::to_string)
            .unwrap_or_else(|| s.clone()),
        Field::Unresolved(reason) => {
            unknown.insert("sku".into(), reason);
            String::new()
        }
        _ => {
            unknown.insert("sku".into(), "sku.name is missing".into());
            String::new()
        }
    };

    let identity = match field(v, &["identity"]) {
        Field::Value(ident) => Some(registry_identity(ident, identities, &mut unknown)),
        Field::Absent => None,
        Field::Unresolved(reason) => {
            unknown.insert("identity".into(), reason);
            None
        }
    };

    Registry {
        name: str_at(v, &["name"]).unwrap_or_default().to_string(),
        subscription_id: subscription_of(&id).unwrap_or_default(),
        location: str_at(v, &["location"]).map(normalise_location).unwrap_or_default(),
        origin: r.origin.clone(),
        id,
        sku,
        admin_user_enabled,
        anonymous_pull_enabled,
        data_endpoint_enabled,
        public_network_access,
        network_default_action,
        network_bypass,
        zone_redundancy,
        export_policy,
        arm_audience_policy,
        retention_policy,
        encryption,
        identity,
        private_endpoint_connections: connections_or_unknown(p, &mut unknown),
        diagnostic_settings: diagnostics,
        chain: Default::default(),
        unknown,
    }
}

/// The registry fields that come from its `properties`: all unknown when those were not read.
const SETTINGS: [&str; 14] = [
    "admin_user_enabled",
    "anonymous_pull_enabled",
    "data_endpoint_enabled",
    "public_network_access",
    "network_default_action",
    "network_bypass",
    "zone_redundancy",
    "export_policy",
    "arm_audience_policy",
    "retention_policy",
    "encryption.status",
    "encryption.key_identifier",
    "encryption.identity",
    "private_endpoint_connections",
];

/// `East US` and `eastus` are the same region.
pub fn normalise_location(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
}

fn encryption(rd: &mut Reader) -> Encryption {
    let kvp = ["encryption", "keyVaultProperties"];
    let key_identifier = match field(rd.props, &[kvp[0], kvp[1], "keyIdentifier"]) {
        Field::Value(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Field::Unresolved(reason) => {
            rd.unknown.insert("encryption.key_identifier".into(), reason);
            None
        }
        _ => None,
    };
    let mut status = rd.enum_str("encryption.status", &["encryption", "status"], "disabled", &["enabled", "disabled"]);
    // A CMK registry reports `status: disabled` while it is still being created, and CMK can only be
    // set when a registry is created: a key identifier therefore means the registry uses CMK.
    if key_identifier.is_some() {
        status = "enabled".into();
    }
    let identity_client_id = rd.lower_str("encryption.identity", &[kvp[0], kvp[1], "identity"]);
    let key_rotation_enabled = match field(rd.props, &[kvp[0], kvp[1], "keyRotationEnabled"]) {
        Field::Value(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    let last_key_rotation = rd.time("encryption.last_key_rotation", &[kvp[0], kvp[1], "lastKeyRotationTimestamp"]);
    Encryption {
        status,
        key: key_identifier.as_deref().and_then(parse_key_uri),
        key_identifier,
        identity_client_id,
        key_rotation_enabled,
        last_key_rotation,
    }
}

fn registry_identity(ident: &Value, identities: &IdentityIndex, unknown: &mut Unknowns) -> RegistryIdentity {
    let kind = str_at(ident, &["type"]).unwrap_or_default().to_ascii_lowercase();
    let mut out = RegistryIdentity {
        system_assigned: kind.contains("systemassigned"),
        system_principal_id: str_at(ident, &["principalId"]).map(|s| s.to_ascii_lowercase()),
        user_assigned: Vec::new(),
    };
    match get_ci(ident, "userAssignedIdentities") {
        Some(Value::Object(map)) => {
            for (uid, details) in map {
                let lower = |k: &str| str_at(details, &[k]).map(|s| s.to_ascii_lowercase());
                let known = identities.get(&uid.to_ascii_lowercase());
                out.user_assigned.push(UserAssignedIdentity {
                    id: uid.clone(),
                    principal_id: lower("principalId").or_else(|| known.and_then(|k| k.0.clone())),
                    client_id: lower("clientId").or_else(|| known.and_then(|k| k.1.clone())),
                });
            }
        }
        Some(other) if super::fields::unresolved(other).is_some() => {
            unknown.insert("identity".into(), super::fields::unresolved(other).unwrap_or_default());
        }
        _ => {}
    }
    out
}

/// The private endpoint connections embedded in a registry or vault, in either the REST shape
/// (`properties.privateEndpoint`) or the CLI's flattened one.
/// The private endpoint connections; when a source could not determine them, none, with the reason in
/// `unknown` (the rules that count them answer unknown).
pub fn connections_or_unknown(p: &Value, unknown: &mut Unknowns) -> Vec<PrivateEndpointConnection> {
    if let Field::Unresolved(reason) = field(p, &["privateEndpointConnections"]) {
        unknown.insert("private_endpoint_connections".into(), reason);
        return Vec::new();
    }
    connections(p)
}

pub fn connections(p: &Value) -> Vec<PrivateEndpointConnection> {
    get_ci(p, "privateEndpointConnections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let cp = props(c);
            PrivateEndpointConnection {
                private_endpoint_id: str_at(cp, &["privateEndpoint", "id"]).map(|s| s.to_ascii_lowercase()),
                status: str_at(cp, &["privateLinkServiceConnectionState", "status"])
                    .map(|s| {
                        ["Approved", "Pending", "Rejected", "Disconnected"]
                            .into_iter()
                            .find(|c| c.eq_ignore_ascii_case(s))
                            .map(str::to_string)
                            .unwrap_or_else(|| s.to_string())
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}
