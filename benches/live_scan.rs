//! Live scan benchmark: the release binary scans a tenant served by the loopback ARM server
//! (`tests/armserver`) with 50 ms of latency on every request and ARM's read bucket per subscription
//! (250 tokens, refilled at 25 a second), and the time is set beside the theoretical floor for the
//! requests it sent under those limits.
//!
//! The floor is the largest of:
//! - requests × latency / concurrency: every request costs the latency, and at most `--concurrency`
//!   are in flight;
//! - per subscription, (its requests − 250) / 25 s: what its bucket lets through;
//! - the chain of requests that depend on each other (subscriptions → registry list → registry →
//!   … → key version), each costing the latency.
//!
//! Run: `cargo bench --bench live_scan` (figures in BENCHMARKS.md). `-- 10 100` runs those tenant sizes
//! only (subscriptions; each has 10 registries, half with CMK, and 2 vaults).

#[path = "../tests/armserver/mod.rs"]
mod armserver;
#[path = "support/timed.rs"]
mod support;

use armserver::{ArmServer, Bucket, Config, Estate};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use support::timed;

const LATENCY: Duration = Duration::from_millis(50);
const CONCURRENCY: usize = 32;
/// Dependent requests on the longest path: subscriptions, registry list, registry reads, vault
/// in-depth reads (keys, role assignments), role definitions.
const CHAIN: f64 = 5.0;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10, 100, 1_000] } else { sizes };
    println!(
        "live scan against the loopback ARM server: {} ms latency per request, bucket 250 + 25/s per subscription, \
         --concurrency {CONCURRENCY}, {} core(s)",
        LATENCY.as_millis(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:>6} {:>10} {:>7} {:>9} {:>9} {:>9} {:>7} {:>6} {:>6} {:>9} {:>9} {:>9}",
        "subs",
        "registries",
        "vaults",
        "requests",
        "floor s",
        "time s",
        "ratio",
        "429s",
        "early",
        "max conns",
        "opened",
        "peak MiB"
    );
    for subs in sizes {
        let (estate, registries, vaults) = tenant(subs);
        let config = Config {
            latency: LATENCY,
            bucket: Some(Bucket { capacity: 250.0, refill_per_sec: 25.0 }),
            ..Config::default()
        };
        let server = ArmServer::start(estate, config.clone());
        let (secs, peak_kib) = scan(&server, &config);
        let requests = server.requests();
        let stats = server.stats();
        let arm: Vec<_> = requests.iter().filter(|r| !r.path.contains("/oauth2/")).collect();
        let mut per_sub: HashMap<&str, usize> = HashMap::new();
        for r in &arm {
            if let Some(s) = &r.subscription {
                *per_sub.entry(s.as_str()).or_default() += 1;
            }
        }
        let latency = LATENCY.as_secs_f64();
        let bucket_bound = per_sub.values().map(|&n| n.saturating_sub(250) as f64 / 25.0).fold(0.0, f64::max);
        let floor = (arm.len() as f64 * latency / CONCURRENCY as f64).max(bucket_bound).max(CHAIN * latency);
        println!(
            "{subs:>6} {registries:>10} {vaults:>7} {:>9} {floor:>9.2} {secs:>9.2} {:>7.3} {:>6} {:>6} {:>9} {:>9} {:>9.1}",
            arm.len(),
            secs / floor,
            stats.throttled,
            stats.early,
            stats.max_open_connections,
            stats.connections_accepted,
            peak_kib as f64 / 1024.0
        );
    }
}

/// Runs `acr-audit scan` against the server: wall seconds and peak resident set (KiB).
fn scan(server: &ArmServer, config: &Config) -> (f64, i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (secs, kib, code) = timed(
        std::process::Command::new(env!("CARGO_BIN_EXE_acr-audit"))
            .args(["scan", "--format", "json", "--exit-zero", "--as-of", "2026-11-23", "--concurrency"])
            .arg(CONCURRENCY.to_string())
            .arg("-o")
            .arg(dir.path().join("report.json"))
            .env_clear()
            .env("AZURE_TENANT_ID", &config.tenant_id)
            .env("AZURE_CLIENT_ID", &config.client_id)
            .env("AZURE_CLIENT_SECRET", &config.client_secret)
            .env("AZURE_AUTHORITY_HOST", server.url())
            .env("ACR_AUDIT_ARM_ENDPOINT", server.url())
            .stderr(std::process::Stdio::null()),
    );
    assert_eq!(code, 0, "acr-audit failed");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).expect("report")).expect("json");
    let gaps = report["inputs"]["gaps"].as_array().map_or(0, Vec::len);
    assert_eq!(gaps, 0, "the benchmark tenant must be read in full: {}", report["inputs"]["gaps"]);
    (secs, kib)
}

/// A tenant of `subs` subscriptions, each with 10 registries (5 with CMK, one with a private endpoint)
/// and 2 vaults (one with access policies, one with Azure RBAC). Returns (estate, registries, vaults).
fn tenant(subs: usize) -> (Estate, usize, usize) {
    const ROLE: &str = "e147488a-f6f5-4113-8e2d-b22465e65bf6"; // Key Vault Crypto Service Encryption User
    let mut subscriptions = Vec::new();
    let mut resources = vec![json!({
        "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{ROLE}"),
        "name": ROLE,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": "Key Vault Crypto Service Encryption User",
            "type": "BuiltInRole",
            "permissions": [{"actions": [], "notActions": [], "dataActions": [
                "Microsoft.KeyVault/vaults/keys/read",
                "Microsoft.KeyVault/vaults/keys/wrap/action",
                "Microsoft.KeyVault/vaults/keys/unwrap/action"
            ], "notDataActions": []}],
            "assignableScopes": ["/"]
        }
    })];
    for i in 0..subs {
        let sub = format!("{i:08x}-0000-4000-8000-{i:012x}");
        subscriptions.push(json!({"subscriptionId": sub, "displayName": format!("sub-{i}"), "state": "Enabled"}));
        let rg = format!("/subscriptions/{sub}/resourceGroups/rg-{i}");
        let vault_ids = [
            format!("{rg}/providers/Microsoft.KeyVault/vaults/kv{i}a"),
            format!("{rg}/providers/Microsoft.KeyVault/vaults/kv{i}b"),
        ];
        let mut policies = Vec::new();
        for j in 0..10 {
            let name = format!("cr{i}r{j}");
            let id = format!("{rg}/providers/Microsoft.ContainerRegistry/registries/{name}");
            let mut reg = json!({
                "id": id, "name": name, "type": "Microsoft.ContainerRegistry/registries", "location": "japaneast",
                "sku": {"name": "Premium", "tier": "Premium"},
                "properties": {
                    "loginServer": format!("{name}.azurecr.io"), "adminUserEnabled": false,
                    "publicNetworkAccess": "Disabled", "networkRuleBypassOptions": "AzureServices",
                    "networkRuleSet": {"defaultAction": "Deny", "ipRules": []},
                    "policies": {"exportPolicy": {"status": "disabled"}, "retentionPolicy": {"days": 7, "status": "enabled"}},
                    "encryption": {"status": "disabled"}, "dataEndpointEnabled": true, "zoneRedundancy": "Enabled",
                    "anonymousPullEnabled": false, "privateEndpointConnections": []
                }
            });
            if j < 5 {
                let vault = if j % 2 == 0 { 'a' } else { 'b' };
                let (principal, client) =
                    (format!("{i:08x}-1111-4000-8000-{j:012x}"), format!("{i:08x}-2222-4000-8000-{j:012x}"));
                let identity = format!("{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{name}");
                reg["identity"] = json!({"type": "UserAssigned", "userAssignedIdentities": {
                    identity: {"principalId": principal, "clientId": client}}});
                reg["properties"]["encryption"] = json!({"status": "enabled", "keyVaultProperties": {
                    "keyIdentifier": format!("https://kv{i}{vault}.vault.azure.net/keys/k{j}"), "identity": client}});
                let vault_id = &vault_ids[usize::from(vault == 'b')];
                resources.push(json!({
                    "id": format!("{vault_id}/keys/k{j}"), "name": format!("k{j}"), "type": "Microsoft.KeyVault/vaults/keys",
                    "properties": {"kty": "RSA", "keySize": 3072, "keyOps": ["wrapKey", "unwrapKey"],
                        "attributes": {"enabled": true, "exp": 1893456000, "created": 1767225600, "updated": 1767225600},
                        "keyUri": format!("https://kv{i}{vault}.vault.azure.net/keys/k{j}"),
                        "keyUriWithVersion": format!("https://kv{i}{vault}.vault.azure.net/keys/k{j}/0123456789abcdef0123456789abcdef"),
                        "rotationPolicy": {"attributes": {"expiryTime": "P2Y"}, "lifetimeActions": [
                            {"trigger": {"timeAfterCreate": "P18M"}, "action": {"type": "rotate"}}]}}
                }));
                if vault == 'a' {
                    policies.push(json!({"tenantId": "00000000-0000-0000-0000-0000000000aa", "objectId": principal,
                        "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}));
                } else {
                    resources.push(json!({
                        "id": format!("{vault_id}/providers/Microsoft.Authorization/roleAssignments/{i:08x}-3333-4000-8000-{j:012x}"),
                        "name": format!("{i:08x}-3333-4000-8000-{j:012x}"), "type": "Microsoft.Authorization/roleAssignments",
                        "properties": {"roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ROLE}"),
                            "principalId": principal, "principalType": "ServicePrincipal", "scope": vault_id}
                    }));
                }
                resources.push(json!({
                    "id": format!("{id}/providers/microsoft.insights/diagnosticSettings/to-law"), "name": "to-law",
                    "type": "Microsoft.Insights/diagnosticSettings",
                    "properties": {"workspaceId": format!("{rg}/providers/Microsoft.OperationalInsights/workspaces/law"),
                        "logs": [{"categoryGroup": "allLogs", "enabled": true}], "metrics": []}
                }));
            }
            if j == 0 {
                let pe = format!("{rg}/providers/Microsoft.Network/privateEndpoints/pe-{name}");
                reg["properties"]["privateEndpointConnections"] = json!([{
                    "id": format!("{id}/privateEndpointConnections/pe-{name}"),
                    "properties": {"privateEndpoint": {"id": pe}, "privateLinkServiceConnectionState": {"status": "Approved"}}
                }]);
                resources.push(json!({"id": pe, "name": format!("pe-{name}"), "type": "Microsoft.Network/privateEndpoints",
                    "location": "japaneast", "properties": {"privateLinkServiceConnections": [], "provisioningState": "Succeeded"}}));
                resources.push(json!({
                    "id": format!("{pe}/privateDnsZoneGroups/default"), "name": "default",
                    "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                    "properties": {"privateDnsZoneConfigs": [{"name": "privatelink-azurecr-io", "properties": {
                        "privateDnsZoneId": format!("{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io")}}]}
                }));
            }
            resources.push(reg);
        }
        for (k, vault_id) in vault_ids.iter().enumerate() {
            let rbac = k == 1;
            resources.push(json!({
                "id": vault_id, "name": format!("kv{i}{}", if rbac { 'b' } else { 'a' }), "type": "Microsoft.KeyVault/vaults",
                "location": "japaneast",
                "properties": {"tenantId": "00000000-0000-0000-0000-0000000000aa", "sku": {"family": "A", "name": "standard"},
                    "vaultUri": format!("https://kv{i}{}.vault.azure.net/", if rbac { 'b' } else { 'a' }),
                    "accessPolicies": if rbac { json!([]) } else { json!(policies) },
                    "enableSoftDelete": true, "enablePurgeProtection": true, "enableRbacAuthorization": rbac,
                    "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}
            }));
            resources.push(json!({
                "id": format!("{vault_id}/providers/microsoft.insights/diagnosticSettings/audit"), "name": "audit",
                "type": "Microsoft.Insights/diagnosticSettings",
                "properties": {"workspaceId": format!("{rg}/providers/Microsoft.OperationalInsights/workspaces/law"),
                    "logs": [{"category": "AuditEvent", "enabled": true}], "metrics": []}
            }));
        }
    }
    (Estate::new(subscriptions, resources), subs * 10, subs * 2)
}
