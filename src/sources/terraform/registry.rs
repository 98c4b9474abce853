//! `azurerm_container_registry` → `Microsoft.ContainerRegistry/registries`, azurerm v3 and v4.
//!
//! Where an attribute is not set, the provider's default is written (it sends these on create):
//! `admin_enabled` false, `public_network_access_enabled` true, `zone_redundancy_enabled` false,
//! `network_rule_bypass_option` AzureServices, `export_policy_enabled` true, no retention policy.
//! The provider has no setting for `azureADAuthenticationAsArmPolicy`: it is left out (the service
//! default, enabled, applies).

use super::arm::{Arm, Block, Mapper, enabled, same, status};
use super::plan::Resource;
use super::references::{Accept, Resolved, Resolver, marker};
use serde_json::{Map, Value, json};

pub const TYPE: &str = "Microsoft.ContainerRegistry/registries";

const KEY_ID: Accept<'static> = Accept { kinds: &["azurerm_key_vault_key"], attrs: &["id", "versionless_id"] };
const CLIENT_ID: Accept<'static> = Accept { kinds: &["azurerm_user_assigned_identity"], attrs: &["client_id"] };
const IDENTITY_ID: Accept<'static> = Accept { kinds: &["azurerm_user_assigned_identity"], attrs: &["id"] };

pub fn map(rs: &Resolver, r: &Resource) -> Arm {
    let mut m = Mapper::top_level(rs, r, TYPE);
    let sku = m.value("sku", Accept::NONE);
    m.put("sku.name", "sku", sku.clone(), same, None);
    m.put("sku.tier", "sku", sku, same, None);
    m.field("properties.adminUserEnabled", "admin_enabled", same, Some(json!(false)));
    m.field("properties.publicNetworkAccess", "public_network_access_enabled", enabled, Some(json!("Enabled")));
    m.field("properties.anonymousPullEnabled", "anonymous_pull_enabled", same, Some(json!(false)));
    m.field("properties.dataEndpointEnabled", "data_endpoint_enabled", same, Some(json!(false)));
    m.field("properties.zoneRedundancy", "zone_redundancy_enabled", enabled, Some(json!("Disabled")));
    m.field("properties.networkRuleBypassOptions", "network_rule_bypass_option", same, Some(json!("AzureServices")));
    network_rule_set(&mut m);
    policies(&mut m);
    identity(&mut m);
    encryption(&mut m);
    m.arm
}

/// `network_rule_set { default_action, ip_rule { action, ip_range }, virtual_network (v3) }`.
fn network_rule_set(m: &mut Mapper) {
    match m.block("network_rule_set") {
        Block::Absent => {}
        Block::Unresolved(why) => m.arm.set("properties.networkRuleSet.defaultAction", marker(&why)),
        Block::Entries(_) => {
            let line = m.line_of("network_rule_set");
            m.arm.line("properties.networkRuleSet", line);
            m.field(
                "properties.networkRuleSet.defaultAction",
                "network_rule_set.0.default_action",
                same,
                Some(json!("Allow")),
            );
            let rules = m.value("network_rule_set.0.ip_rule", Accept::NONE).into_arm(|v| {
                Value::Array(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|r| json!({"action": r.get("action").cloned().unwrap_or(json!("Allow")), "value": r.get("ip_range")}))
                        .collect(),
                )
            });
            m.arm.set("properties.networkRuleSet.ipRules", rules.unwrap_or(json!([])));
            if let Resolved::Value(Value::Array(vnets)) = m.value("network_rule_set.0.virtual_network", Accept::NONE) {
                let rules: Vec<Value> =
                    vnets.iter().map(|v| json!({"action": v.get("action"), "id": v.get("subnet_id")})).collect();
                m.arm.set("properties.networkRuleSet.virtualNetworkRules", Value::Array(rules));
            }
        }
    }
}

/// Export, retention (v4 `retention_policy_in_days`, v3 `retention_policy {days, enabled}`), trust
/// (v4 `trust_policy_enabled`, v3 `trust_policy {enabled}`) and quarantine policies.
fn policies(m: &mut Mapper) {
    m.field("properties.policies.exportPolicy.status", "export_policy_enabled", status, Some(json!("enabled")));
    m.field(
        "properties.policies.quarantinePolicy.status",
        "quarantine_policy_enabled",
        status,
        Some(json!("disabled")),
    );

    let retention = "properties.policies.retentionPolicy";
    let (days, attr) = m.first_of(&["retention_policy_in_days", "retention_policy"]);
    if attr == "retention_policy_in_days" {
        match days {
            Resolved::Value(v) => {
                let n = v.as_i64().unwrap_or(0);
                let line = m.line_of(attr);
                m.arm.set(
                    retention,
                    if n > 0 { json!({"days": n, "status": "enabled"}) } else { json!({"status": "disabled"}) },
                );
                m.arm.line(&format!("{retention}.status"), line);
            }
            other => m.put(&format!("{retention}.status"), attr, other, same, Some(json!("disabled"))),
        }
    } else {
        match m.block("retention_policy") {
            Block::Entries(_) => {
                m.field(&format!("{retention}.days"), "retention_policy.0.days", same, None);
                m.field(&format!("{retention}.status"), "retention_policy.0.enabled", status, Some(json!("disabled")));
            }
            Block::Absent => m.arm.set(&format!("{retention}.status"), json!("disabled")),
            Block::Unresolved(why) => m.arm.set(&format!("{retention}.status"), marker(&why)),
        }
    }

    let trust = "properties.policies.trustPolicy";
    m.arm.set(&format!("{trust}.type"), json!("Notary"));
    let (on, attr) = m.first_of(&["trust_policy_enabled", "trust_policy"]);
    if attr == "trust_policy_enabled" {
        m.put(&format!("{trust}.status"), attr, on, status, Some(json!("disabled")));
    } else if let Block::Entries(_) = m.block("trust_policy") {
        m.field(&format!("{trust}.status"), "trust_policy.0.enabled", status, Some(json!("disabled")));
    } else {
        m.arm.set(&format!("{trust}.status"), json!("disabled"));
    }
}

/// `identity { type, identity_ids }` → `identity {type, userAssignedIdentities: {<id>: {}}}`; the
/// normaliser fills in the identities' principal and client IDs from the identity resources.
fn identity(m: &mut Mapper) {
    match m.block("identity") {
        Block::Absent => {}
        Block::Unresolved(why) => m.arm.set("identity", marker(&why)),
        Block::Entries(_) => {
            let line = m.line_of("identity");
            m.arm.line("identity", line);
            m.field("identity.type", "identity.0.type", same, None);
            match m.rs.list(m.r, "identity.0.identity_ids", IDENTITY_ID) {
                Resolved::Value(Value::Array(ids)) if !ids.is_empty() => {
                    let mut map = Map::new();
                    for id in &ids {
                        match id.as_str() {
                            Some(s) => {
                                map.insert(s.to_string(), json!({}));
                            }
                            None => {
                                map.clear();
                                break;
                            }
                        }
                    }
                    m.arm.set("identity.userAssignedIdentities", Value::Object(map));
                }
                Resolved::Unresolved(why) => m.arm.set("identity.userAssignedIdentities", marker(&why)),
                _ => {}
            }
            let line = m.line_of("identity.0.identity_ids");
            m.arm.line("identity.userAssignedIdentities", line);
            if let Resolved::Value(p) = m.value("identity.0.principal_id", Accept::NONE) {
                m.arm.set("identity.principalId", p);
            }
            if let Resolved::Value(t) = m.value("identity.0.tenant_id", Accept::NONE) {
                m.arm.set("identity.tenantId", t);
            }
        }
    }
}

/// `encryption { key_vault_key_id, identity_client_id }` (v3 also `enabled`) →
/// `properties.encryption {status, keyVaultProperties {keyIdentifier, identity}}`; none → disabled.
fn encryption(m: &mut Mapper) {
    let status_path = "properties.encryption.status";
    match m.block("encryption") {
        Block::Absent => m.arm.set(status_path, json!("disabled")),
        Block::Unresolved(why) => m.arm.set(status_path, marker(&why)),
        Block::Entries(_) => {
            let line = m.line_of("encryption");
            m.arm.line("properties.encryption", line);
            // azurerm v3: `enabled = false` keeps the block but turns encryption off.
            match m.value("encryption.0.enabled", Accept::NONE) {
                Resolved::Value(Value::Bool(false)) => {
                    m.arm.set(status_path, json!("disabled"));
                    let line = m.line_of("encryption.0.enabled");
                    m.arm.line(status_path, line);
                    return;
                }
                Resolved::Unresolved(why) => {
                    m.arm.set(status_path, marker(&why));
                    return;
                }
                _ => {}
            }
            m.arm.set(status_path, json!("enabled"));
            m.arm.line(status_path, line);
            let key = m.value("encryption.0.key_vault_key_id", KEY_ID);
            m.put(
                "properties.encryption.keyVaultProperties.keyIdentifier",
                "encryption.0.key_vault_key_id",
                key,
                same,
                None,
            );
            let client = m.value("encryption.0.identity_client_id", CLIENT_ID);
            m.put(
                "properties.encryption.keyVaultProperties.identity",
                "encryption.0.identity_client_id",
                client,
                same,
                None,
            );
        }
    }
}
