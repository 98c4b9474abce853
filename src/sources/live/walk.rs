//! What a live scan reads, in order:
//!
//! 1. the subscriptions (all that the identity sees, or those given with `--subscription`);
//! 2. per subscription, at once: its registries and its vaults; per registry, at once: the registry
//!    itself (through `azure_mgmt_containerregistry`), its diagnostic settings, the private endpoints of
//!    its connections with their DNS zone groups, and any user-assigned identity whose IDs the
//!    registry does not carry;
//! 3. the vault of every registry key: found among the vaults listed, else in the other subscriptions
//!    the identity can see, else among soft-deleted vaults (then it does not exist: the registry is
//!    locked out); else it stays unknown, with the reason;
//! 4. per audited vault (those vaults, or every vault with `--all-vaults`): its diagnostic settings,
//!    role assignments and definitions when it uses Azure RBAC, its private endpoints, and the keys the
//!    registries use (control plane: Reader is enough), with the pinned version when there is one.
//!
//! Every failure becomes a `gap` (what, and ARM's reason) or, for a 404, a `not_found` entry, and the
//! scan goes on. What was listed in full goes to `coverage`.

use super::arm::{Arm, Failure, Json, api};
use super::monitor::Monitor;
use crate::estate::{Body, Coverage, RawEstate, RawResource};
use crate::inventory::Gap;
use crate::normalise::ids::{parse_key_uri, segment_after};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Subscription IDs given on the command line; empty = every subscription the identity sees.
    pub subscriptions: Vec<String>,
    /// Read every vault's settings in depth, not only those holding a registry's key.
    pub all_vaults: bool,
}

/// What a live collection saw.
pub struct Walked {
    pub estate: RawEstate,
    /// The subscriptions as ARM listed them (ID, name, state), for the snapshot's provenance.
    pub subscriptions: Vec<Value>,
}

/// Subscription states whose resources are worth reading (a Disabled subscription's are not running).
const SCANNED_STATES: [&str; 3] = ["enabled", "warned", "pastdue"];

#[derive(Default)]
struct Found {
    resources: Vec<Json>,
    not_found: Vec<String>,
    gaps: Vec<Gap>,
    coverage: Coverage,
}

/// Shared by every task of one collection.
struct Walk {
    arm: Arm,
    monitor: Arc<Monitor>,
    found: Mutex<Found>,
    /// Lower-case IDs already read or being read: a private endpoint, identity or role definition
    /// shared by several registries or vaults is read once.
    seen: Mutex<HashSet<String>>,
    /// Vaults listed so far: lower-case name → the vault as listed.
    vaults: Mutex<BTreeMap<String, Json>>,
    /// Key identifiers of the registries read.
    key_uris: Mutex<BTreeSet<String>>,
    /// Subscriptions whose vaults could not be listed, with ARM's reason.
    unlisted_vaults: Mutex<BTreeMap<String, String>>,
}

impl Walk {
    fn lock(&self) -> std::sync::MutexGuard<'_, Found> {
        self.found.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, resource: Json) {
        self.monitor.counters.resources.fetch_add(1, Ordering::Relaxed);
        self.lock().resources.push(resource);
    }

    fn gap(&self, scope: &str, failure: &Failure) {
        self.gap_reason(scope, failure.reason());
    }

    fn gap_reason(&self, scope: &str, reason: String) {
        self.lock().gaps.push(Gap { scope: scope.to_string(), reason });
    }

    /// True the first time an ID is claimed.
    fn claim(&self, id: &str) -> bool {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_ascii_lowercase())
    }

    /// A read whose 404 means "it does not exist" and whose other failures are gaps.
    async fn read(&self, id: &str, api_version: &str) -> Option<Json> {
        match self.arm.get(id, api_version).await {
            Ok(v) => Some(v),
            Err(f) if f.is_not_found() => {
                self.lock().not_found.push(id.to_ascii_lowercase());
                None
            }
            Err(f) => {
                self.gap(id, &f);
                None
            }
        }
    }
}

pub async fn walk(arm: Arm, plan: Plan, monitor: Arc<Monitor>) -> Result<Walked, crate::error::Error> {
    let walk = Arc::new(Walk {
        arm,
        monitor: monitor.clone(),
        found: Mutex::default(),
        seen: Mutex::default(),
        vaults: Mutex::default(),
        key_uris: Mutex::default(),
        unlisted_vaults: Mutex::default(),
    });

    let listed = walk.arm.list("/subscriptions", api::SUBSCRIPTIONS, &[]).await;
    let listed = listed.map(|subs| subs.iter().map(|s| parsed(s)).collect::<Vec<Value>>());
    let (subscriptions, targets) = match (listed, plan.subscriptions.is_empty()) {
        (Ok(subs), true) => {
            let targets = subs
                .iter()
                .filter(|s| SCANNED_STATES.contains(&text(s, "state").to_ascii_lowercase().as_str()))
                .map(|s| text(s, "subscriptionId").to_ascii_lowercase())
                .filter(|id| !id.is_empty())
                .collect();
            for s in subs.iter().filter(|s| !SCANNED_STATES.contains(&text(s, "state").to_ascii_lowercase().as_str())) {
                monitor.line(&format!(
                    "skipped subscription {} ({}): state {}",
                    text(s, "subscriptionId"),
                    text(s, "displayName"),
                    text(s, "state")
                ));
            }
            (subs, targets)
        }
        (Ok(subs), false) => (subs, plan.subscriptions.clone()),
        // The chosen subscriptions can be read without the list, which only adds names and states.
        (Err(_), false) => (Vec::new(), plan.subscriptions.clone()),
        (Err(f), true) => {
            return Err(crate::error::Error::usage(
                format!("could not list the subscriptions at {}: {}", walk.arm.endpoint(), f.reason()),
                "give the identity the Reader role on the subscriptions to scan, or name them with --subscription ID",
            ));
        }
    };
    let targets: Vec<String> = targets.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    // Nothing to read is a misconfiguration, not a clean result: a gate must not pass on it.
    if targets.is_empty() {
        return Err(crate::error::Error::usage(
            format!("the identity sees no enabled subscription at {}", walk.arm.endpoint()),
            "give it the Reader role on the subscriptions to scan (or check the tenant: `az login --tenant …`)",
        ));
    }
    monitor.counters.subscriptions_total.store(targets.len() as u64, Ordering::Relaxed);

    // 1–2: every subscription at once; the transport bounds what is in flight.
    let mut tasks = JoinSet::new();
    for sub in &targets {
        let (w, sub) = (walk.clone(), sub.clone());
        tasks.spawn(async move { subscription(w, sub).await });
    }
    while tasks.join_next().await.is_some() {}
    let unlisted = unlisted_subscriptions(&walk);
    let mut readable: BTreeSet<String> = targets.iter().filter(|s| !unlisted.contains(*s)).cloned().collect();

    // 3: the vault of every key.
    let visible: Vec<String> = subscriptions
        .iter()
        .map(|s| text(s, "subscriptionId").to_ascii_lowercase())
        .filter(|id| !id.is_empty() && !targets.contains(id))
        .collect();
    let audited = locate_vaults(&walk, &visible, &mut readable).await;

    // 4: the audited vaults in depth.
    let mut tasks = JoinSet::new();
    let all: Vec<(String, Json)> =
        walk.vaults.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (name, vault) in all {
        let keys = audited.get(&name).cloned();
        if keys.is_none() && !plan.all_vaults {
            continue;
        }
        let w = walk.clone();
        tasks.spawn(async move { vault_in_depth(w, vault, keys.unwrap_or_default()).await });
    }
    while tasks.join_next().await.is_some() {}

    let walk = Arc::into_inner(walk).ok_or_else(|| {
        crate::error::Error::usage("a collection task outlived the collection", "report this as a bug")
    })?;
    let found = walk.found.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Walked { estate: estate(found), subscriptions })
}

/// A subscription's registries and vaults.
async fn subscription(w: Arc<Walk>, sub: String) {
    let base = format!("/subscriptions/{sub}");
    let (registries_path, vaults_path) = (
        format!("{base}/providers/Microsoft.ContainerRegistry/registries"),
        format!("{base}/providers/Microsoft.KeyVault/vaults"),
    );
    let (registries, vaults) = tokio::join!(
        w.arm.list(&registries_path, api::REGISTRIES, &[]),
        w.arm.list(&vaults_path, api::KEY_VAULT, &[]),
    );
    match (&registries, &vaults) {
        // One reason for both: the subscription itself could not be read.
        (Err(a), Err(b)) if a.reason() == b.reason() => w.gap(&base, a),
        _ => {
            if let Err(f) = &registries {
                w.gap(&registries_path, f);
            }
            if let Err(f) = &vaults {
                w.gap(&vaults_path, f);
            }
        }
    }
    match vaults {
        Ok(vaults) => remember_vaults(&w, vaults),
        Err(f) => {
            w.unlisted_vaults.lock().unwrap_or_else(|e| e.into_inner()).insert(sub.clone(), f.reason());
        }
    }
    let mut tasks = JoinSet::new();
    for reg in registries.unwrap_or_default() {
        let w = w.clone();
        tasks.spawn(async move { registry(w, reg).await });
    }
    while tasks.join_next().await.is_some() {}
    w.monitor.counters.subscriptions_done.fetch_add(1, Ordering::Relaxed);
    w.monitor.tick();
}

fn remember_vaults(w: &Walk, vaults: Vec<Json>) {
    let mut index = w.vaults.lock().unwrap_or_else(|e| e.into_inner());
    for v in vaults {
        let name = text(&parsed(&v), "name").to_ascii_lowercase();
        if !name.is_empty() && !index.contains_key(&name) {
            w.add(v.clone());
            index.insert(name, v);
        }
    }
}

/// One registry: read it, then everything hanging off it, at once.
async fn registry(w: Arc<Walk>, listed: Json) {
    let id = text(&parsed(&listed), "id").to_string();
    let (Some(sub), Some(group), Some(name)) =
        (segment_after(&id, "subscriptions"), segment_after(&id, "resourceGroups"), segment_after(&id, "registries"))
    else {
        w.add(listed);
        return;
    };
    let raw = match w.arm.registry(sub, group, name).await {
        Ok(v) => v,
        // Deleted between the list and the read: it no longer exists, so it is not audited.
        Err(f) if f.is_not_found() => {
            w.monitor.line(&format!("registry {id} was deleted during the scan: not audited"));
            return;
        }
        // The list's copy is a full read too (same API version); it stands in.
        Err(_) => listed,
    };
    let reg = parsed(&raw);
    if let Some(uri) = reg.pointer("/properties/encryption/keyVaultProperties/keyIdentifier").and_then(Value::as_str) {
        w.key_uris.lock().unwrap_or_else(|e| e.into_inner()).insert(uri.to_string());
    }
    let endpoints = private_endpoint_ids(&reg);
    let identities: Vec<String> = reg
        .pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.get("principalId").is_none() || v.get("clientId").is_none())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    drop(reg);
    w.add(raw);
    tokio::join!(
        diagnostic_settings(&w, &id),
        each(&endpoints, |pe| private_endpoint(&w, pe)),
        each(&identities, |ident| async {
            if w.claim(ident)
                && let Some(v) = w.read(ident, api::IDENTITIES).await
            {
                w.add(v);
            }
        }),
    );
}

/// Runs one future per item, all at once.
async fn each<'a, F: Future<Output = ()>>(items: &'a [String], f: impl Fn(&'a str) -> F) {
    futures::future::join_all(items.iter().map(|i| f(i))).await;
}

async fn diagnostic_settings(w: &Walk, resource: &str) {
    let path = format!("{resource}/providers/Microsoft.Insights/diagnosticSettings");
    match w.arm.list(&path, api::DIAGNOSTIC_SETTINGS, &[]).await {
        Ok(settings) => {
            for s in settings {
                w.add(s);
            }
            w.lock().coverage.diagnostic_settings.push(resource.to_string());
        }
        Err(f) => w.gap(&path, &f),
    }
}

/// A private endpoint and its DNS zone groups.
async fn private_endpoint(w: &Walk, id: &str) {
    if !w.claim(id) {
        return;
    }
    let groups_path = format!("{id}/privateDnsZoneGroups");
    let (pe, groups) = tokio::join!(w.read(id, api::NETWORK), w.arm.list(&groups_path, api::NETWORK, &[]));
    let Some(pe) = pe else { return };
    w.add(pe);
    match groups {
        Ok(groups) => {
            for g in groups {
                w.add(g);
            }
            w.lock().coverage.dns_zone_groups.push(id.to_string());
        }
        Err(f) => w.gap(&groups_path, &f),
    }
}

fn private_endpoint_ids(resource: &Value) -> Vec<String> {
    resource
        .pointer("/properties/privateEndpointConnections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.pointer("/properties/privateEndpoint/id").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Finds the vault of every key identifier. Returns, per vault found (lower-case name), the keys to
/// read in it: lower-case key name → the pinned versions.
async fn locate_vaults(
    w: &Arc<Walk>,
    others: &[String],
    readable: &mut BTreeSet<String>,
) -> HashMap<String, BTreeMap<String, BTreeSet<String>>> {
    let uris: Vec<String> = w.key_uris.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect();
    let refs: Vec<_> = uris.iter().filter_map(|u| parse_key_uri(u).map(|k| (u.clone(), k))).collect();
    let known = |name: &str| w.vaults.lock().unwrap_or_else(|e| e.into_inner()).contains_key(name);
    let missing = |refs: &[(String, crate::inventory::KeyRef)]| refs.iter().any(|(_, k)| !known(&k.vault));

    // A key may live in a vault of a subscription outside the scan.
    let mut unreadable: Vec<(String, String)> = Vec::new();
    if missing(&refs) && !others.is_empty() {
        let mut tasks = JoinSet::new();
        for sub in others {
            let (w2, sub) = (w.clone(), sub.clone());
            tasks.spawn(async move {
                let path = format!("/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults");
                (sub, w2.arm.list(&path, api::KEY_VAULT, &[]).await)
            });
        }
        while let Some(Ok((sub, listed))) = tasks.join_next().await {
            match listed {
                Ok(vaults) => {
                    readable.insert(sub);
                    remember_vaults(w, vaults);
                }
                Err(f) => unreadable.push((sub, f.reason())),
            }
        }
    }
    // The subscriptions of the scan whose vaults could not be listed.
    unreadable.extend(
        w.unlisted_vaults.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(s, r)| (s.clone(), r.clone())),
    );

    // Not found anywhere readable: a soft-deleted vault is established not to exist.
    let mut deleted: HashMap<String, String> = HashMap::new();
    if missing(&refs) {
        let mut tasks = JoinSet::new();
        for sub in readable.iter() {
            let (w2, sub) = (w.clone(), sub.clone());
            tasks.spawn(async move {
                let path = format!("/subscriptions/{sub}/providers/Microsoft.KeyVault/deletedVaults");
                w2.arm.list(&path, api::KEY_VAULT, &[]).await
            });
        }
        while let Some(Ok(listed)) = tasks.join_next().await {
            for d in listed.unwrap_or_default().iter().map(|d| parsed(d)) {
                if let Some(vault_id) = d.pointer("/properties/vaultId").and_then(Value::as_str) {
                    deleted.insert(text(&d, "name").to_ascii_lowercase(), vault_id.to_string());
                }
            }
        }
    }

    let mut audited: HashMap<String, BTreeMap<String, BTreeSet<String>>> = HashMap::new();
    let mut reported = HashSet::new();
    for (uri, key) in &refs {
        if known(&key.vault) {
            let versions = audited.entry(key.vault.clone()).or_default().entry(key.name.clone()).or_default();
            versions.extend(key.version.clone());
            continue;
        }
        if !reported.insert(key.vault.clone()) {
            continue;
        }
        if let Some(vault_id) = deleted.get(&key.vault) {
            w.lock().not_found.push(vault_id.to_ascii_lowercase());
        } else {
            let mut reason = format!(
                "vault {} (key {uri}) was not found in the {} subscription(s) that could be read",
                key.vault,
                readable.len()
            );
            if !unreadable.is_empty() {
                let list: Vec<String> =
                    unreadable.iter().map(|(s, r)| format!("subscription {s} not readable: {r}")).collect();
                reason.push_str(&format!("; {}", list.join("; ")));
            }
            w.gap_reason(&format!("https://{}", key.host), reason);
        }
    }
    audited
}

/// An audited vault: diagnostic settings, RBAC role assignments (and the definitions they name),
/// private endpoints, and the registries' keys in it.
async fn vault_in_depth(w: Arc<Walk>, vault: Json, keys: BTreeMap<String, BTreeSet<String>>) {
    let vault = parsed(&vault);
    let id = text(&vault, "id").to_string();
    let rbac = vault.pointer("/properties/enableRbacAuthorization").and_then(Value::as_bool).unwrap_or(false);
    let endpoints = private_endpoint_ids(&vault);
    let key_reads: Vec<String> = keys.keys().cloned().collect();
    tokio::join!(
        diagnostic_settings(&w, &id),
        async {
            if rbac {
                role_assignments(&w, &id).await;
            }
        },
        each(&endpoints, |pe| private_endpoint(&w, pe)),
        each(&key_reads, |name| {
            let versions = keys.get(name).cloned().unwrap_or_default();
            let key_id = format!("{id}/keys/{name}");
            let w = &w;
            async move {
                if w.read(&key_id, api::KEY_VAULT).await.map(|k| w.add(k)).is_none() {
                    return;
                }
                for v in versions {
                    // A pinned version that cannot be read leaves the key's own attributes to judge by.
                    if let Ok(version) = w.arm.get(&format!("{key_id}/versions/{v}"), api::KEY_VAULT).await {
                        w.add(version);
                    }
                }
            }
        }),
    );
}

async fn role_assignments(w: &Walk, vault_id: &str) {
    let path = format!("{vault_id}/providers/Microsoft.Authorization/roleAssignments");
    match w.arm.list(&path, api::AUTHORIZATION, &[("$filter", "atScope()")]).await {
        Ok(assignments) => {
            let definitions: BTreeSet<String> = assignments
                .iter()
                .filter_map(|a| {
                    parsed(a).pointer("/properties/roleDefinitionId").and_then(Value::as_str).map(str::to_string)
                })
                .collect();
            for a in assignments {
                w.add(a);
            }
            w.lock().coverage.role_assignments.push(vault_id.to_string());
            let definitions: Vec<String> = definitions
                .into_iter()
                .filter(|d| w.claim(&format!("roledefinition:{}", d.rsplit('/').next().unwrap_or(d))))
                .collect();
            each(&definitions, |d| async move {
                // A definition that cannot be read leaves its role unknown (the rules say so).
                if let Ok(def) = w.arm.get(d, api::AUTHORIZATION).await {
                    w.add(def);
                }
            })
            .await;
        }
        Err(f) => w.gap(&path, &f),
    }
}

fn unlisted_subscriptions(w: &Walk) -> BTreeSet<String> {
    w.unlisted_vaults.lock().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect()
}

/// A resource's JSON, parsed to read the fields that say what to read next. ARM's text was checked
/// to be JSON when it arrived, so this cannot fail.
fn parsed(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or_default()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The collection as the normaliser (and the snapshot file) take it, in a stable order.
fn estate(found: Found) -> RawEstate {
    let mut resources: Vec<(String, RawResource)> = found
        .resources
        .into_iter()
        .map(|raw| {
            let r = RawResource { body: Body::Raw(raw), origin: None };
            (r.peek().id.unwrap_or_default().to_ascii_lowercase(), r)
        })
        .collect();
    resources.sort_by(|a, b| a.0.cmp(&b.0));
    resources.dedup_by(|a, b| a.0 == b.0);
    let sorted = |mut v: Vec<String>| {
        v.sort_by_key(|s| s.to_ascii_lowercase());
        v.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        v
    };
    let mut gaps = found.gaps;
    gaps.sort_by_key(|g| g.scope.to_ascii_lowercase());
    RawEstate {
        resources: resources.into_iter().map(|(_, r)| r).collect(),
        not_found: sorted(found.not_found),
        gaps,
        coverage: Coverage {
            diagnostic_settings: sorted(found.coverage.diagnostic_settings),
            role_assignments: sorted(found.coverage.role_assignments),
            dns_zone_groups: sorted(found.coverage.dns_zone_groups),
        },
    }
}
