//! Values known only after apply, resolved through the configuration's references where acr-audit can
//! derive them deterministically, so that the joins between resources (registry → identity → vault →
//! key) hold inside a plan:
//!
//! - an attribute whose expression refers to exactly one attribute of another resource of the plan
//!   takes that attribute's value: the planned value when it is known (a resource the plan keeps, a
//!   data source), else the value acr-audit synthesises for it (below);
//! - synthesised: `id` of the resource types acr-audit knows (the ARM ID from subscription, resource
//!   group and name), `principal_id` / `client_id` of a user-assigned identity (the stable symbol
//!   `tf:<address>.principal_id`, which the identity itself carries too), a key's `id` /
//!   `versionless_id` (`https://{vault}.vault.azure.net/keys/{name}[/{KEY_VERSION}]`), a vault's
//!   `vault_uri`, and `name` / `resource_group_name` / `location`;
//! - references are relative to the module the resource is in; `var.`, `local.`, other modules'
//!   outputs and anything else stay unresolved, and so does an expression that combines references.
//!
//! Whatever stays unresolved becomes `{"$unresolved": "known after apply: <address>.<attribute>"}`, and
//! the rules that read it answer unknown.

use super::plan::{Expr, Look, Plan, Resource, display};
use crate::normalise::ids::segment_after;
use serde_json::{Value, json};
use std::cell::Cell;

/// The version of every key the plan creates: Key Vault assigns the real one when the key is created.
/// A fixed value keeps a registry that pins `azurerm_key_vault_key.X.id` on the key's current version.
pub const KEY_VERSION: &str = "00000000000000000000000000000000";

/// What an attribute resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Value(Value),
    /// Not set: the provider's or the service's default applies.
    Absent,
    /// Known only after apply, and not derivable; the reason says what.
    Unresolved(String),
}

/// Which references may stand in for an attribute: resource types (empty: any) and their attributes.
#[derive(Debug, Clone, Copy)]
pub struct Accept<'a> {
    pub kinds: &'a [&'a str],
    pub attrs: &'a [&'a str],
}

impl Accept<'_> {
    pub const NONE: Accept<'static> = Accept { kinds: &[], attrs: &[] };

    fn takes(&self, t: &Target) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&t.kind.as_str())) && self.attrs.contains(&t.attr.as_str())
    }
}

/// What a reference names: `[data.]type.name[index].attr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub data: bool,
    pub kind: String,
    pub name: String,
    pub index: Option<Value>,
    /// The attribute path after the instance (`id`, `identity[0].principal_id`); empty for the
    /// instance itself.
    pub attr: String,
}

/// A resource reference of the configuration, or `None` for anything else (`var.x`, `local.x`,
/// `module.m.out`, `each.value`, `count.index`, `path.module`, …).
pub fn parse_ref(s: &str) -> Option<Target> {
    const OTHER: [&str; 9] = ["var", "local", "module", "each", "count", "path", "terraform", "self", "ephemeral"];
    let (data, rest) = match s.strip_prefix("data.") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (kind, rest) = rest.split_once('.')?;
    if OTHER.contains(&kind) || kind.is_empty() {
        return None;
    }
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    let name = &rest[..end];
    if name.is_empty() {
        return None;
    }
    let mut rest = &rest[end..];
    let mut index = None;
    if rest.starts_with('[') {
        let after = super::plan::after_index(rest);
        let key = &rest[1..rest.len() - after.len() - 1];
        index = Some(serde_json::from_str::<Value>(key).ok()?);
        rest = after;
    }
    let attr = rest.strip_prefix('.').unwrap_or(rest);
    Some(Target { data, kind: kind.to_string(), name: name.to_string(), index, attr: attr.to_string() })
}

/// The references of an expression that nothing else in the list extends: Terraform lists every step
/// of a traversal (`azurerm_key_vault_key.k.id`, then `azurerm_key_vault_key.k`), and only the longest
/// says what the expression reads. Order of first appearance is kept.
pub fn leaves(expr: &Value) -> Vec<String> {
    let refs: Vec<&str> =
        expr.get("references").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out: Vec<String> = Vec::new();
    for r in &refs {
        let extended =
            refs.iter().any(|o| o.len() > r.len() && o.starts_with(r) && matches!(o.as_bytes()[r.len()], b'.' | b'['));
        if !extended && !out.iter().any(|x| x == r) {
            out.push(r.to_string());
        }
    }
    out
}

/// Resolves attributes of the plan's resources, following references and synthesising what can be.
pub struct Resolver<'p> {
    pub plan: &'p Plan,
    depth: Cell<u8>,
}

impl<'p> Resolver<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Resolver { plan, depth: Cell::new(0) }
    }

    /// A scalar attribute: its planned value; or, known only after apply, the one reference its
    /// expression makes (when `accept` takes it and it can be derived); or absent when the
    /// configuration does not set it (the provider's or service's default).
    pub fn value(&self, r: &Resource, path: &str, accept: Accept) -> Resolved {
        match r.look(path) {
            Look::Known(v) => return Resolved::Value(v.clone()),
            Look::Absent => return Resolved::Absent,
            Look::Unknown => {}
        }
        match r.expression(path) {
            Expr::Unset => Resolved::Absent,
            Expr::NoConfig | Expr::Block => Resolved::Unresolved(reason(r, path, &[])),
            Expr::Own(expr) => {
                let l = leaves(expr);
                match l.as_slice() {
                    [one] => match parse_ref(one).filter(|t| accept.takes(t)) {
                        Some(t) => self.follow(r, &t).map_or_else(
                            |why| Resolved::Unresolved(format!("{} ({why})", reason(r, path, &l))),
                            Resolved::Value,
                        ),
                        None => Resolved::Unresolved(reason(r, path, &l)),
                    },
                    _ => Resolved::Unresolved(reason(r, path, &l)),
                }
            }
            Expr::Merged { expr, block, rest } => self.merged(r, path, expr, &block, &rest, accept),
        }
    }

    /// An attribute inside a block that Terraform lists as one expression (`encryption`,
    /// `access_policy`): the references that `accept` takes are matched, in order, with the entries of
    /// the block whose attribute is unknown; when their numbers differ it stays unresolved.
    fn merged(&self, r: &Resource, path: &str, expr: &Value, block: &str, rest: &str, accept: Accept) -> Resolved {
        let l = leaves(expr);
        let why = || {
            let mut s = reason(r, path, &[]);
            if !l.is_empty() {
                s.push_str(&format!(" ({} refers to {})", display(block), l.join(", ")));
            }
            s
        };
        let unresolved = || Resolved::Unresolved(why());
        let Some((index, field)) = rest.split_once('.').and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f))) else {
            return unresolved();
        };
        let entries = match r.look(block) {
            Look::Known(Value::Array(a)) => a.len(),
            _ => 1,
        };
        let unknown: Vec<usize> =
            (0..entries).filter(|j| r.look(&format!("{block}.{j}.{field}")) == Look::Unknown).collect();
        let candidates = self.unknown_targets(r, &l, accept);
        match unknown.iter().position(|j| *j == index) {
            Some(pos) if candidates.len() == unknown.len() => self
                .follow(r, &candidates[pos])
                .map_or_else(|e| Resolved::Unresolved(format!("{} ({e})", reason(r, path, &[]))), Resolved::Value),
            _ => unresolved(),
        }
    }

    /// A list attribute (`identity_ids`, `private_dns_zone_ids`): its known elements, with those known
    /// only after apply taken from the references of its expression, in order.
    pub fn list(&self, r: &Resource, path: &str, accept: Accept) -> Resolved {
        let expr = match r.expression(path) {
            Expr::Own(e) | Expr::Merged { expr: e, .. } => Some(e),
            _ => None,
        };
        let l = expr.map(leaves).unwrap_or_default();
        let unresolved = || Resolved::Unresolved(reason(r, path, &l));
        match r.look(path) {
            Look::Absent => Resolved::Absent,
            Look::Known(Value::Array(items)) => {
                let flags = r.unknown_at(path).and_then(Value::as_array);
                let unknown: Vec<usize> =
                    (0..items.len()).filter(|i| flags.and_then(|f| f.get(*i)) == Some(&Value::Bool(true))).collect();
                if unknown.is_empty() {
                    return Resolved::Value(Value::Array(items.clone()));
                }
                // The unknown elements, in order, from the references whose values are unknown.
                let candidates = self.unknown_targets(r, &l, accept);
                if candidates.len() != unknown.len() {
                    return unresolved();
                }
                let mut out = items.clone();
                for (i, t) in unknown.into_iter().zip(&candidates) {
                    match self.follow(r, t) {
                        Ok(v) => out[i] = v,
                        Err(why) => return Resolved::Unresolved(format!("{} ({why})", reason(r, path, &l))),
                    }
                }
                Resolved::Value(Value::Array(out))
            }
            Look::Known(other) => Resolved::Value(other.clone()),
            Look::Unknown => match r.expression(path) {
                Expr::Unset => Resolved::Absent,
                // Wholly unknown: every element must come from a reference `accept` takes.
                Expr::Own(_) if !l.is_empty() && l.iter().all(|s| parse_ref(s).is_some_and(|t| accept.takes(&t))) => {
                    let mut out = Vec::new();
                    for t in l.iter().filter_map(|s| parse_ref(s)) {
                        match self.follow(r, &t) {
                            Ok(v) => out.push(v),
                            Err(why) => return Resolved::Unresolved(format!("{} ({why})", reason(r, path, &l))),
                        }
                    }
                    Resolved::Value(Value::Array(out))
                }
                _ => unresolved(),
            },
        }
    }

    /// The references `accept` takes whose values are known only after apply, in order: those that
    /// can be what an unknown attribute (or list element) holds. A reference to a value the plan
    /// knows (a data source, a resource it keeps) fills a known attribute, not an unknown one.
    fn unknown_targets(&self, from: &Resource, leaves: &[String], accept: Accept) -> Vec<Target> {
        leaves
            .iter()
            .filter_map(|s| parse_ref(s))
            .filter(|t| accept.takes(t))
            .filter(|t| {
                let known = self
                    .plan
                    .find(&from.module, t.data, &t.kind, &t.name, t.index.as_ref())
                    .is_some_and(|target| matches!(target.look(&t.attr), Look::Known(_)));
                !known
            })
            .collect()
    }

    /// A string attribute, or why not.
    pub fn string(&self, r: &Resource, path: &str, accept: Accept) -> Result<String, String> {
        match self.value(r, path, accept) {
            Resolved::Value(Value::String(s)) => Ok(s),
            Resolved::Value(other) => Err(format!("{}.{} is not a string: {other}", r.address, display(path))),
            Resolved::Absent => Err(format!("{}.{} is not set", r.address, display(path))),
            Resolved::Unresolved(why) => Err(why),
        }
    }

    /// The attribute a reference names, on the resource it names (in the same module).
    fn follow(&self, from: &Resource, t: &Target) -> Result<Value, String> {
        let shown = if t.attr.is_empty() {
            format!("{}.{}", t.kind, t.name)
        } else {
            format!("{}.{}.{}", t.kind, t.name, t.attr)
        };
        let target = self
            .plan
            .find(&from.module, t.data, &t.kind, &t.name, t.index.as_ref())
            .ok_or_else(|| format!("{shown} is not in the plan"))?;
        self.attribute(target, &t.attr)
    }

    /// An attribute of a resource: its planned value when known, else what acr-audit synthesises.
    pub fn attribute(&self, r: &Resource, attr: &str) -> Result<Value, String> {
        if let Look::Known(v) = r.look(attr) {
            return Ok(v.clone());
        }
        let depth = self.depth.get();
        if depth > 12 {
            return Err(format!("{}.{attr}: references nest too deeply", r.address));
        }
        self.depth.set(depth + 1);
        let out = self.synthesise(r, attr);
        self.depth.set(depth);
        out
    }

    fn synthesise(&self, r: &Resource, attr: &str) -> Result<Value, String> {
        let text = |s: String| Ok(Value::String(s));
        match (r.kind.as_str(), attr) {
            (_, "id") => self.tf_id(r).map(Value::String),
            (_, "name") => text(self.name(r)),
            (_, "resource_group_name") => self.resource_group(r).map(Value::String),
            (_, "location") => self.string(r, "location", LOCATION).map(Value::String),
            ("azurerm_user_assigned_identity", "principal_id" | "client_id") => text(symbol(r, attr)),
            ("azurerm_key_vault", "vault_uri") => text(format!("https://{}.{}/", self.name(r), self.plan.vault_suffix)),
            ("azurerm_key_vault_key", "versionless_id") => self.key_uri(r, false).map(Value::String),
            ("azurerm_key_vault_key", "version") => text(KEY_VERSION.to_string()),
            ("azurerm_key_vault_key", "resource_versionless_id") => self.arm_id(r).map(Value::String),
            ("azurerm_key_vault_key", "resource_id") => text(format!("{}/versions/{KEY_VERSION}", self.arm_id(r)?)),
            _ => Err(format!("{}.{attr} is known only after apply", r.address)),
        }
    }

    /// The resource's `name`: as planned, else a stand-in derived from its address, the same wherever
    /// it is used (so that IDs built from it still join).
    pub fn name(&self, r: &Resource) -> String {
        match self.value(r, "name", Accept { kinds: &[], attrs: &["name"] }) {
            Resolved::Value(Value::String(s)) if !s.is_empty() => s,
            _ => stand_in(&r.address),
        }
    }

    fn resource_group(&self, r: &Resource) -> Result<String, String> {
        match self.value(r, "resource_group_name", Accept { kinds: &["azurerm_resource_group"], attrs: &["name"] }) {
            Resolved::Value(Value::String(s)) if !s.is_empty() => Ok(s),
            Resolved::Absent => Err(format!("{} has no resource_group_name", r.address)),
            _ => Ok(format!("{}-rg", stand_in(&r.address))),
        }
    }

    /// Terraform's own `id` of a resource: the ARM ID, except for the types whose provider uses
    /// another identifier.
    fn tf_id(&self, r: &Resource) -> Result<String, String> {
        match r.kind.as_str() {
            "azurerm_key_vault_key" => self.key_uri(r, true),
            "azurerm_monitor_diagnostic_setting" => {
                Ok(format!("{}|{}", self.string(r, "target_resource_id", ANY_ID)?, self.name(r)))
            }
            "azurerm_key_vault_access_policy" => Ok(format!(
                "{}/objectId/{}",
                self.string(r, "key_vault_id", VAULT_ID)?,
                self.string(r, "object_id", PRINCIPAL)?
            )),
            _ => self.arm_id(r),
        }
    }

    /// The ARM ID of a resource of the plan: its planned `id` when known, else built from the
    /// subscription, resource group and name (and, for child resources, the parent's ID).
    pub fn arm_id(&self, r: &Resource) -> Result<String, String> {
        if r.kind != "azurerm_key_vault_key"
            && r.kind != "azurerm_monitor_diagnostic_setting"
            && r.kind != "azurerm_key_vault_access_policy"
            && let Look::Known(Value::String(id)) = r.look("id")
        {
            return Ok(id.clone());
        }
        let sub = &self.plan.subscription;
        let name = self.name(r);
        let in_group = |provider: &str| -> Result<String, String> {
            Ok(format!("/subscriptions/{sub}/resourceGroups/{}/providers/{provider}/{name}", self.resource_group(r)?))
        };
        match r.kind.as_str() {
            "azurerm_resource_group" => Ok(format!("/subscriptions/{sub}/resourceGroups/{name}")),
            "azurerm_key_vault_key" => match r.look("resource_versionless_id") {
                Look::Known(Value::String(id)) => Ok(id.clone()),
                _ => Ok(format!("{}/keys/{name}", self.string(r, "key_vault_id", VAULT_ID)?)),
            },
            "azurerm_key_vault_access_policy" => {
                Ok(format!("{}/accessPolicies/{}", self.string(r, "key_vault_id", VAULT_ID)?, stand_in(&r.address)))
            }
            "azurerm_role_assignment" => Ok(format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
                self.string(r, "scope", ANY_ID)?.trim_end_matches('/')
            )),
            "azurerm_monitor_diagnostic_setting" => Ok(format!(
                "{}/providers/Microsoft.Insights/diagnosticSettings/{name}",
                self.string(r, "target_resource_id", ANY_ID)?.trim_end_matches('/')
            )),
            "azurerm_subnet" => {
                let vnet = self.string(
                    r,
                    "virtual_network_name",
                    Accept { kinds: &["azurerm_virtual_network"], attrs: &["name"] },
                )?;
                in_group(&format!("Microsoft.Network/virtualNetworks/{vnet}/subnets"))
            }
            kind => match arm_type(kind) {
                Some(provider) => in_group(provider),
                None => Err(format!("{}.id is known only after apply", r.address)),
            },
        }
    }

    /// A key's URI in the data plane: `https://{vault}.vault.azure.net/keys/{name}[/{version}]`.
    fn key_uri(&self, r: &Resource, versioned: bool) -> Result<String, String> {
        let vault_id = self.string(r, "key_vault_id", VAULT_ID)?;
        let vault = segment_after(&vault_id, "vaults")
            .ok_or_else(|| format!("{}.key_vault_id is not a vault ID: {vault_id}", r.address))?;
        let base = format!("https://{vault}.{}/keys/{}", self.plan.vault_suffix, self.name(r));
        if !versioned {
            return Ok(base);
        }
        let version = match r.look("version") {
            Look::Known(Value::String(v)) => v.clone(),
            _ => KEY_VERSION.to_string(),
        };
        Ok(format!("{base}/{version}"))
    }
}

/// The ARM type of the azurerm resource types whose ID is `…/resourceGroups/{rg}/providers/{type}/{name}`.
pub fn arm_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "azurerm_container_registry" => "Microsoft.ContainerRegistry/registries",
        "azurerm_key_vault" => "Microsoft.KeyVault/vaults",
        "azurerm_user_assigned_identity" => "Microsoft.ManagedIdentity/userAssignedIdentities",
        "azurerm_private_endpoint" => "Microsoft.Network/privateEndpoints",
        "azurerm_private_dns_zone" => "Microsoft.Network/privateDnsZones",
        "azurerm_virtual_network" => "Microsoft.Network/virtualNetworks",
        "azurerm_log_analytics_workspace" => "Microsoft.OperationalInsights/workspaces",
        "azurerm_storage_account" => "Microsoft.Storage/storageAccounts",
        "azurerm_eventhub_namespace" => "Microsoft.EventHub/namespaces",
        _ => return None,
    })
}

/// References that may stand for an ARM ID: the `id` of any resource.
pub const ANY_ID: Accept<'static> = Accept { kinds: &[], attrs: &["id"] };
pub const VAULT_ID: Accept<'static> = Accept { kinds: &["azurerm_key_vault"], attrs: &["id"] };
/// The principal (object) ID of a user-assigned identity.
pub const PRINCIPAL: Accept<'static> = Accept { kinds: &["azurerm_user_assigned_identity"], attrs: &["principal_id"] };
pub const LOCATION: Accept<'static> = Accept { kinds: &[], attrs: &["location"] };

/// The symbol that stands for an identity's principal or client ID until Azure assigns it.
pub fn symbol(r: &Resource, attr: &str) -> String {
    format!("tf:{}.{attr}", r.address)
}

/// A name for a resource whose name is known only after apply: `tf-` and its address, in the
/// characters every Azure name allows.
pub fn stand_in(address: &str) -> String {
    let mut out = String::from("tf-");
    for c in address.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `known after apply: <address>.<attribute>`, and what its expression refers to.
pub fn reason(r: &Resource, path: &str, refs: &[String]) -> String {
    let mut s = format!("known after apply: {}.{}", r.address, display(path));
    if !refs.is_empty() {
        s.push_str(&format!(" = {}", refs.join(", ")));
    }
    s
}

/// The marker for a value the plan does not determine.
pub fn marker(why: &str) -> Value {
    json!({ crate::estate::UNRESOLVED_KEY: why })
}

/// Whether a value is the unresolved marker.
pub fn is_marker(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.contains_key(crate::estate::UNRESOLVED_KEY))
}

impl Resolved {
    /// The value as it goes into the ARM JSON: converted when known, the marker when unresolved.
    pub fn into_arm(self, convert: impl FnOnce(Value) -> Value) -> Option<Value> {
        match self {
            Resolved::Value(v) => Some(convert(v)),
            Resolved::Absent => None,
            Resolved::Unresolved(why) => Some(marker(&why)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_resources_data_sources_and_their_instances() {
        let t = parse_ref("azurerm_key_vault_key.cmk.versionless_id").unwrap();
        assert_eq!(
            (t.kind.as_str(), t.name.as_str(), t.attr.as_str(), t.data),
            ("azurerm_key_vault_key", "cmk", "versionless_id", false)
        );
        let t = parse_ref("data.azurerm_key_vault.existing.id").unwrap();
        assert!(t.data && t.kind == "azurerm_key_vault" && t.attr == "id");
        let t = parse_ref(r#"azurerm_user_assigned_identity.u["a.b"].principal_id"#).unwrap();
        assert_eq!(t.index, Some(json!("a.b")));
        assert_eq!(t.attr, "principal_id");
        let t = parse_ref("azurerm_user_assigned_identity.u[0]").unwrap();
        assert_eq!((t.index, t.attr.as_str()), (Some(json!(0)), ""));
        for other in ["var.key_id", "local.x", "module.kv.key_id", "each.value", "count.index", "path.module"] {
            assert_eq!(parse_ref(other), None, "{other}");
        }
    }

    #[test]
    fn only_the_longest_step_of_each_traversal_counts() {
        let e = json!({"references": [
            "azurerm_key_vault_key.k.id", "azurerm_key_vault_key.k",
            "azurerm_user_assigned_identity.u[0].client_id", "azurerm_user_assigned_identity.u[0]", "azurerm_user_assigned_identity.u",
            "var.x", "azurerm_key_vault_key.kk"
        ]});
        assert_eq!(
            leaves(&e),
            [
                "azurerm_key_vault_key.k.id",
                "azurerm_user_assigned_identity.u[0].client_id",
                "var.x",
                "azurerm_key_vault_key.kk"
            ]
        );
        assert!(leaves(&json!({"constant_value": "x"})).is_empty());
    }

    #[test]
    fn stand_in_names_keep_to_safe_characters() {
        assert_eq!(stand_in(r#"module.acr["prod"].azurerm_key_vault.kv"#), "tf-module-acr-prod-azurerm-key-vault-kv");
    }
}
