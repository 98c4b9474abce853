//! Unit tests of the plan → ARM mapping and of reference resolution, on small plans written inline.

use super::*;
use crate::estate::UNRESOLVED_KEY;
use crate::normalise::ids::parse_key_uri;
use serde_json::{Value, json};

/// One `resource_changes` entry and its configuration.
struct R {
    address: String,
    module: Option<&'static str>,
    kind: &'static str,
    name: &'static str,
    actions: Vec<&'static str>,
    after: Value,
    unknown: Value,
    expr: Value,
}

fn r(kind: &'static str, name: &'static str, after: Value, unknown: Value, expr: Value) -> R {
    R { address: format!("{kind}.{name}"), module: None, kind, name, actions: vec!["create"], after, unknown, expr }
}

impl R {
    fn in_module(mut self, module: &'static str) -> R {
        self.address = format!("{module}.{}", self.address);
        self.module = Some(module);
        self
    }

    fn actions(mut self, actions: &[&'static str]) -> R {
        self.actions = actions.to_vec();
        self
    }
}

fn refs(rs: &[&str]) -> Value {
    json!({ "references": rs })
}

/// A plan as `terraform show -json` writes it (pretty-printed), with `extra` top-level members.
fn plan_text(resources: &[R], extra: Value) -> String {
    let changes: Vec<Value> = resources
        .iter()
        .map(|x| {
            let mut c = json!({
                "address": x.address, "mode": "managed", "type": x.kind, "name": x.name,
                "provider_name": "registry.terraform.io/hashicorp/azurerm",
                "change": {"actions": x.actions, "before": null, "after": x.after, "after_unknown": x.unknown,
                           "before_sensitive": false, "after_sensitive": {}}
            });
            if let Some(m) = x.module {
                c["module_address"] = json!(m);
            }
            c
        })
        .collect();
    let config = |x: &R| json!({"address": format!("{}.{}", x.kind, x.name), "mode": "managed", "type": x.kind, "name": x.name, "expressions": x.expr});
    let mut root =
        json!({"resources": resources.iter().filter(|x| x.module.is_none()).map(config).collect::<Vec<_>>()});
    for x in resources.iter().filter(|x| x.module.is_some()) {
        let call = plan::module_names(x.module.unwrap_or_default()).pop().unwrap_or_default();
        let mut list = root["module_calls"][&call]["module"]["resources"].as_array().cloned().unwrap_or_default();
        list.push(config(x));
        root["module_calls"][&call]["module"]["resources"] = Value::Array(list);
    }
    let mut doc = json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {"root_module": root},
        "timestamp": "2026-11-20T00:00:00Z"
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        doc[k] = v.clone();
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

fn estate(resources: &[R]) -> RawEstate {
    estate_with(resources, json!({}))
}

fn estate_with(resources: &[R], extra: Value) -> RawEstate {
    parse(&plan_text(resources, extra), "plan.json").unwrap_or_else(|e| panic!("{e}"))
}

/// The mapped resource of an ARM type and name.
fn find<'e>(e: &'e RawEstate, kind: &str, name: &str) -> (&'e Value, &'e Origin) {
    e.resources
        .iter()
        .find_map(|r| {
            let Body::Parsed(v) = &r.body else { return None };
            (v["type"] == kind && v["name"] == name).then(|| (v, r.origin.as_ref().unwrap()))
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in {:#?}", e.resources))
}

/// `data.azurerm_client_config.current`, as Terraform reads it while planning.
fn client_config() -> Value {
    json!({"prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "data.azurerm_client_config.current", "mode": "data", "type": "azurerm_client_config", "name": "current",
         "values": {"object_id": "698db18b-7fe1-4287-a7af-2b67dbee5278", "tenant_id": "t",
                    "subscription_id": "2a9f6b1e-4c8d-4e3a-b7f5-91d0c6e2a4b7"}}
    ]}}}})
}

fn unresolved(v: &Value) -> Option<&str> {
    v.get(UNRESOLVED_KEY).and_then(Value::as_str)
}

fn identity(name: &'static str) -> R {
    r(
        "azurerm_user_assigned_identity",
        name,
        json!({"location": "japaneast", "name": format!("id-{name}"), "resource_group_name": "rg"}),
        json!({"client_id": true, "id": true, "principal_id": true, "tenant_id": true}),
        json!({}),
    )
}

fn vault(name: &'static str, after: Value, unknown: Value, expr: Value) -> R {
    let mut a = json!({"location": "japaneast", "name": format!("kv-{name}"), "resource_group_name": "rg",
                       "sku_name": "premium", "tenant_id": "t", "soft_delete_retention_days": 90});
    for (k, v) in after.as_object().into_iter().flatten() {
        a[k] = v.clone();
    }
    let mut u = json!({"id": true, "vault_uri": true});
    for (k, v) in unknown.as_object().into_iter().flatten() {
        u[k] = v.clone();
    }
    r("azurerm_key_vault", name, a, u, expr)
}

fn key(name: &'static str, vault: &str, after: Value) -> R {
    let mut a = json!({"name": format!("key-{name}"), "key_type": "RSA", "key_size": 3072, "key_opts": ["wrapKey", "unwrapKey"]});
    for (k, v) in after.as_object().into_iter().flatten() {
        a[k] = v.clone();
    }
    r(
        "azurerm_key_vault_key",
        name,
        a,
        json!({"id": true, "key_vault_id": true, "version": true, "versionless_id": true, "resource_id": true, "resource_versionless_id": true}),
        json!({"key_vault_id": refs(&[&format!("azurerm_key_vault.{vault}.id"), &format!("azurerm_key_vault.{vault}")])}),
    )
}

fn registry(name: &'static str, after: Value, unknown: Value, expr: Value) -> R {
    let mut a =
        json!({"location": "japaneast", "name": format!("cr{name}"), "resource_group_name": "rg", "sku": "Premium"});
    for (k, v) in after.as_object().into_iter().flatten() {
        a[k] = v.clone();
    }
    r("azurerm_container_registry", name, a, unknown, expr)
}

/// A CMK registry whose key and identity come from resources of the plan through `encryption`'s
/// references (azurerm lists them for the whole block).
fn cmk_registry(key_attr: &str) -> R {
    registry(
        "app",
        json!({"encryption": [{}], "identity": [{"type": "UserAssigned"}]}),
        json!({"id": true, "encryption": [{"key_vault_key_id": true, "identity_client_id": true}],
               "identity": [{"identity_ids": true, "principal_id": true}]}),
        json!({
            "encryption": refs(&[&format!("azurerm_key_vault_key.k.{key_attr}"), "azurerm_key_vault_key.k",
                                 "azurerm_user_assigned_identity.u.client_id", "azurerm_user_assigned_identity.u"]),
            "identity": [{"type": {"constant_value": "UserAssigned"},
                          "identity_ids": refs(&["azurerm_user_assigned_identity.u.id", "azurerm_user_assigned_identity.u"])}]
        }),
    )
}

// ---- references --------------------------------------------------------------------------------

#[test]
fn a_registry_joins_its_key_and_identity_through_references() {
    let e = estate(&[
        identity("u"),
        vault("v", json!({}), json!({}), json!({})),
        key("k", "v", json!({})),
        cmk_registry("versionless_id"),
    ]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let kvp = &reg["properties"]["encryption"]["keyVaultProperties"];
    assert_eq!(kvp["keyIdentifier"], "https://kv-v.vault.azure.net/keys/key-k");
    assert_eq!(kvp["identity"], "tf:azurerm_user_assigned_identity.u.client_id");
    assert_eq!(reg["properties"]["encryption"]["status"], "enabled");
    let uai_id = format!(
        "/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-u"
    );
    assert_eq!(reg["identity"]["userAssignedIdentities"], json!({ uai_id.clone(): {} }));
    let (uai, _) = find(&e, "Microsoft.ManagedIdentity/userAssignedIdentities", "id-u");
    assert_eq!(uai["id"], json!(uai_id));
    assert_eq!(uai["properties"]["clientId"], kvp["identity"]);
    assert_eq!(uai["properties"]["principalId"], "tf:azurerm_user_assigned_identity.u.principal_id");
    let (k, _) = find(&e, "Microsoft.KeyVault/vaults/keys", "key-k");
    let (v, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-v");
    assert_eq!(k["id"], json!(format!("{}/keys/key-k", v["id"].as_str().unwrap())));
    assert_eq!(k["properties"]["keyUri"], kvp["keyIdentifier"]);
    assert_eq!(v["properties"]["vaultUri"], "https://kv-v.vault.azure.net/");
}

#[test]
fn a_pinned_key_id_names_the_keys_current_version() {
    let e = estate(&[
        identity("u"),
        vault("v", json!({}), json!({}), json!({})),
        key("k", "v", json!({})),
        cmk_registry("id"),
    ]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let pinned =
        parse_key_uri(reg["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"].as_str().unwrap())
            .unwrap();
    assert_eq!(
        (pinned.vault.as_str(), pinned.name.as_str(), pinned.version.as_deref()),
        ("kv-v", "key-k", Some(KEY_VERSION))
    );
    let (k, _) = find(&e, "Microsoft.KeyVault/vaults/keys", "key-k");
    let current = parse_key_uri(k["properties"]["keyUriWithVersion"].as_str().unwrap()).unwrap();
    assert_eq!(current, pinned);
}

#[test]
fn a_module_variable_or_output_stays_unresolved() {
    let reg = registry(
        "app",
        json!({"encryption": [{}]}),
        json!({"encryption": [{"key_vault_key_id": true, "identity_client_id": true}]}),
        json!({"encryption": refs(&["var.key_id", "module.ids.client_id", "module.ids"])}),
    )
    .in_module("module.acr");
    let e = estate(&[identity("u"), key("k", "v", json!({})), vault("v", json!({}), json!({}), json!({})), reg]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let kvp = &reg["properties"]["encryption"]["keyVaultProperties"];
    let why = unresolved(&kvp["keyIdentifier"]).expect("unresolved key identifier");
    assert!(
        why.starts_with("known after apply: module.acr.azurerm_container_registry.app.encryption[0].key_vault_key_id"),
        "{why}"
    );
    assert!(why.contains("var.key_id"), "{why}");
    assert!(unresolved(&kvp["identity"]).is_some());
}

#[test]
fn references_inside_a_module_are_relative_to_it() {
    // The root has a key named like the module's; the module's registry must get the module's key.
    let module_key = key("k", "v", json!({"name": "key-in-module"})).in_module("module.acr");
    let module_vault = vault("v", json!({"name": "kv-in-module"}), json!({}), json!({})).in_module("module.acr");
    let reg = registry(
        "app",
        json!({"encryption": [{}]}),
        json!({"encryption": [{"key_vault_key_id": true}]}),
        json!({"encryption": refs(&["azurerm_key_vault_key.k.versionless_id", "azurerm_key_vault_key.k"])}),
    )
    .in_module("module.acr");
    let e =
        estate(&[key("k", "v", json!({})), vault("v", json!({}), json!({}), json!({})), module_key, module_vault, reg]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    assert_eq!(
        reg["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"],
        "https://kv-in-module.vault.azure.net/keys/key-in-module"
    );
}

#[test]
fn an_expression_combining_references_stays_unresolved() {
    let reg = registry(
        "app",
        json!({"encryption": [{"identity_client_id": "c"}]}),
        json!({"encryption": [{"key_vault_key_id": true}]}),
        json!({"encryption": [{"key_vault_key_id": refs(&["azurerm_key_vault.v.vault_uri", "azurerm_key_vault.v", "azurerm_key_vault_key.k.name", "azurerm_key_vault_key.k"])}]}),
    );
    let e = estate(&[vault("v", json!({}), json!({}), json!({})), key("k", "v", json!({})), reg]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let why = unresolved(&reg["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"]).unwrap();
    assert!(why.contains("azurerm_key_vault.v.vault_uri, azurerm_key_vault_key.k.name"), "{why}");
}

#[test]
fn list_elements_known_only_after_apply_come_from_the_references_in_order() {
    let reg = registry(
        "app",
        json!({"identity": [{"type": "UserAssigned", "identity_ids": ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/old", null]}]}),
        json!({"identity": [{"identity_ids": [false, true]}]}),
        json!({"identity": [{"identity_ids": refs(&["azurerm_user_assigned_identity.b.id", "azurerm_user_assigned_identity.b"])}]}),
    );
    let e = estate(&[identity("b"), reg]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let ids: Vec<&String> = reg["identity"]["userAssignedIdentities"].as_object().unwrap().keys().collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0].ends_with("/old") && ids[1].ends_with("/id-b"), "{ids:?}");
}

#[test]
fn a_resource_the_plan_keeps_has_its_real_ids() {
    let real = "/subscriptions/8c4d2e91-7f3a-4b5c-a1d0-6e9b2f4c7d38/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-old";
    let old = r(
        "azurerm_user_assigned_identity",
        "old",
        json!({"id": real, "name": "id-old", "resource_group_name": "rg", "location": "japaneast",
               "principal_id": "9f004b3b-164b-41b4-aefa-f875b70c74c9", "client_id": "d20159d2-c08b-44bb-a5ea-7336e73737db"}),
        json!({}),
        json!({}),
    )
    .actions(&["no-op"]);
    // A set of identities, one kept and one new: azurerm plans the whole set as unknown.
    let reg = registry(
        "app",
        json!({"encryption": [{"identity_client_id": "d20159d2-c08b-44bb-a5ea-7336e73737db"}], "identity": [{"type": "UserAssigned"}]}),
        json!({"id": true, "encryption": [{"key_vault_key_id": true}], "identity": [{"identity_ids": true}]}),
        json!({"encryption": refs(&["azurerm_key_vault_key.k.versionless_id", "azurerm_key_vault_key.k",
                                    "azurerm_user_assigned_identity.old.client_id", "azurerm_user_assigned_identity.old"]),
               "identity": [{"identity_ids": refs(&["azurerm_user_assigned_identity.old.id", "azurerm_user_assigned_identity.old",
                                                    "azurerm_user_assigned_identity.u.id", "azurerm_user_assigned_identity.u"])}]}),
    );
    let e = estate(&[old, identity("u"), vault("v", json!({}), json!({}), json!({})), key("k", "v", json!({})), reg]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let kvp = &reg["properties"]["encryption"]["keyVaultProperties"];
    assert_eq!(kvp["identity"], "d20159d2-c08b-44bb-a5ea-7336e73737db");
    assert_eq!(
        kvp["keyIdentifier"], "https://kv-v.vault.azure.net/keys/key-k",
        "the one unknown value, from the one unknown reference"
    );
    let ids: Vec<&String> = reg["identity"]["userAssignedIdentities"].as_object().unwrap().keys().collect();
    assert_eq!(ids[0], real);
    // The subscription of the known ID is the plan's: the new resources are given it too.
    assert_eq!(
        ids[1],
        "/subscriptions/8c4d2e91-7f3a-4b5c-a1d0-6e9b2f4c7d38/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-u"
    );
}

#[test]
fn a_name_known_only_after_apply_gets_a_stand_in_that_still_joins() {
    let v = r(
        "azurerm_key_vault",
        "v",
        json!({"location": "japaneast", "resource_group_name": "rg", "sku_name": "premium", "tenant_id": "t"}),
        json!({"id": true, "name": true, "vault_uri": true}),
        json!({"name": refs(&["random_string.suffix.result", "random_string.suffix"])}),
    );
    let e = estate(&[identity("u"), v, key("k", "v", json!({})), cmk_registry("versionless_id")]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let k = parse_key_uri(reg["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"].as_str().unwrap())
        .unwrap();
    assert_eq!(k.vault, "tf-azurerm-key-vault-v");
    find(&e, "Microsoft.KeyVault/vaults", "tf-azurerm-key-vault-v");
}

// ---- mapping -----------------------------------------------------------------------------------

#[test]
fn registry_attributes_and_provider_defaults() {
    let e = estate(&[registry(
        "app",
        json!({"admin_enabled": true, "anonymous_pull_enabled": true, "export_policy_enabled": true,
               "zone_redundancy_enabled": true, "network_rule_bypass_option": "None",
               "network_rule_set": [{"default_action": "Deny", "ip_rule": [{"action": "Allow", "ip_range": "203.0.113.0/24"}]}]}),
        json!({"id": true, "encryption": true}),
        json!({}),
    )]);
    let (reg, origin) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let p = &reg["properties"];
    assert_eq!(reg["sku"], json!({"name": "Premium", "tier": "Premium"}));
    assert_eq!(p["adminUserEnabled"], true);
    assert_eq!(p["anonymousPullEnabled"], true);
    assert_eq!(p["publicNetworkAccess"], "Enabled", "absent: the provider's default, true");
    assert_eq!(p["zoneRedundancy"], "Enabled");
    assert_eq!(p["networkRuleBypassOptions"], "None");
    assert_eq!(
        p["networkRuleSet"],
        json!({"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}]})
    );
    assert_eq!(p["policies"]["exportPolicy"]["status"], "enabled");
    assert_eq!(p["policies"]["retentionPolicy"]["status"], "disabled");
    // `encryption` is known only after apply because it is Computed and not configured: not set.
    assert_eq!(p["encryption"], json!({"status": "disabled"}));
    assert!(reg.get("identity").is_none());
    // Every ARM property points at its attribute's line.
    assert!(origin.property_lines["properties.adminUserEnabled"] > origin.line.unwrap());
    assert_ne!(
        origin.property_lines["properties.adminUserEnabled"],
        origin.property_lines["properties.anonymousPullEnabled"]
    );
}

#[test]
fn the_line_of_an_attribute_is_its_line_in_the_plan() {
    let text = plan_text(&[registry("app", json!({"admin_enabled": true}), json!({"id": true}), json!({}))], json!({}));
    let e = parse(&text, "plan.json").unwrap();
    let (_, origin) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let line = origin.property_lines["properties.adminUserEnabled"];
    assert!(text.lines().nth(line - 1).unwrap().contains("\"admin_enabled\": true"));
    let resource = origin.line.unwrap();
    assert!(text.lines().nth(resource).unwrap().contains("\"address\": \"azurerm_container_registry.app\""));
    assert_eq!(origin.file, "plan.json");
}

#[test]
fn azurerm_v3_and_v4_spellings() {
    let v3 = registry(
        "v3",
        json!({"retention_policy": [{"days": 14, "enabled": true}], "trust_policy": [{"enabled": true}],
               "encryption": [{"enabled": false, "key_vault_key_id": null, "identity_client_id": null}]}),
        json!({"id": true}),
        json!({}),
    );
    let v4 = registry(
        "v4",
        json!({"retention_policy_in_days": 30, "trust_policy_enabled": false, "encryption": []}),
        json!({"id": true}),
        json!({}),
    );
    let v4_zero = registry("zero", json!({"retention_policy_in_days": 0}), json!({"id": true}), json!({}));
    let e = estate(&[v3, v4, v4_zero]);
    let p = |name: &str| find(&e, "Microsoft.ContainerRegistry/registries", name).0["properties"].clone();
    assert_eq!(p("crv3")["policies"]["retentionPolicy"], json!({"days": 14, "status": "enabled"}));
    assert_eq!(p("crv3")["policies"]["trustPolicy"]["status"], "enabled");
    assert_eq!(p("crv3")["encryption"]["status"], "disabled", "v3 encryption.enabled = false");
    assert_eq!(p("crv4")["policies"]["retentionPolicy"], json!({"days": 30, "status": "enabled"}));
    assert_eq!(p("crv4")["policies"]["trustPolicy"]["status"], "disabled");
    assert_eq!(p("crv4")["encryption"]["status"], "disabled");
    assert_eq!(p("crzero")["policies"]["retentionPolicy"]["status"], "disabled");

    let kv3 = vault("v3", json!({"enable_rbac_authorization": true}), json!({}), json!({}));
    // azurerm ≥ 4.x: the configured spelling is known, the deprecated twin computed.
    let kv4 = vault(
        "v4",
        json!({"rbac_authorization_enabled": true}),
        json!({"enable_rbac_authorization": true}),
        json!({"rbac_authorization_enabled": {"constant_value": true}}),
    );
    let e = estate(&[kv3, kv4]);
    for name in ["kv-v3", "kv-v4"] {
        assert_eq!(
            find(&e, "Microsoft.KeyVault/vaults", name).0["properties"]["enableRbacAuthorization"],
            true,
            "{name}"
        );
    }
}

#[test]
fn a_configured_value_known_only_after_apply_is_unresolved_not_defaulted() {
    let reg = registry(
        "app",
        json!({}),
        json!({"id": true, "public_network_access_enabled": true, "admin_enabled": true}),
        json!({"public_network_access_enabled": refs(&["var.public"]),
               "admin_enabled": refs(&["data.external.flags.result", "data.external.flags"])}),
    );
    let e = estate(&[reg]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let why = unresolved(&reg["properties"]["publicNetworkAccess"]).unwrap();
    assert_eq!(why, "known after apply: azurerm_container_registry.app.public_network_access_enabled = var.public");
    assert!(unresolved(&reg["properties"]["adminUserEnabled"]).is_some());
}

#[test]
fn vault_access_policies_network_and_protection() {
    let kv = vault(
        "v",
        json!({"purge_protection_enabled": true, "public_network_access_enabled": false,
               "network_acls": [{"bypass": "AzureServices", "default_action": "Deny", "ip_rules": ["203.0.113.7"], "virtual_network_subnet_ids": []}],
               "access_policy": [
                   {"tenant_id": "t", "object_id": "698db18b-7fe1-4287-a7af-2b67dbee5278", "key_permissions": ["Get", "List"],
                    "secret_permissions": [], "certificate_permissions": [], "storage_permissions": []},
                   {"tenant_id": "t", "key_permissions": ["Get", "WrapKey", "UnwrapKey"], "secret_permissions": [],
                    "certificate_permissions": [], "storage_permissions": []}]}),
        json!({"access_policy": [{}, {"object_id": true}]}),
        json!({"access_policy": refs(&["data.azurerm_client_config.current.object_id", "data.azurerm_client_config.current",
                                       "azurerm_user_assigned_identity.u.principal_id", "azurerm_user_assigned_identity.u"])}),
    );
    let e = estate_with(&[identity("u"), kv], client_config());
    let (v, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-v");
    let p = &v["properties"];
    assert_eq!(p["enableSoftDelete"], true);
    assert_eq!(p["enablePurgeProtection"], true);
    assert_eq!(p["enableRbacAuthorization"], false);
    assert_eq!(p["publicNetworkAccess"], "Disabled");
    assert_eq!(p["networkAcls"]["defaultAction"], "Deny");
    assert_eq!(p["networkAcls"]["ipRules"], json!([{"value": "203.0.113.7"}]));
    assert_eq!(p["accessPolicies"][0]["objectId"], "698db18b-7fe1-4287-a7af-2b67dbee5278");
    assert_eq!(p["accessPolicies"][1]["objectId"], "tf:azurerm_user_assigned_identity.u.principal_id");
    assert_eq!(p["accessPolicies"][1]["permissions"]["keys"], json!(["Get", "WrapKey", "UnwrapKey"]));
}

#[test]
fn an_access_policy_naming_nobody_known_makes_the_vaults_list_unknown() {
    let policy = r(
        "azurerm_key_vault_access_policy",
        "p",
        json!({"tenant_id": "t", "key_permissions": ["Get", "WrapKey", "UnwrapKey"]}),
        json!({"id": true, "key_vault_id": true, "object_id": true}),
        json!({"key_vault_id": refs(&["azurerm_key_vault.v.id", "azurerm_key_vault.v"]), "object_id": refs(&["var.object_id"])}),
    );
    let e = estate(&[vault("v", json!({"access_policy": []}), json!({}), json!({})), policy]);
    let (v, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-v");
    assert!(unresolved(&v["properties"]["accessPolicies"]).unwrap().contains("object_id"));
}

#[test]
fn a_standalone_access_policy_belongs_to_its_vault() {
    let policy = r(
        "azurerm_key_vault_access_policy",
        "p",
        json!({"tenant_id": "t", "key_permissions": ["Get", "WrapKey", "UnwrapKey"], "secret_permissions": null}),
        json!({"id": true, "key_vault_id": true, "object_id": true}),
        json!({"key_vault_id": refs(&["azurerm_key_vault.v.id", "azurerm_key_vault.v"]),
               "object_id": refs(&["azurerm_user_assigned_identity.u.principal_id", "azurerm_user_assigned_identity.u"])}),
    );
    let e = estate(&[identity("u"), vault("v", json!({}), json!({"access_policy": true}), json!({})), policy]);
    let (v, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-v");
    assert!(v["properties"].get("accessPolicies").is_none(), "not configured: none inline");
    let (p, _) = find(&e, "Microsoft.KeyVault/vaults/accessPolicies", "tf-azurerm-key-vault-access-policy-p");
    assert!(p["id"].as_str().unwrap().starts_with(&format!("{}/accessPolicies/", v["id"].as_str().unwrap())));
    assert_eq!(p["properties"]["accessPolicies"][0]["objectId"], "tf:azurerm_user_assigned_identity.u.principal_id");
    assert_eq!(p["properties"]["accessPolicies"][0]["permissions"]["secrets"], json!([]));
}

#[test]
fn keys_expiry_rotation_and_creation() {
    let e = estate(&[
        vault("v", json!({}), json!({}), json!({})),
        key(
            "rotating",
            "v",
            json!({"expiration_date": "2027-06-30T00:00:00Z", "not_before_date": "2026-12-01T00:00:00Z",
                                     "rotation_policy": [{"automatic": [{"time_before_expiry": "P30D", "time_after_creation": null}],
                                                          "expire_after": "P1Y", "notify_before_expiry": "P29D"}]}),
        ),
        key("plain", "v", json!({"rotation_policy": []})),
    ]);
    let (k, _) = find(&e, "Microsoft.KeyVault/vaults/keys", "key-rotating");
    let p = &k["properties"];
    assert_eq!((p["kty"].as_str(), p["keySize"].as_i64()), (Some("RSA"), Some(3072)));
    assert_eq!(p["attributes"]["exp"], 1_814_313_600);
    assert_eq!(p["attributes"]["nbf"], 1_796_083_200);
    assert_eq!(p["attributes"]["enabled"], true);
    assert_eq!(p["attributes"]["created"], 1_795_132_800, "created at the plan's timestamp");
    assert_eq!(
        p["rotationPolicy"],
        json!({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Rotate"}},
                                   {"trigger": {"timeBeforeExpiry": "P29D"}, "action": {"type": "Notify"}}],
               "attributes": {"expiryTime": "P1Y"}})
    );
    let (k, _) = find(&e, "Microsoft.KeyVault/vaults/keys", "key-plain");
    assert!(k["properties"].get("rotationPolicy").is_none());
    assert!(k["properties"]["attributes"].get("exp").is_none());
}

#[test]
fn role_assignments_by_built_in_name_and_unknown_names() {
    let assignment = |name: &'static str, role: &str| {
        r(
            "azurerm_role_assignment",
            name,
            json!({"role_definition_name": role, "principal_type": "ServicePrincipal"}),
            json!({"id": true, "name": true, "principal_id": true, "role_definition_id": true, "scope": true}),
            json!({"scope": refs(&["azurerm_key_vault.v.id", "azurerm_key_vault.v"]),
                   "principal_id": refs(&["azurerm_user_assigned_identity.u.principal_id", "azurerm_user_assigned_identity.u"]),
                   "role_definition_name": {"constant_value": role}}),
        )
    };
    let e = estate(&[
        identity("u"),
        vault("v", json!({"rbac_authorization_enabled": true}), json!({}), json!({})),
        assignment("cmk", "Key Vault Crypto Service Encryption User"),
        assignment("other", "Storage Blob Data Reader"),
    ]);
    let (v, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-v");
    let vault_id = v["id"].as_str().unwrap();
    let (a, _) = find(&e, "Microsoft.Authorization/roleAssignments", "tf-azurerm-role-assignment-cmk");
    assert_eq!(a["properties"]["scope"], json!(vault_id));
    assert_eq!(a["properties"]["principalId"], "tf:azurerm_user_assigned_identity.u.principal_id");
    assert_eq!(
        a["properties"]["roleDefinitionId"],
        "/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6"
    );
    assert!(
        a["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{vault_id}/providers/Microsoft.Authorization/roleAssignments/"))
    );
    let (b, _) = find(&e, "Microsoft.Authorization/roleAssignments", "tf-azurerm-role-assignment-other");
    assert!(unresolved(&b["properties"]["roleDefinitionId"]).unwrap().contains("Storage Blob Data Reader"));
    // That assignment could be anything at the vault: its role assignments are not declared in full.
    assert!(e.coverage.role_assignments.is_empty());
}

#[test]
fn coverage_is_what_the_plan_declares_in_full() {
    let diag = |name: &'static str, target: &[&str]| {
        r(
            "azurerm_monitor_diagnostic_setting",
            name,
            json!({"name": format!("diag-{name}"), "enabled_log": [{"category_group": "audit"}],
                   "log": [{"category": "AuditEvent", "enabled": false}], "metric": [{"category": "AllMetrics", "enabled": true}]}),
            json!({"id": true, "target_resource_id": true}),
            json!({"target_resource_id": refs(target)}),
        )
    };
    let e = estate(&[
        registry("app", json!({}), json!({"id": true}), json!({})),
        vault("rbac", json!({"rbac_authorization_enabled": true}), json!({}), json!({})),
        vault("policies", json!({}), json!({}), json!({})),
        diag("reg", &["azurerm_container_registry.app.id", "azurerm_container_registry.app"]),
    ]);
    let (reg, origin) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let (rbac, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-rbac");
    assert_eq!(e.coverage.diagnostic_settings.len(), 3);
    assert!(e.coverage.diagnostic_settings.contains(&reg["id"].as_str().unwrap().to_string()));
    assert_eq!(e.coverage.role_assignments, [rbac["id"].as_str().unwrap()]);
    let (d, _) = find(&e, "Microsoft.Insights/diagnosticSettings", "diag-reg");
    assert_eq!(
        d["id"],
        json!(format!("{}/providers/Microsoft.Insights/diagnosticSettings/diag-reg", reg["id"].as_str().unwrap()))
    );
    assert_eq!(
        d["properties"]["logs"],
        json!([{"categoryGroup": "audit", "enabled": true}, {"category": "AuditEvent", "enabled": false}])
    );
    assert!(origin.property_lines.contains_key("diagnosticSettings"));

    // A setting whose target is known only after apply could be any registry's or vault's.
    let e =
        estate(&[registry("app", json!({}), json!({"id": true}), json!({})), diag("x", &["module.m.id", "module.m"])]);
    assert!(e.coverage.diagnostic_settings.is_empty());
}

#[test]
fn private_endpoints_connect_their_targets_and_declare_their_zones() {
    let pe = |name: &'static str,
              target: &[&str],
              manual: bool,
              zones: Value,
              zones_unknown: Value,
              zone_expr: Value| {
        r(
            "azurerm_private_endpoint",
            name,
            json!({"name": format!("pe-{name}"), "location": "japaneast", "resource_group_name": "rg",
                   "subnet_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pl",
                   "private_service_connection": [{"name": "psc", "is_manual_connection": manual, "subresource_names": ["registry"]}],
                   "private_dns_zone_group": [{"name": "default", "private_dns_zone_ids": zones}]}),
            json!({"id": true, "private_service_connection": [{"private_connection_resource_id": true}],
                   "private_dns_zone_group": [{"private_dns_zone_ids": zones_unknown}]}),
            json!({"private_service_connection": [{"private_connection_resource_id": refs(target)}],
                   "private_dns_zone_group": [{"private_dns_zone_ids": zone_expr}]}),
        )
    };
    let zone = r(
        "azurerm_private_dns_zone",
        "acr",
        json!({"name": "privatelink.azurecr.io", "resource_group_name": "dns"}),
        json!({"id": true}),
        json!({}),
    );
    let target = ["azurerm_container_registry.app.id", "azurerm_container_registry.app"];
    let zone_ref = refs(&["azurerm_private_dns_zone.acr.id", "azurerm_private_dns_zone.acr"]);
    let e = estate(&[
        registry("app", json!({}), json!({"id": true}), json!({})),
        zone,
        pe("auto", &target, false, json!([null]), json!([true]), zone_ref.clone()),
        pe("manual", &target, true, json!([]), json!([]), json!({"constant_value": []})),
    ]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    let conns = reg["properties"]["privateEndpointConnections"].as_array().unwrap();
    let status: Vec<&str> = conns
        .iter()
        .map(|c| c["properties"]["privateLinkServiceConnectionState"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["Approved", "Pending"]);
    let (auto, _) = find(&e, "Microsoft.Network/privateEndpoints", "pe-auto");
    assert_eq!(conns[0]["properties"]["privateEndpoint"]["id"], auto["id"]);
    let (group, _) = find(&e, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "default");
    assert!(group["id"].as_str().unwrap().starts_with(auto["id"].as_str().unwrap()));
    assert_eq!(
        group["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
    );
    assert_eq!(e.coverage.dns_zone_groups.len(), 2);

    // A zone or a target known only after apply: unknown, not absent.
    let e = estate(&[
        registry("app", json!({}), json!({"id": true}), json!({})),
        pe("x", &["module.m.id", "module.m"], false, json!([null]), json!([true]), refs(&["var.zone"])),
    ]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    assert!(unresolved(&reg["properties"]["privateEndpointConnections"]).unwrap().contains("module.m.id"));
    assert!(e.coverage.dns_zone_groups.is_empty());
    assert!(
        !e.resources
            .iter()
            .any(|r| r.peek().kind.as_deref() == Some("Microsoft.Network/privateEndpoints/privateDnsZoneGroups"))
    );
}

// ---- the plan as a whole ------------------------------------------------------------------------

#[test]
fn deleted_objects_are_not_deployed_but_replaced_and_kept_ones_are() {
    let e = estate(&[
        registry("gone", json!({}), json!({}), json!({})).actions(&["delete"]),
        registry("replaced", json!({}), json!({"id": true}), json!({})).actions(&["delete", "create"]),
        registry(
            "kept",
            json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crkept"}),
            json!({}),
            json!({}),
        )
        .actions(&["no-op"]),
    ]);
    let names: Vec<&str> = e
        .resources
        .iter()
        .filter_map(|r| match &r.body {
            Body::Parsed(v) => v["name"].as_str(),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["crreplaced", "crkept"]);
}

#[test]
fn data_sources_read_while_planning_are_existing_resources() {
    let prior = json!({"prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "data.azurerm_key_vault.existing", "mode": "data", "type": "azurerm_key_vault", "name": "existing",
         "values": {"id": "/subscriptions/2a9f6b1e-4c8d-4e3a-b7f5-91d0c6e2a4b7/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-existing",
                    "name": "kv-existing", "resource_group_name": "rg-kv", "location": "japaneast", "tenant_id": "t",
                    "purge_protection_enabled": true, "enable_rbac_authorization": false, "vault_uri": "https://kv-existing.vault.azure.net/",
                    "access_policy": []}}
    ]}}}});
    let mut k = r(
        "azurerm_key_vault_key",
        "k",
        json!({"name": "key-k", "key_type": "RSA", "key_size": 2048}),
        json!({"id": true, "key_vault_id": false, "versionless_id": true}),
        json!({"key_vault_id": refs(&["data.azurerm_key_vault.existing.id", "data.azurerm_key_vault.existing"])}),
    );
    k.after["key_vault_id"] = json!(
        "/subscriptions/2a9f6b1e-4c8d-4e3a-b7f5-91d0c6e2a4b7/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-existing"
    );
    let e = estate_with(&[k], prior);
    let (v, _) = find(&e, "Microsoft.KeyVault/vaults", "kv-existing");
    assert_eq!(v["properties"]["enablePurgeProtection"], true);
    // Not deployed by the plan: nothing is claimed about its diagnostic settings or connections.
    assert!(e.coverage.diagnostic_settings.is_empty());
    assert!(unresolved(&v["properties"]["privateEndpointConnections"]).is_some());
    let (k, _) = find(&e, "Microsoft.KeyVault/vaults/keys", "key-k");
    assert_eq!(k["properties"]["keyUri"], "https://kv-existing.vault.azure.net/keys/key-k");
}

#[test]
fn the_subscription_comes_from_the_provider_else_the_placeholder() {
    let provider = json!({"configuration": {"provider_config": {"azurerm": {"name": "azurerm", "expressions": {
        "subscription_id": {"references": ["var.subscription_id"]}}}}, "root_module": {"resources": [
        {"address": "azurerm_container_registry.app", "mode": "managed", "type": "azurerm_container_registry", "name": "app", "expressions": {}}]}},
        "variables": {"subscription_id": {"value": "5E1A7C3D-2B4F-4A8E-9D61-0C3B7F2E8A15"}}});
    let e = estate_with(&[registry("app", json!({}), json!({"id": true}), json!({}))], provider);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    assert_eq!(
        reg["id"],
        "/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crapp"
    );
    let e = estate(&[registry("app", json!({}), json!({"id": true}), json!({}))]);
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    assert!(reg["id"].as_str().unwrap().starts_with(&format!("/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/")));
}

#[test]
fn a_plan_without_configuration_leaves_what_is_unknown_unresolved() {
    let text =
        plan_text(&[registry("app", json!({}), json!({"id": true, "admin_enabled": true}), json!({}))], json!({}));
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc.as_object_mut().unwrap().remove("configuration");
    let e = parse(&serde_json::to_string_pretty(&doc).unwrap(), "plan.json").unwrap();
    let (reg, _) = find(&e, "Microsoft.ContainerRegistry/registries", "crapp");
    assert!(unresolved(&reg["properties"]["adminUserEnabled"]).is_some());
}

#[test]
fn the_whole_chain_normalises_and_joins() {
    let e = estate(&[
        identity("u"),
        vault("v", json!({}), json!({}), json!({})),
        key("k", "v", json!({})),
        cmk_registry("versionless_id"),
    ]);
    let inv = crate::normalise::normalise(&e, &Default::default());
    let reg = &inv.registries[0];
    assert_eq!(reg.chain.identity.state, "ok", "{:?}", reg.chain.identity.reason);
    assert_eq!(reg.chain.vault.state, "ok", "{:?}", reg.chain.vault.reason);
    assert_eq!(reg.chain.key.state, "ok", "{:?}", reg.chain.key.reason);
    assert_eq!(reg.chain.principal_id.as_deref(), Some("tf:azurerm_user_assigned_identity.u.principal_id"));
    assert_eq!(reg.diagnostic_settings.as_ref().map(Vec::len), Some(0), "declared in full: none");
}
