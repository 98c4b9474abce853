//! Offline scan benchmark: generates estates of 1,000 / 10,000 / 100,000 registries (with their
//! vaults, keys, identities, private endpoints, role assignments and diagnostic settings) as
//! acr-audit snapshots, scans each with the release binary, and prints wall time and peak memory.
//!
//! Run: `cargo bench --bench offline_scan` (figures are recorded in BENCHMARKS.md).
//! Optional: `-- 10000` to run one size only.

#[path = "support/timed.rs"]
mod support;

use serde_json::{Value, json};
use std::io::Write;
use support::timed;

const REPEATS: usize = 5;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    let dir = tempfile::tempdir().expect("tempdir");
    // ACR_AUDIT_BENCH_KEEP=DIR keeps the generated estates there, for profiling.
    let keep = std::env::var_os("ACR_AUDIT_BENCH_KEEP").map(std::path::PathBuf::from);
    println!(
        "offline scan, {} core(s), {REPEATS} runs each, --format json -o file; peak RSS is the largest of the runs",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:>10} {:>10} {:>10} {:>12} {:>12} {:>10} {:>12} {:>12}",
        "registries", "vaults", "resources", "snapshot MB", "results", "best (s)", "median (s)", "peak RSS MiB"
    );
    for n in sizes {
        let path = keep.as_deref().unwrap_or(dir.path()).join(format!("estate-{n}.json"));
        let (resources, vaults) = write_estate(&path, n);
        let size_mb = std::fs::metadata(&path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
        let report = dir.path().join("report.json");
        let mut times = Vec::new();
        let mut peak_kib = 0;
        for _ in 0..REPEATS {
            let (secs, kib) = run(&path, &report);
            times.push(secs);
            peak_kib = peak_kib.max(kib);
        }
        times.sort_by(f64::total_cmp);
        let (best, median) = (times[0], times[REPEATS / 2]);
        let results = serde_json::from_str::<Value>(&std::fs::read_to_string(&report).unwrap_or_default())
            .ok()
            .and_then(|v| v["results"].as_array().map(|a| a.len()))
            .unwrap_or(0);
        println!(
            "{n:>10} {vaults:>10} {resources:>10} {size_mb:>12.1} {results:>12} {best:>10.3} {median:>12.3} {:>12.1}",
            peak_kib as f64 / 1024.0
        );
    }
}

/// Runs the scan once; wall seconds and the child's peak resident set (KiB).
fn run(snapshot: &std::path::Path, report: &std::path::Path) -> (f64, i64) {
    let (secs, kib, code) = timed(
        std::process::Command::new(env!("CARGO_BIN_EXE_acr-audit"))
            .args(["scan", "--snapshot"])
            .arg(snapshot)
            .args(["--format", "json", "--exit-zero", "--quiet", "--as-of", "2026-11-23", "-o"])
            .arg(report),
    );
    assert_eq!(code, 0, "acr-audit failed");
    (secs, kib)
}

/// Writes an estate of `n` registries; returns (resources, vaults).
fn write_estate(path: &std::path::Path, n: usize) -> (usize, usize) {
    let subs = (n / 10).max(1);
    let vaults = (n / 5).max(1);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create estate"));
    write!(out, "{{\"schema_version\": \"acr-audit.snapshot/v1\", \"resources\": [").unwrap();
    let mut count = 0;
    let mut emit = |out: &mut std::io::BufWriter<std::fs::File>, v: Value| {
        if count > 0 {
            out.write_all(b",\n").unwrap();
        }
        serde_json::to_writer(&mut *out, &v).unwrap();
        count += 1;
    };
    let sub = |i: usize| format!("{:08x}-0000-4000-8000-{:012x}", i % subs, i % subs);
    let mut covered = Vec::new();
    for v in 0..vaults {
        let s = sub(v);
        let id = format!("/subscriptions/{s}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv{v:06}");
        emit(
            &mut out,
            json!({"id": id, "name": format!("kv{v:06}"), "type": "Microsoft.KeyVault/vaults", "location": "japaneast",
            "properties": {"vaultUri": format!("https://kv{v:06}.vault.azure.net/"), "enableSoftDelete": true, "enablePurgeProtection": v % 3 != 0,
            "enableRbacAuthorization": v % 4 == 0, "publicNetworkAccess": if v % 2 == 0 { "Disabled" } else { "Enabled" },
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            "accessPolicies": (0..5).map(|k| json!({"tenantId": "t", "objectId": format!("p-{}", v * 5 + k), "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}})).collect::<Vec<_>>(),
            "privateEndpointConnections": [{"properties": {"privateLinkServiceConnectionState": {"status": "Approved"}}}]}}),
        );
        emit(
            &mut out,
            json!({"id": format!("{id}/keys/cmk"), "name": "cmk", "type": "Microsoft.KeyVault/vaults/keys",
            "properties": {"kty": "RSA", "keySize": 2048 + (v % 3) * 1024, "attributes": {"enabled": v % 7 != 0, "created": 1_750_000_000, "exp": 1_830_000_000 - (v as i64 % 5) * 40_000_000},
            "keyUri": format!("https://kv{v:06}.vault.azure.net/keys/cmk"), "keyUriWithVersion": format!("https://kv{v:06}.vault.azure.net/keys/cmk/v1"),
            "rotationPolicy": {"lifetimeActions": [{"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P1Y"}}]}}}),
        );
        emit(
            &mut out,
            json!({"id": format!("{id}/providers/microsoft.insights/diagnosticSettings/audit"), "type": "Microsoft.Insights/diagnosticSettings", "name": "audit",
            "properties": {"logs": [{"categoryGroup": "audit", "enabled": v % 2 == 0}]}}),
        );
        emit(
            &mut out,
            json!({"id": format!("{id}/providers/Microsoft.Authorization/roleAssignments/ra{v}"), "type": "Microsoft.Authorization/roleAssignments", "name": format!("ra{v}"),
            "properties": {"scope": id, "principalId": format!("p-{}", v * 5), "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6"}}),
        );
        covered.push(id);
    }
    for i in 0..n {
        let s = sub(i);
        let rg = format!("/subscriptions/{s}/resourceGroups/rg-{}", i % 20);
        let id = format!("{rg}/providers/Microsoft.ContainerRegistry/registries/acr{i:06}");
        let cmk = i % 2 == 0;
        let uai = format!("{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id{i:06}");
        let pe = format!("{rg}/providers/Microsoft.Network/privateEndpoints/pe-acr{i:06}");
        let with_pe = i % 3 == 0;
        let mut props = json!({"loginServer": format!("acr{i:06}.azurecr.io"), "adminUserEnabled": i % 5 == 0, "publicNetworkAccess": if i % 2 == 0 { "Disabled" } else { "Enabled" },
            "networkRuleSet": {"defaultAction": if i % 4 == 0 { "Allow" } else { "Deny" }, "ipRules": []}, "networkRuleBypassOptions": "AzureServices",
            "anonymousPullEnabled": i % 11 == 0, "dataEndpointEnabled": i % 2 == 1, "zoneRedundancy": if i % 3 == 0 { "Enabled" } else { "Disabled" },
            "policies": {"exportPolicy": {"status": "enabled"}, "retentionPolicy": {"status": "disabled", "days": 7}, "azureADAuthenticationAsArmPolicy": {"status": "disabled"}},
            "encryption": {"status": "disabled"},
            "privateEndpointConnections": if with_pe { json!([{"properties": {"privateEndpoint": {"id": pe}, "privateLinkServiceConnectionState": {"status": "Approved"}}}]) } else { json!([]) }});
        if cmk {
            let v = (i / 2) % vaults;
            props["encryption"] = json!({"status": "enabled", "keyVaultProperties": {"keyIdentifier": format!("https://kv{v:06}.vault.azure.net/keys/cmk"), "identity": format!("c-{}", v * 5 + (i / 2 / vaults) % 5), "keyRotationEnabled": true}});
        }
        let principal = format!("p-{}", ((i / 2) % vaults) * 5 + (i / 2 / vaults) % 5);
        emit(
            &mut out,
            json!({"id": id, "name": format!("acr{i:06}"), "type": "Microsoft.ContainerRegistry/registries", "location": "japaneast",
            "sku": {"name": if i % 10 == 9 { "Standard" } else { "Premium" }},
            "identity": {"type": "userAssigned", "userAssignedIdentities": {uai.clone(): {"principalId": principal, "clientId": format!("c-{}", ((i / 2) % vaults) * 5 + (i / 2 / vaults) % 5)}}},
            "properties": props}),
        );
        emit(
            &mut out,
            json!({"id": format!("{id}/providers/microsoft.insights/diagnosticSettings/logs"), "type": "Microsoft.Insights/diagnosticSettings", "name": "logs",
            "properties": {"logs": [{"category": "ContainerRegistryLoginEvents", "enabled": true}, {"category": "ContainerRegistryRepositoryEvents", "enabled": i % 4 != 0}]}}),
        );
        emit(
            &mut out,
            json!({"id": uai, "name": format!("id{i:06}"), "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "japaneast",
            "properties": {"principalId": principal, "clientId": format!("c-{i}")}}),
        );
        if with_pe {
            emit(
                &mut out,
                json!({"id": pe, "name": format!("pe-acr{i:06}"), "type": "Microsoft.Network/privateEndpoints", "location": "japaneast", "properties": {"privateLinkServiceConnections": []}}),
            );
            emit(
                &mut out,
                json!({"id": format!("{pe}/privateDnsZoneGroups/default"), "name": "default", "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                "properties": {"privateDnsZoneConfigs": [{"name": "acr", "properties": {"privateDnsZoneId": format!("/subscriptions/{s}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/{}", if i % 6 == 0 { "privatelink.azurecr.io" } else { "example.internal" })}}]}}),
            );
        }
    }
    let cov = json!({"diagnostic_settings": [], "role_assignments": covered, "dns_zone_groups": []});
    write!(out, "], \"coverage\": {cov}}}").unwrap();
    out.flush().unwrap();
    (count, vaults)
}
