//! Terraform plans (`terraform show -json plan.out`) → ARM-shaped resources, so that every rule runs on
//! what a plan will deploy exactly as it runs on a live estate.
//!
//! What is read: the managed resource instances of `resource_changes` that the plan keeps (created,
//! updated, replaced or unchanged; deleted ones are not), their planned values (`change.after`), which
//! of those are known only after apply (`change.after_unknown`) and the configuration's expressions for
//! them; and the `azurerm_key_vault` / `azurerm_user_assigned_identity` data sources that Terraform read
//! while planning (`prior_state`): existing resources the plan uses.
//!
//! Each resource keeps the line of its `resource_changes` entry, and each ARM property the line of the
//! attribute it came from (`properties.adminUserEnabled` → the line of `admin_enabled`), so that a
//! finding points at what causes it. `terraform show -json` writes one line: pretty-print it
//! (`terraform show -json plan.out | jq . > plan.json`) for lines that say something.
//!
//! Mapping decisions (the modules say more):
//!
//! - **Known only after apply** → `{"$unresolved": "known after apply: <address>.<attribute>"}`: the
//!   rules that read it answer unknown. Except where the attribute refers to exactly one attribute of
//!   another resource of the plan that acr-audit can derive (`references.rs`): IDs, identity principal
//!   and client IDs (as symbols), key URIs, vault URIs.
//! - **Not set**: the provider's default, which it sends on create (public network access on, admin
//!   user off, …). An Optional+Computed attribute that the configuration does not set and that is
//!   therefore known only after apply (`network_rule_set`, `encryption`, `access_policy`, v3
//!   `retention_policy`) counts as not set: the service's default is what it will be. (`dynamic`
//!   blocks are not in Terraform's configuration output: one whose `for_each` is itself known only
//!   after apply is taken for absent.)
//! - **IDs**: `/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}`. The subscription is
//!   the azurerm provider's `subscription_id` when the configuration gives it (or the one
//!   `data.azurerm_client_config` read), else the one subscription every known resource ID of the plan
//!   names, else [`PLACEHOLDER_SUBSCRIPTION`] (all zeros).
//!   A name known only after apply (a random suffix) is replaced by a stand-in made of the resource's
//!   address (`tf-azurerm-key-vault-kv`), the same wherever it is used, so that joins still hold.
//! - **Keys** the plan creates have version [`KEY_VERSION`] and were created when the plan was made.
//! - **Coverage**: a plan declares what it deploys together. Every registry and vault it deploys is
//!   listed as having its diagnostic settings read (a missing setting fails, as IaC scanners judge it),
//!   every RBAC vault as having its role assignments read, every private endpoint as having its zone
//!   groups read — except where a setting, assignment or zone group of the plan refers to something
//!   known only after apply, which could be any of them: then they stay unknown. What the plan only
//!   refers to (an existing vault given by ID) is not in the plan: its results are unknown; a vault
//!   read through a data source has unknown private endpoint connections (the data source does not
//!   show them).
//! - **Lines of CMK results** that rest on another resource of the plan point at it: the key's
//!   attributes at the key, the permission at the access policy or role assignment of the CMK
//!   identity (else the vault).

mod arm;
mod identity;
mod key;
mod monitor;
mod network;
mod plan;
mod references;
mod registry;
mod vault;

pub use plan::PLACEHOLDER_SUBSCRIPTION;
pub use references::KEY_VERSION;

use crate::error::Error;
use crate::estate::{Body, Coverage, RawEstate, RawResource};
use crate::inventory::Origin;
use crate::normalise::ids::{parse_key_uri, scope_covers, segment_after};
use arm::Arm;
use plan::{Mode, Plan, Resource};
use references::{Resolver, is_marker, marker};
use serde_json::{Value, json};
use std::path::Path;

pub fn load_file(path: &Path) -> Result<RawEstate, Error> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(
            format!("cannot read Terraform plan {shown}: {e}"),
            "check the path given to --terraform-plan (write it with `terraform show -json plan.out > plan.json`)",
        )
    })?;
    parse(&text, &shown)
}

/// The raw estate a plan (the text of `file`) deploys.
pub fn parse(text: &str, file: &str) -> Result<RawEstate, Error> {
    let plan = plan::read(text, file)?;
    Ok(assemble(&plan))
}

/// One mapped resource and the plan resource it came from.
struct Out<'p> {
    arm: Arm,
    r: &'p Resource,
}

impl Out<'_> {
    fn is(&self, kind: &str) -> bool {
        self.arm.kind() == kind
    }

    fn managed(&self) -> bool {
        self.r.mode == Mode::Managed
    }
}

/// Reasons why coverage cannot be claimed, or a list cannot be complete.
#[derive(Default)]
struct Holes {
    /// A diagnostic setting whose target is known only after apply.
    diagnostics: Option<String>,
    /// A private endpoint whose target is known only after apply.
    endpoints: Option<String>,
    /// An access policy whose vault is known only after apply.
    policies: Option<String>,
}

fn assemble(plan: &Plan) -> RawEstate {
    let rs = Resolver::new(plan);
    let mut out: Vec<Out> = Vec::new();
    let mut holes = Holes::default();
    let mut connections = Vec::new();
    let mut zone_groups_read = Vec::new();
    for r in &plan.resources {
        let managed = r.mode == Mode::Managed;
        match r.kind.as_str() {
            "azurerm_container_registry" if managed => out.push(Out { arm: registry::map(&rs, r), r }),
            "azurerm_key_vault" => out.push(Out { arm: vault::map(&rs, r), r }),
            "azurerm_user_assigned_identity" => out.push(Out { arm: identity::map(&rs, r), r }),
            "azurerm_key_vault_access_policy" if managed => match vault::access_policy(&rs, r) {
                Ok(arm) => out.push(Out { arm, r }),
                Err(why) => {
                    holes.policies.get_or_insert(why);
                }
            },
            // A key whose vault is known only after apply has nowhere to go; the key identifier of a
            // registry that uses it is built from the same vault, and is unknown too.
            "azurerm_key_vault_key" if managed => {
                if let Ok(arm) = key::map(&rs, r) {
                    out.push(Out { arm, r });
                }
            }
            "azurerm_role_assignment" if managed => out.push(Out { arm: identity::role_assignment(&rs, r), r }),
            "azurerm_private_endpoint" if managed => {
                let e = network::map(&rs, r);
                let id = e.endpoint.id().to_string();
                if e.zones_complete {
                    zone_groups_read.push(id.clone());
                }
                connections.extend(e.connections.into_iter().map(|c| (id.clone(), c)));
                out.push(Out { arm: e.endpoint, r });
                if let Some(arm) = e.zone_group {
                    out.push(Out { arm, r });
                }
            }
            "azurerm_monitor_diagnostic_setting" if managed => match monitor::map(&rs, r) {
                Ok(arm) => out.push(Out { arm, r }),
                Err(why) => {
                    holes.diagnostics.get_or_insert(why);
                }
            },
            _ => {}
        }
    }

    attach_connections(&mut out, connections, &mut holes);
    attach_diagnostic_lines(&mut out, plan);
    policy_holes(&mut out, &holes);
    let coverage = coverage(&out, &holes, zone_groups_read);
    chain_lines(&mut out, plan);

    let resources = out
        .into_iter()
        .map(|o| RawResource {
            origin: Some(Origin {
                file: plan.file.clone(),
                line: plan.doc.line(&o.r.pointer),
                property_lines: o.arm.lines,
            }),
            body: Body::Parsed(Value::Object(o.arm.body)),
        })
        .collect();
    RawEstate { resources, coverage, ..Default::default() }
}

fn is_target(o: &Out) -> bool {
    o.is(registry::TYPE) || o.is(vault::TYPE)
}

fn same_id(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Each private endpoint's connection, on the registry or vault of the plan it connects to. One whose
/// target is known only after apply could be any of them: their connections are then unknown.
type Connection = (String, (Result<String, String>, &'static str, Option<usize>));

fn attach_connections(out: &mut [Out], connections: Vec<Connection>, holes: &mut Holes) {
    let path = "properties.privateEndpointConnections";
    for (endpoint, (target, status, line)) in connections {
        match target {
            Ok(target) => {
                if let Some(o) = out.iter_mut().find(|o| is_target(o) && same_id(o.arm.id(), &target)) {
                    let name = endpoint.rsplit('/').next().unwrap_or_default();
                    o.arm.push(
                        path,
                        json!({
                            "id": format!("{}/privateEndpointConnections/{name}", o.arm.id()),
                            "properties": {
                                "privateEndpoint": {"id": endpoint},
                                "privateLinkServiceConnectionState": {"status": status},
                            }
                        }),
                    );
                    o.arm.line(path, line);
                }
            }
            Err(why) => {
                holes.endpoints.get_or_insert(why);
            }
        }
    }
    for o in out.iter_mut().filter(|o| is_target(o)) {
        if let Some(why) = &holes.endpoints {
            o.arm.set(path, marker(why));
        } else if !o.managed() && o.arm.get(path).is_none() {
            // A vault data source does not show the connections the vault has.
            let why = format!(
                "{} is read through a data source, which does not show its private endpoint connections",
                o.r.address
            );
            o.arm.set(path, marker(&why));
        }
    }
}

/// The parent a diagnostic setting's ID hangs off.
fn setting_target(id: &str) -> Option<&str> {
    let lower = id.to_ascii_lowercase();
    lower.rfind("/providers/microsoft.insights/diagnosticsettings/").map(|i| &id[..i])
}

/// A registry's or vault's `diagnosticSettings` line: its first diagnostic setting in the plan.
fn attach_diagnostic_lines(out: &mut [Out], plan: &Plan) {
    let settings: Vec<(String, Option<usize>)> = out
        .iter()
        .filter(|o| o.is(monitor::TYPE))
        .filter_map(|o| Some((setting_target(o.arm.id())?.to_string(), plan.doc.line(&o.r.pointer))))
        .collect();
    for (target, line) in settings {
        if let Some(o) = out.iter_mut().find(|o| is_target(o) && same_id(o.arm.id(), &target)) {
            o.arm.line("diagnosticSettings", line);
        }
    }
}

/// Access policies that name a principal known only after apply make their vault's list unknown; one
/// whose vault is known only after apply makes every vault's list unknown.
fn policy_holes(out: &mut [Out], holes: &Holes) {
    let path = "properties.accessPolicies";
    let unknown: Vec<(String, String)> = out
        .iter()
        .filter(|o| o.is(vault::POLICY_TYPE))
        .filter_map(|o| {
            let why = o.arm.get(path).filter(|v| is_marker(v))?;
            let vault = o.arm.id().rsplit_once("/accessPolicies/")?.0.to_string();
            Some((vault, why.get(crate::estate::UNRESOLVED_KEY)?.as_str()?.to_string()))
        })
        .collect();
    for o in out.iter_mut().filter(|o| o.is(vault::TYPE)) {
        if let Some(why) = &holes.policies {
            o.arm.set(path, marker(why));
        } else if let Some((_, why)) = unknown.iter().find(|(v, _)| same_id(v, o.arm.id())) {
            o.arm.set(path, marker(why));
        }
    }
}

/// What the plan declares in full (see the module documentation).
fn coverage(out: &[Out], holes: &Holes, zone_groups_read: Vec<String>) -> Coverage {
    let deployed = |kind: &'static str| out.iter().filter(move |o| o.managed() && o.is(kind));
    let diagnostic_settings = match holes.diagnostics {
        Some(_) => Vec::new(),
        None => deployed(registry::TYPE).chain(deployed(vault::TYPE)).map(|o| o.arm.id().to_string()).collect(),
    };
    // Role assignments that could apply to a vault but name a principal, role or scope known only
    // after apply: that vault's list is not complete.
    let mut all_open = false;
    let mut open: Vec<String> = Vec::new();
    for a in out.iter().filter(|o| o.is(identity::ROLE_ASSIGNMENT_TYPE)) {
        let field = |k: &str| a.arm.get(&format!("properties.{k}"));
        match field("scope").and_then(Value::as_str) {
            None => all_open = true,
            Some(scope) if ["principalId", "roleDefinitionId"].iter().any(|k| field(k).is_none_or(is_marker)) => {
                open.push(scope.to_ascii_lowercase())
            }
            Some(_) => {}
        }
    }
    let role_assignments = if all_open {
        Vec::new()
    } else {
        deployed(vault::TYPE)
            .filter(|o| o.arm.get("properties.enableRbacAuthorization") == Some(&Value::Bool(true)))
            .map(|o| o.arm.id().to_string())
            .filter(|id| {
                let lower = id.to_ascii_lowercase();
                !open.iter().any(|s| scope_covers(s, &lower) || s.starts_with(&format!("{lower}/")))
            })
            .collect()
    };
    Coverage { diagnostic_settings, role_assignments, dns_zone_groups: zone_groups_read }
}

/// Lines for the CMK results on a registry that rest on other resources of the plan: the key's
/// attributes (`attributes.exp`, `kty`, `rotationPolicy.lifetimeActions`, …) point at the key, the
/// permission checks at the access policy or role assignment of the CMK identity (else the vault).
fn chain_lines(out: &mut [Out], plan: &Plan) {
    let resource_line = |o: &Out| plan.doc.line(&o.r.pointer);
    let mut found: Vec<(usize, Vec<(&'static str, usize)>)> = Vec::new();
    for (i, reg) in out.iter().enumerate().filter(|(_, o)| o.is(registry::TYPE)) {
        let kvp = "properties.encryption.keyVaultProperties";
        let Some(k) = reg.arm.get(&format!("{kvp}.keyIdentifier")).and_then(Value::as_str).and_then(parse_key_uri)
        else {
            continue;
        };
        let mut lines = Vec::new();
        let in_vault = |o: &Out| segment_after(o.arm.id(), "vaults").is_some_and(|v| v.eq_ignore_ascii_case(&k.vault));
        if let Some(key) = out.iter().find(|o| {
            o.is(key::TYPE)
                && in_vault(o)
                && o.arm.body["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(&k.name))
        }) {
            let own = |p: &str| key.arm.lines.get(p).copied().or_else(|| resource_line(key));
            for (reg_path, key_path) in [
                ("attributes.exp", "properties.attributes.exp"),
                ("attributes.nbf", "properties.attributes.nbf"),
                ("attributes.enabled", "properties.attributes.enabled"),
                ("attributes.created", "properties.attributes.created"),
                ("kty", "properties.kty"),
                ("keySize", "properties.keySize"),
                ("rotationPolicy.lifetimeActions", "properties.rotationPolicy.lifetimeActions"),
            ] {
                let line = if reg_path.starts_with("rotation") {
                    key.arm
                        .lines
                        .get(key_path)
                        .or_else(|| key.arm.lines.get("properties.rotationPolicy"))
                        .copied()
                        .or_else(|| resource_line(key))
                } else {
                    own(key_path)
                };
                lines.extend(line.map(|l| (reg_path, l)));
            }
        }
        let principal = reg
            .arm
            .get(&format!("{kvp}.identity"))
            .and_then(Value::as_str)
            .and_then(|client| {
                out.iter().find(|o| {
                    o.is(identity::TYPE)
                        && o.arm
                            .get("properties.clientId")
                            .and_then(Value::as_str)
                            .is_some_and(|c| c.eq_ignore_ascii_case(client))
                })
            })
            .and_then(|u| u.arm.get("properties.principalId").and_then(Value::as_str));
        if let Some(vault) = out.iter().find(|o| {
            o.is(vault::TYPE) && o.arm.body["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(&k.vault))
        }) {
            let vault_id = vault.arm.id().to_ascii_lowercase();
            let names = |o: &Out, path: &str| {
                principal
                    .is_some_and(|p| o.arm.get(path).and_then(Value::as_str).is_some_and(|x| x.eq_ignore_ascii_case(p)))
            };
            let policy = out.iter().find(|o| {
                o.is(vault::POLICY_TYPE)
                    && o.arm.id().to_ascii_lowercase().starts_with(&format!("{vault_id}/accesspolicies/"))
                    && names(o, "properties.accessPolicies.0.objectId")
            });
            let assignment = out.iter().find(|o| {
                o.is(identity::ROLE_ASSIGNMENT_TYPE)
                    && names(o, "properties.principalId")
                    && o.arm.get("properties.scope").and_then(Value::as_str).is_some_and(|s| {
                        let s = s.to_ascii_lowercase();
                        scope_covers(&s, &vault_id) || s.starts_with(&format!("{vault_id}/"))
                    })
            });
            let vault_line = |p: &str| vault.arm.lines.get(p).copied().or_else(|| resource_line(vault));
            lines.extend(
                policy
                    .and_then(resource_line)
                    .or_else(|| vault_line("properties.accessPolicies"))
                    .map(|l| ("properties.accessPolicies", l)),
            );
            lines.extend(
                assignment
                    .and_then(resource_line)
                    .or_else(|| vault_line("properties.enableRbacAuthorization"))
                    .map(|l| ("properties.enableRbacAuthorization", l)),
            );
        }
        found.push((i, lines));
    }
    for (i, lines) in found {
        for (path, line) in lines {
            out[i].arm.line(path, Some(line));
        }
    }
}

#[cfg(test)]
mod tests;
