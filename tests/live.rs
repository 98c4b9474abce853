//! The live scan end to end: the real binary, the real credential flow (client secret against the
//! loopback token endpoint) and real ARM calls against the loopback ARM server (`tests/armserver`),
//! which serves the example estate and misbehaves on demand.

mod armserver;
mod common;

use armserver::{ArmServer, Config, Estate, Fault, FaultKind, Match};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const AS_OF: &str = "2026-11-23T00:00:00Z";
/// The example estate's subscription that answers 403.
const CORP_IT: &str = "/subscriptions/9b6e4d21-0a7c-4e3f-8b15-c2d9a6f0e873";

fn example() -> Value {
    serde_json::from_str(&std::fs::read_to_string(common::root().join("examples/estate.json")).unwrap()).unwrap()
}

/// The example estate says some lists were not read (its `coverage` leaves them out); these faults make
/// the server refuse exactly those, so that a live scan sees what the snapshot saw.
fn example_faults() -> Vec<Fault> {
    let mut faults = Vec::new();
    let estate = example();
    let covered = |list: &str, id: &str| {
        estate["coverage"][list].as_array().unwrap().iter().any(|c| c.as_str().unwrap().eq_ignore_ascii_case(id))
    };
    for r in estate["resources"].as_array().unwrap() {
        let (id, kind) = (r["id"].as_str().unwrap(), r["type"].as_str().unwrap().to_ascii_lowercase());
        if kind == "microsoft.network/privateendpoints" && !covered("dns_zone_groups", id) {
            faults.push(forbidden(&format!("{id}/privateDnsZoneGroups")));
        }
        let has_diagnostics =
            ["microsoft.containerregistry/registries", "microsoft.keyvault/vaults"].contains(&kind.as_str());
        if has_diagnostics && !covered("diagnostic_settings", id) {
            faults.push(forbidden(&format!("{id}/providers/Microsoft.Insights/diagnosticSettings")));
        }
    }
    faults
}

fn fault(path: &str, matching: Match, kind: FaultKind, times: Option<usize>) -> Fault {
    Fault { method: None, path_prefix: path.to_string(), matching, kind, times }
}

fn forbidden(path: &str) -> Fault {
    fault(path, Match::Exact, FaultKind::Forbidden, None)
}

fn example_config(page_size: usize) -> Config {
    Config { page_size, faults: example_faults(), ..Config::default() }
}

fn serve(config: &Config) -> ArmServer {
    ArmServer::start(Estate::from_snapshot(&example()), config.clone())
}

/// acr-audit signed in as the server's service principal, pointed at the server.
fn live(server: &ArmServer, config: &Config) -> common::Builder {
    common::acr_audit()
        .env("AZURE_TENANT_ID", &config.tenant_id)
        .env("AZURE_CLIENT_ID", &config.client_id)
        .env("AZURE_CLIENT_SECRET", &config.client_secret)
        .env("AZURE_AUTHORITY_HOST", &server.url())
        .env("ACR_AUDIT_ARM_ENDPOINT", &server.url())
}

/// (rule, lower-case resource ID) → status, from a JSON report.
fn verdicts(report: &str) -> BTreeMap<(String, String), String> {
    let report: Value = serde_json::from_str(report).expect("JSON report");
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = (r["rule"].as_str().unwrap().to_string(), r["resource"].as_str().unwrap().to_ascii_lowercase());
            (key, r["status"].as_str().unwrap().to_string())
        })
        .collect()
}

/// The results of a JSON report without where each resource was read from (a file line offline,
/// nothing live): rule, resource, status, message, path, observed.
fn results(report: &str) -> Vec<Value> {
    let report: Value = serde_json::from_str(report).expect("JSON report");
    report["results"].as_array().unwrap().clone()
}

fn gaps(report: &str) -> Vec<(String, String)> {
    let report: Value = serde_json::from_str(report).expect("JSON report");
    report["inputs"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["scope"].as_str().unwrap().to_string(), g["reason"].as_str().unwrap().to_string()))
        .collect()
}

fn assert_same_verdicts(live: &BTreeMap<(String, String), String>, offline: &BTreeMap<(String, String), String>) {
    let mut differences: Vec<_> = offline
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k:?}: snapshot {v}, live {:?}", live.get(k)))
        .collect();
    differences.extend(live.keys().filter(|k| !offline.contains_key(*k)).map(|k| format!("{k:?}: only live")));
    assert!(differences.is_empty(), "live and snapshot verdicts differ:\n{}", differences.join("\n"));
}

fn offline_verdicts() -> BTreeMap<(String, String), String> {
    let out =
        common::acr_audit().args(["scan", "--snapshot", "estate.json", "--format", "json", "--as-of", AS_OF]).run();
    verdicts(&out.stdout)
}

#[test]
fn a_live_scan_gives_every_rule_the_verdict_the_snapshot_gives() {
    // Pages of two: every list is followed through its nextLinks.
    let config = example_config(2);
    let server = serve(&config);
    let out = live(&server, &config).args(["scan", "--format", "json", "--as-of", AS_OF]).run();
    assert_eq!(out.code, 1, "findings trip the default gate: {}", out.stderr);
    let live = verdicts(&out.stdout);
    assert_same_verdicts(&live, &offline_verdicts());
    // The estate's registries carry identity type `userAssigned` (lower-case u), as real ARM sends it:
    // the SDK's typed models reject that page; the raw reading keeps every registry.
    assert!(example().to_string().contains(r#""type":"userAssigned""#));
    // Every rule passes somewhere and fails somewhere, live too.
    for status in ["pass", "fail", "unknown"] {
        assert!(live.values().any(|s| s == status), "some result is {status}");
    }
    assert!(server.requests().iter().any(|r| r.query.contains("skiptoken")), "lists were paged");
    // The subscription that answers 403 is reported as not seen, with ARM's reason.
    let gaps = gaps(&out.stdout);
    assert!(
        gaps.iter()
            .any(|(s, r)| s.starts_with(&format!("{CORP_IT}/providers/")) && r.starts_with("403 AuthorizationFailed")),
        "{gaps:?}"
    );
    // The registry whose key is in that subscription: unknown, with the 403 as the reason.
    let legacy = results(&out.stdout)
        .into_iter()
        .filter(|r| r["resource"].as_str().unwrap().ends_with("/crcontosolegacyje") && r["rule"] == "CMK003")
        .collect::<Vec<_>>();
    assert_eq!(legacy[0]["status"], "unknown");
    assert!(legacy[0]["message"].as_str().unwrap().contains("403"), "{}", legacy[0]["message"]);
}

#[test]
fn a_collected_snapshot_scans_offline_exactly_as_the_live_scan() {
    let config = example_config(100);
    let server = serve(&config);
    let live_scan = live(&server, &config).args(["scan", "--format", "json", "--as-of", AS_OF]).run();
    let collect = live(&server, &config).args(["collect", "-o", "collected.json"]).run();
    assert_eq!(collect.code, 0, "{}", collect.stderr);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(collect.dir.path().join("collected.json")).unwrap()).unwrap();
    assert_eq!(snapshot["schema_version"], "acr-audit.snapshot/v1");
    assert_eq!(snapshot["subscriptions"].as_array().unwrap().len(), 5);
    let path = collect.dir.path().join("collected.json");
    let offline = common::acr_audit()
        .args(["scan", "--format", "json", "--as-of", AS_OF, "--snapshot", path.to_str().unwrap()])
        .run();
    assert_eq!(offline.code, live_scan.code);
    assert_eq!(results(&offline.stdout), results(&live_scan.stdout), "identical results, messages included");
    assert_eq!(gaps(&offline.stdout), gaps(&live_scan.stdout), "the same gaps");
}

#[test]
fn the_scanner_only_reads_and_never_shows_a_secret() {
    let config = example_config(100);
    let server = serve(&config);
    let mut outputs = Vec::new();
    for format in ["table", "json", "sarif"] {
        let out = live(&server, &config).args(["scan", "-v", "--format", format, "--as-of", AS_OF]).run();
        outputs.push(out.stdout);
        outputs.push(out.stderr);
    }
    let collect = live(&server, &config).args(["collect", "-v", "-o", "collected.json"]).run();
    outputs.push(std::fs::read_to_string(collect.dir.path().join("collected.json")).unwrap());
    outputs.push(collect.stderr);
    let requests = server.requests();
    let stats = server.stats();
    assert_eq!(stats.non_get, 0);
    let mut tokens = Vec::new();
    for r in &requests {
        if r.path.ends_with("/oauth2/v2.0/token") {
            assert_eq!(r.method, "POST", "the credential flow");
            continue;
        }
        assert_eq!(r.method, "GET", "{} {}", r.method, r.path);
        let auth = r.authorization.as_deref().expect("a bearer token on every ARM request");
        tokens.push(auth.trim_start_matches("Bearer ").to_string());
    }
    assert!(!tokens.is_empty());
    for text in &outputs {
        assert!(!text.contains(&config.client_secret), "the client secret leaked");
        for t in &tokens {
            assert!(!text.contains(t.as_str()), "a token leaked");
        }
    }
    // -v logs each request: method, path and status.
    assert!(outputs[1].contains("GET /subscriptions?api-version=2022-12-01 → 200"), "{}", outputs[1]);
}

#[test]
fn transient_faults_are_retried_and_lose_nothing() {
    let prod = "/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15";
    let stg = "/subscriptions/8c4d2e91-7f3a-4b5c-a1d0-6e9b2f4c7d38";
    let mut config = example_config(2);
    config.latency = Duration::from_millis(5);
    // Tokens die after 1 s although they announce an hour: the client must get a new one.
    config.token_lifetime = Some(Duration::from_secs(1));
    config.faults.extend([
        fault(
            &format!("{prod}/providers/Microsoft.ContainerRegistry/registries"),
            Match::Exact,
            FaultKind::Throttle { retry_after_secs: 2 },
            Some(1),
        ),
        fault("/providers/Microsoft.Insights/diagnosticSettings", Match::Contains, FaultKind::Status(500), Some(2)),
        fault(&format!("{stg}/providers/Microsoft.KeyVault/vaults"), Match::Exact, FaultKind::Status(503), Some(1)),
        fault("/keys/", Match::Contains, FaultKind::Timeout, Some(1)),
        fault("/privateEndpoints/", Match::Contains, FaultKind::Truncated, Some(2)),
        fault("/privateDnsZoneGroups", Match::Contains, FaultKind::Status(502), Some(1)),
    ]);
    let server = serve(&config);
    let out =
        live(&server, &config).args(["scan", "--format", "json", "--as-of", AS_OF, "--request-timeout", "2"]).run();
    // Nothing lost to transient faults.
    assert_same_verdicts(&verdicts(&out.stdout), &offline_verdicts());
    // The only gaps are the estate's own: the 403 subscription and the lists the snapshot lacks.
    let expected: Vec<String> = example_faults().into_iter().map(|f| f.path_prefix.to_ascii_lowercase()).collect();
    for (scope, reason) in gaps(&out.stdout) {
        let scope = scope.to_ascii_lowercase();
        assert!(
            scope.starts_with(CORP_IT) || scope.contains("kv-contoso-corpit-je") || expected.contains(&scope),
            "a transient fault became a gap: {scope}: {reason}"
        );
    }
    let requests = server.requests();
    for label in ["Throttle", "Status(500)", "Status(503)", "Timeout", "Truncated", "Status(502)"] {
        assert!(
            requests.iter().any(|r| r
                .fault
                .as_deref()
                .is_some_and(|f| f.starts_with(&label[..label.find('(').unwrap_or(label.len())]))),
            "fault {label} was exercised"
        );
    }
    // Nothing was sent for the throttled subscription before its Retry-After elapsed.
    let throttled_at = requests.iter().find(|r| r.status == 429).expect("a 429").at;
    let early: Vec<_> = requests
        .iter()
        .filter(|r| {
            r.path.starts_with(prod)
                && r.at > throttled_at + Duration::from_millis(50)
                && r.at < throttled_at + Duration::from_secs(2)
        })
        .map(|r| &r.path)
        .collect();
    assert!(early.is_empty(), "sent before Retry-After elapsed: {early:?}");
    assert_eq!(server.stats().early, 0);
    assert!(server.stats().token_requests >= 2, "the expired token was renewed");
}

#[test]
fn what_cannot_be_read_is_unknown_and_said_everywhere() {
    let prod_keys = "/subscriptions/2a9f6b1e-4c8d-4e3a-b7f5-91d0c6e2a4b7/resourceGroups/rg-kv-prod-je/providers/Microsoft.KeyVault/vaults/kv-contoso-prod-je/keys/";
    let diag = "/subscriptions/8c4d2e91-7f3a-4b5c-a1d0-6e9b2f4c7d38/resourceGroups";
    let mut config = example_config(100);
    config.faults.extend([
        // The prod key can never be read: 403 on the key.
        fault(prod_keys, Match::Prefix, FaultKind::Forbidden, None),
        // The staging registries' diagnostic settings never answer.
        fault(&format!("{diag}/rg-acr-stg-je/providers/Microsoft.ContainerRegistry/registries/crcontosostgweb/providers/Microsoft.Insights/diagnosticSettings"), Match::Exact, FaultKind::Timeout, None),
    ]);
    let server = serve(&config);
    let run = |format: &str| {
        live(&server, &config)
            .args([
                "scan",
                "--format",
                format,
                "--as-of",
                AS_OF,
                "--request-timeout",
                "1",
                "--fail-on-unknown",
                "--fail-on",
                "critical",
            ])
            .run()
    };
    let json = run("json");
    let gaps = gaps(&json.stdout);
    let key_gap = gaps.iter().find(|(s, _)| s.contains("/kv-contoso-prod-je/keys/")).expect("the key's gap");
    assert!(key_gap.1.starts_with("403 AuthorizationFailed"), "{key_gap:?}");
    let diag_gap = gaps
        .iter()
        .find(|(s, _)| s.ends_with("crcontosostgweb/providers/Microsoft.Insights/diagnosticSettings"))
        .expect("diag gap");
    assert!(diag_gap.1.contains("no answer within 1 s"), "{diag_gap:?}");
    let v = verdicts(&json.stdout);
    let prod = "/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/resourcegroups/rg-acr-prod-je/providers/microsoft.containerregistry/registries/crcontosoprodje";
    for rule in ["CMK004", "CMK005", "CMK008"] {
        assert_eq!(v[&(rule.to_string(), prod.to_string())], "unknown", "{rule} needs the unreadable key");
    }
    let web = v.iter().find(|((r, id), _)| r == "ACR014" && id.ends_with("/crcontosostgweb")).unwrap();
    assert_eq!(web.1, "unknown", "diagnostic settings that never answered");
    assert_eq!(json.code, 1, "--fail-on-unknown trips the gate");
    assert!(json.stderr.contains("not seen") && json.stderr.contains("kv-contoso-prod-je"), "{}", json.stderr);
    let sarif: Value = serde_json::from_str(&run("sarif").stdout).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"].as_str().unwrap().contains("kv-contoso-prod-je")));
    assert!(run("table").stdout.contains("kv-contoso-prod-je"));
}

#[test]
fn a_missing_or_wrong_credential_is_one_clear_error() {
    let config = example_config(100);
    let server = serve(&config);
    let wrong = live(&server, &config).env("AZURE_CLIENT_SECRET", "not-the-secret-1234").args(["scan"]).run();
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("could not sign in to Azure"), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("az login") && wrong.stderr.contains("AZURE_CLIENT_SECRET"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("not-the-secret-1234"));
    assert!(wrong.stdout.is_empty());
    assert!(server.requests().iter().all(|r| r.path.ends_with("/token")), "nothing read from ARM without a token");
}

#[test]
fn workload_identity_federation_signs_in_without_a_secret() {
    let config = example_config(100);
    let server = serve(&config);
    let token_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token_file.path(), &config.federated_token).unwrap();
    let out = common::acr_audit()
        .env("AZURE_TENANT_ID", &config.tenant_id)
        .env("AZURE_CLIENT_ID", &config.client_id)
        .env("AZURE_FEDERATED_TOKEN_FILE", token_file.path().to_str().unwrap())
        .env("AZURE_AUTHORITY_HOST", &server.url())
        .env("ACR_AUDIT_ARM_ENDPOINT", &server.url())
        .args(["scan", "--format", "json", "--as-of", AS_OF])
        .run();
    assert_same_verdicts(&verdicts(&out.stdout), &offline_verdicts());
    assert!(!out.stderr.contains(&config.federated_token), "the federated token leaked");
}

#[test]
fn subscriptions_are_chosen_by_id() {
    let config = example_config(100);
    let server = serve(&config);
    let out = live(&server, &config)
        .args(["scan", "--format", "json", "--as-of", AS_OF, "--subscription", "d7b3e0a4-6c2f-4f18-8e95-3a1c5b9d0f62"])
        .run();
    let v = verdicts(&out.stdout);
    assert!(!v.is_empty());
    assert!(
        v.keys().all(|(_, id)| id.starts_with("/subscriptions/d7b3e0a4-6c2f-4f18-8e95-3a1c5b9d0f62/")),
        "only contoso-dev"
    );
    let by_name = live(&server, &config).args(["scan", "--subscription", "contoso-dev"]).run();
    assert_eq!(by_name.code, 2);
    assert!(by_name.stderr.contains("not a subscription ID"), "{}", by_name.stderr);
}

/// The example estate without the resources under `prefix` (a vault and its keys, say).
fn example_without(prefix: &str) -> Value {
    let mut estate = example();
    let prefix = prefix.to_ascii_lowercase();
    estate["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !r["id"].as_str().unwrap().to_ascii_lowercase().starts_with(&prefix));
    estate
}

fn result_of<'a>(results: &'a [Value], rule: &str, registry: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["rule"] == rule && r["resource"].as_str().unwrap().ends_with(&format!("/{registry}")))
        .unwrap_or_else(|| panic!("no {rule} result for {registry}"))
}

#[test]
fn a_key_in_a_subscription_outside_the_scan_is_found_there() {
    // contoso-prod's registries keep their keys in contoso-shared-security's vaults.
    let config = example_config(100);
    let server = serve(&config);
    let out = live(&server, &config)
        .args(["scan", "--format", "json", "--as-of", AS_OF, "--subscription", "5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15"])
        .run();
    let live = verdicts(&out.stdout);
    let offline = offline_verdicts();
    let prod_registries: Vec<_> = live.keys().filter(|(_, id)| id.contains("/registries/")).collect();
    assert!(!prod_registries.is_empty());
    for key in prod_registries {
        assert_eq!(live.get(key), offline.get(key), "{key:?}");
    }
    assert!(
        server.requests().iter().any(|r| r
            .path
            .starts_with("/subscriptions/2a9f6b1e-4c8d-4e3a-b7f5-91d0c6e2a4b7/providers/Microsoft.KeyVault/vaults")),
        "the other subscription's vaults were listed"
    );
}

#[test]
fn a_soft_deleted_vault_breaks_the_chain_and_a_purged_one_is_unknown() {
    let batch = "/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/resourceGroups/rg-kv-batch-je/providers/Microsoft.KeyVault/vaults/kv-contoso-batch-je";
    let orders = "/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/resourceGroups/rg-kv-orders-je/providers/Microsoft.KeyVault/vaults/kv-contoso-orders-je";
    // The batch vault was deleted (soft-deleted: ARM lists it among deleted vaults); the orders vault
    // is gone without a trace (purged): nothing says it does not exist.
    let mut estate = example_without(orders);
    estate["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !r["id"].as_str().unwrap().to_ascii_lowercase().starts_with(&batch.to_ascii_lowercase()));
    let mut estate = Estate::from_snapshot(&estate);
    estate.add_deleted_vault(batch, "japaneast");
    let config = example_config(100);
    let server = ArmServer::start(estate, config.clone());
    let out = live(&server, &config).args(["scan", "--format", "json", "--as-of", AS_OF]).run();
    let results = results(&out.stdout);
    let deleted = result_of(&results, "CMK004", "crcontosobatchje");
    assert_eq!(deleted["status"], "fail", "{deleted}");
    let purged = result_of(&results, "CMK004", "crcontosoordersje");
    assert_eq!(purged["status"], "unknown", "{purged}");
    assert!(purged["message"].as_str().unwrap().contains("not found in the"), "{purged}");
}

#[test]
fn a_registry_deleted_during_the_scan_is_not_audited() {
    let web = "/subscriptions/8c4d2e91-7f3a-4b5c-a1d0-6e9b2f4c7d38/resourceGroups/rg-acr-stg-je/providers/Microsoft.ContainerRegistry/registries/crcontosostgweb";
    let mut config = example_config(100);
    config.faults.push(fault(web, Match::Exact, FaultKind::NotFound, None));
    let server = serve(&config);
    let out = live(&server, &config).args(["scan", "--format", "json", "--as-of", AS_OF]).run();
    assert!(!out.stdout.contains("crcontosostgweb"), "a deleted registry has no results");
    assert!(out.stderr.contains("crcontosostgweb was deleted during the scan"), "{}", out.stderr);
}

#[test]
fn a_long_retry_after_does_not_hold_up_the_scan() {
    let dev = "/subscriptions/d7b3e0a4-6c2f-4f18-8e95-3a1c5b9d0f62";
    let mut config = example_config(100);
    config.faults.push(fault(
        &format!("{dev}/providers/Microsoft.KeyVault/vaults"),
        Match::Exact,
        FaultKind::Throttle { retry_after_secs: 900 },
        None,
    ));
    let server = serve(&config);
    let started = std::time::Instant::now();
    let out =
        live(&server, &config).args(["scan", "--format", "json", "--as-of", AS_OF, "--max-retry-wait", "5"]).run();
    assert!(started.elapsed() < Duration::from_secs(60), "the scan did not wait 900 s");
    let gaps = gaps(&out.stdout);
    assert!(gaps.iter().any(|(s, r)| s.starts_with(dev) && r.contains("429")), "{gaps:?}");
    // Other subscriptions are read in full, and the rest of the throttled one is reported as not seen.
    let v = verdicts(&out.stdout);
    let offline = offline_verdicts();
    for (key, status) in &v {
        if !key.1.starts_with(dev) && !key.1.contains("kv-contoso-dev-je") {
            assert_eq!(Some(status), offline.get(key), "{key:?}");
        }
    }
    assert_eq!(
        v[&(
            "CMK004".to_string(),
            format!(
                "{dev}/resourcegroups/rg-acr-dev-je/providers/microsoft.containerregistry/registries/crcontosodevml"
            )
        )],
        "unknown"
    );
}

#[test]
fn an_unreachable_resource_manager_is_a_clear_error() {
    let config = example_config(100);
    let server = serve(&config);
    // Sign-in works (the loopback token endpoint), but nothing listens where ARM should be.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = live(&server, &config).env("ACR_AUDIT_ARM_ENDPOINT", &url).args(["scan", "--request-timeout", "1"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("could not list the subscriptions") && out.stderr.contains("connection"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn an_identity_that_sees_no_subscription_is_an_error_not_a_clean_scan() {
    let config = example_config(100);
    let server = ArmServer::start(Estate::new(Vec::new(), Vec::new()), config.clone());
    let out = live(&server, &config).args(["scan"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("sees no enabled subscription") && out.stderr.contains("Reader"), "{}", out.stderr);
}
