//! The one normalised shape that every source (snapshot files, live ARM, templates, Terraform plans)
//! produces and every rule reads as `input`. Documented field by field in `docs/inventory.md`.
//!
//! Normalisation happens once, here and in `normalise.rs`, so that a rule never sees an ARM quirk:
//! enum values are canonical (`Enabled`, `Disabled`, `Allow`, `Deny`), identifiers used for joins are
//! lower-case, service defaults are applied, and a value that could not be determined is listed in the
//! record's `unknown` map (field → reason) instead of being guessed.

use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the inventory shape that rules read. Bumped on any breaking change to the fields below.
pub const INVENTORY_VERSION: u32 = 1;

/// Where a resource (or one of its properties) was declared: a snapshot or template file, and the line.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Lines of individual properties by ARM path (`properties.adminUserEnabled` → 42; compared
    /// case-insensitively), where the source knows them.
    /// Not written to reports: each result carries the line it points at.
    #[serde(skip_serializing)]
    pub property_lines: BTreeMap<String, usize>,
}

/// The location of a resource deployed to `[resourceGroup().location]` (templates): one region, not
/// known before deployment. Two such resources are in the same region; compared with a named region,
/// it is unknown.
pub const DEPLOYMENT_LOCATION: &str = "[resourceGroup().location]";

/// Fields that could not be determined, with the reason. A rule that depends on one answers unknown.
pub type Unknowns = BTreeMap<String, String>;

#[derive(Debug, Default, Serialize)]
pub struct Inventory {
    pub inventory_version: u32,
    pub registries: Vec<Registry>,
    /// Every vault seen or looked for, keyed by lower-case vault name (vault names are unique per cloud,
    /// and a key identifier names its vault only by host name).
    pub vaults: BTreeMap<String, Vault>,
    /// Private endpoints keyed by lower-case resource ID.
    pub private_endpoints: BTreeMap<String, PrivateEndpoint>,
    /// Role definitions keyed by lower-case role definition GUID (the last segment of its ID).
    pub role_definitions: BTreeMap<String, RoleDefinition>,
    /// What the sources said they could not read (a subscription, a vault, a resource), for the report.
    pub gaps: Vec<Gap>,
    /// Resources read per ARM type (lower-case), including the types no rule uses.
    pub resource_counts: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub scope: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Registry {
    pub id: String,
    pub name: String,
    pub subscription_id: String,
    pub location: String,
    pub origin: Option<Origin>,
    /// `Basic`, `Standard`, `Premium`.
    pub sku: String,
    pub admin_user_enabled: bool,
    pub anonymous_pull_enabled: bool,
    pub data_endpoint_enabled: bool,
    /// `Enabled` or `Disabled`.
    pub public_network_access: String,
    /// `Allow` or `Deny`.
    pub network_default_action: String,
    /// `AzureServices` or `None`.
    pub network_bypass: String,
    /// `Enabled` or `Disabled`.
    pub zone_redundancy: String,
    /// `enabled` or `disabled`, like the policies' own `status` values.
    pub export_policy: String,
    pub arm_audience_policy: String,
    pub retention_policy: String,
    pub encryption: Encryption,
    /// Absent when the input had no identity block at all (then CMK002 is unknown).
    pub identity: Option<RegistryIdentity>,
    pub private_endpoint_connections: Vec<PrivateEndpointConnection>,
    /// `None` when diagnostic settings were not collected for this registry.
    pub diagnostic_settings: Option<Vec<DiagnosticSetting>>,
    /// The customer-managed-key chain, resolved link by link (see `normalise/chain.rs`).
    pub chain: Chain,
    pub unknown: Unknowns,
}

/// The links of the CMK chain: registry → identity → vault → key. Resolved once here, so that every
/// CMK rule reads the same verdict on each link and no rule has to walk the joins again.
#[derive(Debug, Default, Serialize)]
pub struct Chain {
    pub identity: Link,
    pub vault: Link,
    pub key: Link,
    /// The CMK identity's principal ID, when the identity link holds and ARM reported it.
    pub principal_id: Option<String>,
    /// The attributes of the key version the registry uses, when the key link holds.
    pub attrs: Option<KeyAttributes>,
}

/// The key version in use: the pinned version when the identifier names one that was read, else the
/// key's current version (whose attributes are the key's own).
#[derive(Debug, Serialize)]
pub struct KeyAttributes {
    /// `version` (a pinned version that was read) or `key` (the key's current attributes).
    pub source: &'static str,
    pub version: Option<String>,
    pub enabled: Option<bool>,
    pub exp: Option<i64>,
    /// Only known for the current version: ARM reports `nbf` on the key, not on its versions.
    pub nbf: Option<i64>,
    pub created: Option<i64>,
}

#[derive(Debug, Default, Serialize)]
pub struct Link {
    /// `ok`, `broken` (established to be broken) or `unknown` (not visible).
    pub state: &'static str,
    pub reason: Option<String>,
    /// For an `ok` identity link: the identity the registry uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<ChainIdentity>,
}

#[derive(Debug, Serialize)]
pub struct ChainIdentity {
    /// `user-assigned` or `system-assigned`.
    pub kind: &'static str,
    pub id: String,
    pub principal_id: Option<String>,
    pub client_id: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Encryption {
    /// `enabled` or `disabled` (absent ⇒ disabled).
    pub status: String,
    pub key_identifier: Option<String>,
    /// The CMK identity's clientId (`keyVaultProperties.identity`), lower-case.
    pub identity_client_id: Option<String>,
    /// The key identifier, split; `None` when there is no identifier or it is not a Key Vault key URI.
    pub key: Option<KeyRef>,
    pub key_rotation_enabled: Option<bool>,
    /// Unix seconds.
    pub last_key_rotation: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyRef {
    /// Lower-case vault name: the first label of the key URI's host.
    pub vault: String,
    /// Lower-case host of the key URI, without a port (`kv.vault.azure.net`).
    pub host: String,
    /// Lower-case key name.
    pub name: String,
    /// Lower-case version, or `None` for a versionless identifier.
    pub version: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct RegistryIdentity {
    /// Lower-case principal ID of the system-assigned identity, when there is one.
    pub system_principal_id: Option<String>,
    pub system_assigned: bool,
    pub user_assigned: Vec<UserAssignedIdentity>,
}

#[derive(Debug, Default, Serialize)]
pub struct UserAssignedIdentity {
    pub id: String,
    pub principal_id: Option<String>,
    pub client_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PrivateEndpointConnection {
    /// Lower-case ID of the private endpoint, when given.
    pub private_endpoint_id: Option<String>,
    /// `Approved`, `Pending`, `Rejected`, `Disconnected`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticSetting {
    pub name: String,
    /// Lower-case categories and category groups whose `enabled` is true.
    pub enabled_categories: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Vault {
    pub name: String,
    /// The ARM ID; for a vault that a registry refers to but that no source described, its URI
    /// (`https://{name}.vault.azure.net`), which is all that is known of it.
    pub id: String,
    pub subscription_id: Option<String>,
    pub location: Option<String>,
    pub origin: Option<Origin>,
    /// `Some(false)` when a source established that the vault does not exist (ARM 404); `None` when
    /// the vault was not seen at all (outside what could be read).
    pub exists: Option<bool>,
    /// Why the vault could not be read, when a source said so.
    pub unreadable: Option<String>,
    /// Whether the properties below come from a read of the vault itself.
    pub described: bool,
    pub soft_delete: bool,
    pub purge_protection: bool,
    pub rbac: bool,
    /// `Enabled` or `Disabled`.
    pub public_network_access: String,
    /// `Allow` or `Deny`.
    pub network_default_action: String,
    /// `AzureServices` or `None`.
    pub network_bypass: String,
    pub access_policies: Vec<AccessPolicy>,
    pub private_endpoint_connections: Vec<PrivateEndpointConnection>,
    pub diagnostic_settings: Option<Vec<DiagnosticSetting>>,
    /// Role assignments that apply at the vault (at it or above it). `None` when not collected.
    pub role_assignments: Option<Vec<RoleAssignment>>,
    /// Keys keyed by lower-case key name.
    pub keys: BTreeMap<String, Key>,
    /// IDs of the scanned registries whose key lives in this vault: the vaults the KV rules audit.
    pub cmk_registries: Vec<String>,
    /// Whether the KV rules evaluate this vault: it holds a scanned registry's key, or `--all-vaults`.
    pub audited: bool,
    pub unknown: Unknowns,
}

#[derive(Debug, Serialize)]
pub struct AccessPolicy {
    pub object_id: String,
    /// Lower-case permission names.
    pub keys: Vec<String>,
    pub secrets: Vec<String>,
    pub certificates: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleAssignment {
    pub principal_id: String,
    /// Lower-case role definition GUID.
    pub role_definition: String,
    /// Lower-case scope.
    pub scope: String,
}

#[derive(Debug, Serialize)]
pub struct RoleDefinition {
    pub name: String,
    /// Lower-case data actions granted, minus none (`not_data_actions` are kept apart).
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Key {
    pub name: String,
    pub id: Option<String>,
    pub origin: Option<Origin>,
    /// `Some(false)` when a source established that the key does not exist.
    pub exists: Option<bool>,
    pub unreadable: Option<String>,
    pub kty: Option<String>,
    pub key_size: Option<i64>,
    pub enabled: Option<bool>,
    /// Unix seconds.
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub created: Option<i64>,
    /// Lower-case current version (from `keyUriWithVersion`).
    pub current_version: Option<String>,
    /// `None` when the rotation policy was not part of what was read; `Some(false)` when the key has no
    /// policy with a `Rotate` action.
    pub rotation_policy_rotates: Option<bool>,
    /// Known versions keyed by lower-case version, with their creation time (Unix seconds).
    pub versions: BTreeMap<String, KeyVersion>,
    pub unknown: Unknowns,
}

#[derive(Debug, Default, Serialize)]
pub struct KeyVersion {
    pub created: Option<i64>,
    pub enabled: Option<bool>,
    pub exp: Option<i64>,
}

#[derive(Debug, Default, Serialize)]
pub struct PrivateEndpoint {
    pub id: String,
    /// Lower-case private DNS zone names from the endpoint's zone groups; `None` when the zone groups
    /// were not read.
    pub dns_zones: Option<Vec<String>>,
}
