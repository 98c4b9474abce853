//! The customer-managed-key chain, link by link: registry → identity (by clientId) → vault (by the
//! key identifier's host) → key. Each link is `ok`, `broken` (a source established it is broken) or
//! `unknown` (what decides it was not visible), with the reason. The CMK rules read these verdicts
//! and judge what hangs off them (permissions, key attributes); resolving the joins once here keeps
//! every rule consistent and keeps the rules fast on large estates.

use crate::inventory::{Chain, ChainIdentity, Inventory, KeyAttributes, Link, Registry, Vault};
use std::collections::BTreeMap;

pub fn resolve(inv: &mut Inventory) {
    let vaults = &inv.vaults;
    let deployment = super::registry::normalise_location(crate::inventory::DEPLOYMENT_LOCATION);
    for reg in &mut inv.registries {
        // A template's `[resourceGroup().location]` beside a named region: which region it is, only the
        // deployment decides (two of them are the same region).
        if let Some(v) = reg.encryption.key.as_ref().and_then(|k| vaults.get(&k.vault))
            && let Some(vault_location) = &v.location
            && (reg.location == deployment) != (*vault_location == deployment)
        {
            reg.unknown.insert(
                "location".into(),
                "one of the registry and its vault is deployed to its resource group's region, which only the deployment decides".into(),
            );
        }
        let identity = identity(reg);
        let vault = vault(reg, vaults);
        let key = key(reg, vaults, &vault);
        let principal_id = identity.identity.as_ref().and_then(|i| i.principal_id.clone());
        let attrs = if key.state == "ok" { attributes(reg, vaults) } else { None };
        reg.chain = Chain { identity, vault, key, principal_id, attrs };
    }
}

fn ok() -> Link {
    Link { state: "ok", reason: None, identity: None }
}

fn broken(reason: String) -> Link {
    Link { state: "broken", reason: Some(reason), identity: None }
}

fn unknown(reason: String) -> Link {
    Link { state: "unknown", reason: Some(reason), identity: None }
}

fn identity(reg: &Registry) -> Link {
    let Some(ident) = &reg.identity else {
        return unknown("the registry's identity block is not in the input".into());
    };
    let Some(cid) = &reg.encryption.identity_client_id else {
        return broken("keyVaultProperties.identity (the clientId of the CMK identity) is not set".into());
    };
    if let Some(u) = ident.user_assigned.iter().find(|u| u.client_id.as_ref() == Some(cid)) {
        let identity = ChainIdentity {
            kind: "user-assigned",
            id: u.id.clone(),
            principal_id: u.principal_id.clone(),
            client_id: u.client_id.clone(),
        };
        return Link { identity: Some(identity), ..ok() };
    }
    if ident.system_assigned && ident.system_principal_id.as_ref() == Some(cid) {
        let identity = ChainIdentity {
            kind: "system-assigned",
            id: "system".into(),
            principal_id: Some(cid.clone()),
            client_id: Some(cid.clone()),
        };
        return Link { identity: Some(identity), ..ok() };
    }
    if ident.system_assigned {
        return unknown("the registry has a system-assigned identity whose clientId ARM does not report".into());
    }
    if let Some(u) = ident.user_assigned.iter().find(|u| u.client_id.is_none()) {
        return unknown(format!("the clientId of user-assigned identity {} is not in the input", u.id));
    }
    broken(format!("no identity attached to the registry has clientId {cid}"))
}

fn vault(reg: &Registry, vaults: &BTreeMap<String, Vault>) -> Link {
    let Some(k) = &reg.encryption.key else {
        return unknown("the key identifier is not a Key Vault key URI".into());
    };
    let outside = || unknown(format!("vault {} is not in the scanned data: outside what could be read", k.vault));
    let Some(v) = vaults.get(&k.vault) else { return outside() };
    if v.exists == Some(false) {
        return broken(format!("vault {} does not exist", k.vault));
    }
    if let Some(why) = &v.unreadable {
        return unknown(format!("vault {} not readable: {why}", k.vault));
    }
    if !v.described { outside() } else { ok() }
}

fn key(reg: &Registry, vaults: &BTreeMap<String, Vault>, vault: &Link) -> Link {
    if vault.state != "ok" {
        return Link { state: vault.state, reason: vault.reason.clone(), identity: None };
    }
    let Some(k) = &reg.encryption.key else { return unknown("the key identifier is not a Key Vault key URI".into()) };
    let Some(key) = vaults.get(&k.vault).and_then(|v| v.keys.get(&k.name)) else {
        return unknown(format!("key {} in vault {} is not in the scanned data", k.name, k.vault));
    };
    if key.exists == Some(false) {
        return broken(format!("key {} does not exist in vault {}", k.name, k.vault));
    }
    if let Some(why) = &key.unreadable {
        return unknown(format!("key {} not readable: {why}", k.name));
    }
    if key.exists.is_none() {
        return unknown(format!("key {} in vault {} was not read", k.name, k.vault));
    }
    ok()
}

fn attributes(reg: &Registry, vaults: &BTreeMap<String, Vault>) -> Option<KeyAttributes> {
    let k = reg.encryption.key.as_ref()?;
    let key = vaults.get(&k.vault)?.keys.get(&k.name)?;
    if let Some(ver) = &k.version
        && let Some(v) = key.versions.get(ver)
    {
        let current = key.current_version.as_ref() == Some(ver);
        return Some(KeyAttributes {
            source: "version",
            version: Some(ver.clone()),
            enabled: v.enabled,
            exp: v.exp,
            nbf: if current { key.nbf } else { None },
            created: v.created,
        });
    }
    Some(KeyAttributes {
        source: "key",
        version: key.current_version.clone(),
        enabled: key.enabled,
        exp: key.exp,
        nbf: key.nbf,
        created: key.created,
    })
}
