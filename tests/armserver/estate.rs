//! The resources the server serves, indexed once so that every request is a few hash lookups: the
//! benchmark serves tens of thousands of resources, each serialised once and shared by reference count
//! between the GET of the resource and every list it appears in.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

/// The location given to the soft-deleted vaults made from a snapshot's `not_found` entries.
const DELETED_VAULT_LOCATION: &str = "japaneast";

/// An estate of ARM resources, indexed for serving. IDs compare case-insensitively, as in ARM.
pub struct Estate {
    /// Listed ones first seen first, then those only known from resource ids.
    subscriptions: Vec<Subscription>,
    /// Lower-case subscription id → index in `subscriptions`.
    subscription_index: HashMap<String, usize>,
    /// Lower-case resource group id → the id as first written.
    resource_groups: HashMap<String, String>,
    /// Lower-case resource id → the resource's JSON.
    resources: HashMap<String, Bytes>,
    /// Lower-case subscription id → lower-case type → resources of that top-level type.
    by_type: HashMap<String, HashMap<String, Vec<Bytes>>>,
    /// A collection path (lower-case id minus its last segment) → its members: resource group lists,
    /// child collections, extension resources such as diagnostic settings.
    children: HashMap<String, Vec<Bytes>>,
    /// Role assignments by lower-case scope, each with its insertion sequence so that a list gathered
    /// from several scopes comes back in the estate's order.
    role_assignments: HashMap<String, Vec<(usize, Bytes)>>,
    /// Role assignments at `/` or at a management group: the server knows no management group
    /// hierarchy, so these apply to every scope.
    global_role_assignments: Vec<(usize, Bytes)>,
    /// Lower-case role definition name (a GUID) → the definition.
    role_definitions: HashMap<String, Value>,
    /// Lower-case scopes that answer 403 (a snapshot's gaps).
    forbidden: Vec<String>,
    next_seq: usize,
}

/// A subscription as `GET /subscriptions` lists it.
pub(super) struct Subscription {
    pub id: String,
    pub display_name: String,
    pub state: String,
    /// `None`: the server's tenant.
    pub tenant_id: Option<String>,
    /// Whether `GET /subscriptions` lists it. A subscription known only from the ids of resources in it
    /// is not listed, yet its resources are served (read access granted below the subscription).
    pub listed: bool,
}

impl Estate {
    /// From an `acr-audit.snapshot/v1` value: its resources are served; its subscriptions are listed
    /// (derived from the resource ids and gaps when the snapshot has none); each gap on a subscription or
    /// resource id answers 403 at and below that scope (the subscription is still listed); each
    /// `not_found` vault id becomes a soft-deleted vault. Other `not_found` entries (key URIs) are
    /// simply absent, so 404. `coverage` is ignored.
    pub fn from_snapshot(snapshot: &Value) -> Estate {
        let resources = snapshot["resources"].as_array().cloned().unwrap_or_default();
        let gaps: Vec<String> = snapshot["gaps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|gap| gap["scope"].as_str())
            .filter(|scope| scope.starts_with('/'))
            .map(str::to_owned)
            .collect();
        let subscriptions = match snapshot["subscriptions"].as_array() {
            Some(subscriptions) => subscriptions.clone(),
            // A gap subscription has no resources to derive it from, yet it is one the client can see.
            None => derive_subscriptions(
                resources.iter().filter_map(|r| r["id"].as_str()).chain(gaps.iter().map(String::as_str)),
            ),
        };

        let mut estate = Estate::new(subscriptions, resources);
        estate.forbidden = gaps.iter().map(|scope| scope.trim_end_matches('/').to_ascii_lowercase()).collect();
        for id in snapshot["not_found"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if is_vault_id(id) {
                estate.add_deleted_vault(id, DELETED_VAULT_LOCATION);
            }
        }
        estate
    }

    /// From subscriptions (`{"subscriptionId","displayName","state","tenantId"}` as in a snapshot; only
    /// `subscriptionId` is required; none at all: derived from the resource ids) and ARM resources (each
    /// with at least `id` and `type`). A resource in a subscription not among `subscriptions` is served,
    /// but `GET /subscriptions` does not list its subscription.
    pub fn new(subscriptions: Vec<Value>, resources: Vec<Value>) -> Estate {
        let subscriptions = if subscriptions.is_empty() {
            derive_subscriptions(resources.iter().filter_map(|r| r["id"].as_str()))
        } else {
            subscriptions
        };
        let mut estate = Estate {
            subscriptions: Vec::new(),
            subscription_index: HashMap::new(),
            resource_groups: HashMap::new(),
            resources: HashMap::with_capacity(resources.len()),
            by_type: HashMap::new(),
            children: HashMap::new(),
            role_assignments: HashMap::new(),
            global_role_assignments: Vec::new(),
            role_definitions: HashMap::new(),
            forbidden: Vec::new(),
            next_seq: 0,
        };
        for subscription in &subscriptions {
            estate.add_subscription(Subscription::from_value(subscription));
        }
        for resource in resources {
            estate.insert(resource);
        }
        estate
    }

    /// Adds the soft-deleted form of a vault, as `GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults`
    /// lists it (a GET of the vault is 404, unless the vault is among the resources too).
    pub fn add_deleted_vault(&mut self, vault_id: &str, location: &str) {
        let subscription = subscription_of(vault_id)
            .unwrap_or_else(|| panic!("armserver: deleted vault id outside a subscription: {vault_id}"));
        let name = vault_id.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        // Relative to now, so that the vault is always still recoverable (90 days is the default
        // retention).
        let deleted = Utc::now() - TimeDelta::days(7);
        let purge = deleted + TimeDelta::days(90);
        self.insert(json!({
            "id": format!(
                "/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}"
            ),
            "name": name,
            "type": "Microsoft.KeyVault/deletedVaults",
            "properties": {
                "vaultId": vault_id,
                "location": location,
                "deletionDate": deleted.to_rfc3339_opts(SecondsFormat::Secs, true),
                "scheduledPurgeDate": purge.to_rfc3339_opts(SecondsFormat::Secs, true),
                "purgeProtectionEnabled": false
            }
        }));
    }

    fn add_subscription(&mut self, subscription: Subscription) {
        let lower = subscription.id.to_ascii_lowercase();
        if !self.subscription_index.contains_key(&lower) {
            self.subscription_index.insert(lower, self.subscriptions.len());
            self.subscriptions.push(subscription);
        }
    }

    fn insert(&mut self, resource: Value) {
        let id = resource["id"]
            .as_str()
            .unwrap_or_else(|| panic!("armserver: resource without an id: {resource}"))
            .trim_end_matches('/');
        let lower = id.to_ascii_lowercase();
        // A repeated id is ignored: the first one wins.
        if self.resources.contains_key(&lower) {
            return;
        }
        let kind = resource["type"].as_str().unwrap_or_default().to_ascii_lowercase();
        let json = Bytes::from(serde_json::to_vec(&resource).expect("armserver: serialise a resource"));
        let seq = self.next_seq;
        self.next_seq += 1;

        if let Some(subscription) = subscription_of(id)
            && !self.subscription_index.contains_key(&subscription.to_ascii_lowercase())
        {
            self.add_subscription(Subscription::unlisted(subscription));
        }
        if let Some(rg) = resource_group_of(id) {
            self.resource_groups.entry(rg.to_ascii_lowercase()).or_insert_with(|| rg.to_owned());
        }
        // Top-level types only: `GET /subscriptions/{s}/providers/{ns}/{type}` lists no child resources.
        if kind.matches('/').count() == 1
            && let Some(subscription) = subscription_of(&lower)
        {
            let types = self.by_type.entry(subscription.to_owned()).or_default();
            types.entry(kind.clone()).or_default().push(json.clone());
        }
        if let Some((collection, _)) = lower.rsplit_once('/') {
            self.children.entry(collection.to_owned()).or_default().push(json.clone());
        }
        match kind.as_str() {
            "microsoft.authorization/roleassignments" => {
                let scope = match resource["properties"]["scope"].as_str() {
                    Some(scope) => scope.trim_end_matches('/').to_ascii_lowercase(),
                    None => extension_parent(&lower, "/providers/microsoft.authorization/roleassignments/"),
                };
                let scope = if scope.is_empty() { "/".to_owned() } else { scope };
                if scope == "/" || is_management_group(&scope) {
                    self.global_role_assignments.push((seq, json.clone()));
                } else {
                    self.role_assignments.entry(scope).or_default().push((seq, json.clone()));
                }
            }
            "microsoft.authorization/roledefinitions" => {
                let name = resource["name"].as_str().unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default());
                self.role_definitions.insert(name.to_ascii_lowercase(), resource.clone());
            }
            _ => {}
        }
        self.resources.insert(lower, json);
    }

    /// The subscriptions `GET /subscriptions` lists, in order.
    pub(super) fn listed_subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.iter().filter(|s| s.listed)
    }

    pub(super) fn subscription(&self, lower_id: &str) -> Option<&Subscription> {
        self.subscription_index.get(lower_id).map(|&i| &self.subscriptions[i])
    }

    /// The resource group id as first written, when any resource lives in it.
    pub(super) fn resource_group(&self, lower_id: &str) -> Option<&str> {
        self.resource_groups.get(lower_id).map(String::as_str)
    }

    pub(super) fn resource(&self, lower_id: &str) -> Option<&Bytes> {
        self.resources.get(lower_id)
    }

    pub(super) fn of_type(&self, lower_subscription: &str, lower_type: &str) -> &[Bytes] {
        self.by_type.get(lower_subscription).and_then(|types| types.get(lower_type)).map_or(&[], Vec::as_slice)
    }

    pub(super) fn children(&self, lower_collection: &str) -> Option<&[Bytes]> {
        self.children.get(lower_collection).map(Vec::as_slice)
    }

    /// Whether a lower-case scope exists: the root, a management group, a subscription, a resource
    /// group with resources in it, or a resource.
    pub(super) fn scope_exists(&self, lower_scope: &str) -> bool {
        let segments: Vec<&str> = lower_scope.split('/').skip(1).collect();
        match segments.as_slice() {
            [""] => true,
            _ if is_management_group(lower_scope) => true,
            ["subscriptions", subscription] => self.subscription_index.contains_key(*subscription),
            ["subscriptions", _, "resourcegroups", _] => self.resource_groups.contains_key(lower_scope),
            _ => self.resources.contains_key(lower_scope),
        }
    }

    /// The role assignments that apply at a lower-case scope: those at the scope, at any ancestor of it
    /// (a prefix ending at a `/`), at `/` and at any management group; in the estate's order.
    pub(super) fn role_assignments_at(&self, lower_scope: &str) -> Vec<Bytes> {
        let mut found: Vec<&(usize, Bytes)> = self.global_role_assignments.iter().collect();
        let ancestors = lower_scope.match_indices('/').map(|(i, _)| &lower_scope[..i]).filter(|s| !s.is_empty());
        for scope in ancestors.chain([lower_scope]) {
            found.extend(self.role_assignments.get(scope).into_iter().flatten());
        }
        found.sort_by_key(|(seq, _)| *seq);
        found.dedup_by_key(|(seq, _)| *seq);
        found.into_iter().map(|(_, json)| json.clone()).collect()
    }

    pub(super) fn role_definition(&self, lower_name: &str) -> Option<&Value> {
        self.role_definitions.get(lower_name)
    }

    /// Whether a lower-case path is at or below a forbidden scope (a prefix ending at a `/` boundary,
    /// so that a gap on vault `kv-a` leaves vault `kv-ab` readable).
    pub(super) fn is_forbidden(&self, lower_path: &str) -> bool {
        self.forbidden.iter().any(|scope| {
            lower_path.strip_prefix(scope.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

impl Subscription {
    /// From `{"subscriptionId","displayName","state","tenantId"}` (or ARM's shape, with `id`).
    fn from_value(value: &Value) -> Subscription {
        let id = value["subscriptionId"]
            .as_str()
            .or_else(|| value["id"].as_str().and_then(|id| id.strip_prefix("/subscriptions/")))
            .unwrap_or_else(|| panic!("armserver: subscription without subscriptionId: {value}"))
            .to_owned();
        let text = |key: &str| value[key].as_str().map(str::to_owned);
        Subscription {
            display_name: text("displayName").unwrap_or_else(|| id.clone()),
            state: text("state").unwrap_or_else(|| "Enabled".to_owned()),
            tenant_id: text("tenantId"),
            listed: true,
            id,
        }
    }

    fn unlisted(id: &str) -> Subscription {
        Subscription {
            id: id.to_owned(),
            display_name: id.to_owned(),
            state: "Enabled".to_owned(),
            tenant_id: None,
            listed: false,
        }
    }
}

/// Subscriptions named by ids, in first-seen order, enabled, in the server's tenant.
fn derive_subscriptions<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<Value> {
    let mut seen = HashSet::new();
    ids.filter_map(subscription_of)
        .filter(|s| seen.insert(s.to_ascii_lowercase()))
        .map(|s| json!({"subscriptionId": s, "displayName": s, "state": "Enabled"}))
        .collect()
}

/// The subscription id of `/subscriptions/{id}[/…]`, as written.
pub(super) fn subscription_of(path: &str) -> Option<&str> {
    const PREFIX: &str = "/subscriptions/";
    if !path.get(..PREFIX.len())?.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let id = path[PREFIX.len()..].split('/').next().unwrap_or_default();
    (!id.is_empty()).then_some(id)
}

/// `/subscriptions/{s}/resourceGroups/{rg}` of an id under a resource group, as written.
fn resource_group_of(id: &str) -> Option<&str> {
    let segments: Vec<&str> = id.split('/').take(5).collect();
    match segments.as_slice() {
        ["", subscriptions, _, resource_groups, name]
            if subscriptions.eq_ignore_ascii_case("subscriptions")
                && resource_groups.eq_ignore_ascii_case("resourcegroups")
                && !name.is_empty() =>
        {
            // Five segments and the four slashes between them.
            let len = segments.iter().map(|s| s.len()).sum::<usize>() + 4;
            Some(&id[..len])
        }
        _ => None,
    }
}

/// The scope an extension resource hangs off: `{scope}{marker}{name}` → `{scope}` (lower-case in, out).
fn extension_parent(lower_id: &str, marker: &str) -> String {
    lower_id.find(marker).map_or_else(String::new, |i| lower_id[..i].to_owned())
}

fn is_management_group(lower_scope: &str) -> bool {
    lower_scope.starts_with("/providers/microsoft.management/managementgroups/")
}

/// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}`, nothing below.
fn is_vault_id(id: &str) -> bool {
    let lower = id.trim_end_matches('/').to_ascii_lowercase();
    lower.starts_with("/subscriptions/")
        && lower
            .split_once("/providers/microsoft.keyvault/vaults/")
            .is_some_and(|(_, name)| !name.is_empty() && !name.contains('/'))
}
