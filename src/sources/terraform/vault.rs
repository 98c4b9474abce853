//! `azurerm_key_vault` → `Microsoft.KeyVault/vaults` and `azurerm_key_vault_access_policy` →
//! `Microsoft.KeyVault/vaults/accessPolicies`, azurerm v3 and v4.
//!
//! Soft delete is always on for vaults azurerm ≥ 3 creates (the provider sends `enableSoftDelete:
//! true`; the v2 `soft_delete_enabled` is read when a plan still has it). Access-policy permission
//! names are kept as written (`Get`, `WrapKey`): the normaliser lower-cases them. An access policy
//! whose principal is known only after apply makes the vault's whole list unknown, since a list with
//! a hole in it would pass or fail the CMK permission checks on a guess.

use super::arm::{Arm, Block, Mapper, enabled, same};
use super::plan::Resource;
use super::references::{Accept, Resolved, Resolver, VAULT_ID, marker};
use serde_json::{Value, json};

pub const TYPE: &str = "Microsoft.KeyVault/vaults";
pub const POLICY_TYPE: &str = "Microsoft.KeyVault/vaults/accessPolicies";

/// Who an access policy names: an identity's principal, or a known object ID.
const OBJECT_ID: Accept<'static> = Accept {
    kinds: &["azurerm_user_assigned_identity", "azurerm_client_config"],
    attrs: &["principal_id", "object_id"],
};

pub fn map(rs: &Resolver, r: &Resource) -> Arm {
    let mut m = Mapper::top_level(rs, r, TYPE);
    m.field("properties.tenantId", "tenant_id", same, None);
    m.arm.set("properties.sku.family", json!("A"));
    m.field("properties.sku.name", "sku_name", same, None);
    m.field("properties.enableSoftDelete", "soft_delete_enabled", same, Some(json!(true)));
    m.field("properties.softDeleteRetentionInDays", "soft_delete_retention_days", same, Some(json!(90)));
    m.field("properties.enablePurgeProtection", "purge_protection_enabled", same, Some(json!(false)));
    let (rbac, attr) = m.first_of(&["rbac_authorization_enabled", "enable_rbac_authorization"]);
    m.put("properties.enableRbacAuthorization", attr, rbac, same, Some(json!(false)));
    m.field("properties.publicNetworkAccess", "public_network_access_enabled", enabled, Some(json!("Enabled")));
    match rs.attribute(r, "vault_uri") {
        Ok(uri) => m.arm.set("properties.vaultUri", uri),
        Err(why) => m.arm.set("properties.vaultUri", marker(&why)),
    }
    network_acls(&mut m);
    access_policies(&mut m);
    m.arm
}

/// `network_acls { default_action, bypass, ip_rules, virtual_network_subnet_ids }`.
fn network_acls(m: &mut Mapper) {
    match m.block("network_acls") {
        Block::Absent => {}
        Block::Unresolved(why) => m.arm.set("properties.networkAcls.defaultAction", marker(&why)),
        Block::Entries(_) => {
            let line = m.line_of("network_acls");
            m.arm.line("properties.networkAcls", line);
            m.field("properties.networkAcls.defaultAction", "network_acls.0.default_action", same, None);
            m.field("properties.networkAcls.bypass", "network_acls.0.bypass", same, None);
            let ips = m.value("network_acls.0.ip_rules", Accept::NONE).into_arm(|v| {
                Value::Array(v.as_array().into_iter().flatten().map(|ip| json!({"value": ip})).collect())
            });
            m.arm.set("properties.networkAcls.ipRules", ips.unwrap_or(json!([])));
            let subnets = m.rs.list(
                m.r,
                "network_acls.0.virtual_network_subnet_ids",
                Accept { kinds: &["azurerm_subnet"], attrs: &["id"] },
            );
            let rules = subnets
                .into_arm(|v| Value::Array(v.as_array().into_iter().flatten().map(|id| json!({"id": id})).collect()));
            m.arm.set("properties.networkAcls.virtualNetworkRules", rules.unwrap_or(json!([])));
        }
    }
}

/// The vault's inline `access_policy` blocks.
fn access_policies(m: &mut Mapper) {
    let path = "properties.accessPolicies";
    match m.block("access_policy") {
        Block::Absent => {
            if let Resolved::Value(_) = m.value("access_policy", Accept::NONE) {
                m.arm.set(path, json!([]));
            }
        }
        Block::Unresolved(why) => m.arm.set(path, marker(&why)),
        Block::Entries(n) => {
            let line = m.line_of("access_policy");
            m.arm.line(path, line);
            let mut policies = Vec::new();
            for i in 0..n {
                match policy(m, &format!("access_policy.{i}.")) {
                    Ok(p) => policies.push(p),
                    Err(why) => {
                        m.arm.set(path, marker(&why));
                        return;
                    }
                }
            }
            m.arm.set(path, Value::Array(policies));
        }
    }
}

/// One access policy (`prefix` is `access_policy.N.` inside a vault, empty for the standalone
/// resource): `{tenantId, objectId, applicationId, permissions {keys, secrets, certificates, storage}}`.
/// `Err` when who it names or what it grants is known only after apply.
fn policy(m: &Mapper, prefix: &str) -> Result<Value, String> {
    let text = |attr: &str, accept: Accept| -> Result<Option<Value>, String> {
        match m.value(&format!("{prefix}{attr}"), accept) {
            Resolved::Value(v) => Ok(Some(v)),
            Resolved::Absent => Ok(None),
            Resolved::Unresolved(why) => Err(why),
        }
    };
    let object_id = text("object_id", OBJECT_ID)?;
    let mut out = json!({"tenantId": text("tenant_id", Accept::NONE).ok().flatten(), "objectId": object_id});
    if let Ok(Some(app)) = text("application_id", Accept::NONE)
        && app.as_str().is_some_and(|s| !s.is_empty())
    {
        out["applicationId"] = app;
    }
    for (tf, arm) in [
        ("key_permissions", "keys"),
        ("secret_permissions", "secrets"),
        ("certificate_permissions", "certificates"),
        ("storage_permissions", "storage"),
    ] {
        out["permissions"][arm] = text(tf, Accept::NONE)?.unwrap_or(json!([]));
    }
    Ok(out)
}

/// A standalone access policy (its ID is `{vault ID}/accessPolicies/…`), or `Err` when the vault it belongs to is
/// known only after apply (it could then be any vault of the plan).
pub fn access_policy(rs: &Resolver, r: &Resource) -> Result<Arm, String> {
    rs.string(r, "key_vault_id", VAULT_ID)?;
    let id = rs.arm_id(r)?;
    let name = id.rsplit('/').next().unwrap_or_default().to_string();
    let mut m = Mapper::new(rs, r, &id, &name, POLICY_TYPE);
    let line = m.line_of("object_id");
    m.arm.line("properties.accessPolicies", line);
    match policy(&m, "") {
        Ok(p) => m.arm.set("properties.accessPolicies", json!([p])),
        Err(why) => m.arm.set("properties.accessPolicies", marker(&why)),
    }
    Ok(m.arm)
}
