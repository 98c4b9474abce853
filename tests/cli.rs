//! End-to-end tests of the binary: every format in both languages, exit codes, the configuration
//! file, custom rules and bad input. Everything a user sees is snapshotted (`cargo insta review`).

mod common;

use common::acr_audit;

const AS_OF: &str = "2026-06-01T00:00:00Z";

/// Two registries and a vault (copied into each run's working directory).
fn small() -> String {
    "small.json".into()
}

fn scan(extra: &[&str]) -> common::Output {
    acr_audit().args(["scan", "--snapshot", &small(), "--as-of", AS_OF]).args(extra).run()
}

fn json(out: &common::Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout))
}

// ---- every format, both languages -----------------------------------------------------------------

#[test]
fn table_in_english_and_japanese() {
    let en = scan(&["--lang", "en"]);
    assert_eq!(en.code, 1);
    insta::assert_snapshot!("table_en", en.stdout);
    let ja = scan(&["--lang", "ja"]);
    insta::assert_snapshot!("table_ja", ja.stdout);
}

#[test]
fn json_report_in_both_languages() {
    for lang in ["en", "ja"] {
        let out = scan(&["--lang", lang, "--format", "json", "--select", "ACR007,CMK004,KV002"]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        insta::assert_snapshot!(format!("json_{lang}"), out.stdout);
    }
}

#[test]
fn sarif_in_both_languages() {
    for lang in ["en", "ja"] {
        let out = scan(&["--lang", lang, "--format", "sarif", "--select", "ACR007,CMK004,KV002"]);
        insta::assert_snapshot!(format!("sarif_{lang}"), out.stdout);
    }
}

#[test]
fn japanese_locale_is_the_default_language() {
    let out = acr_audit().env("LANG", "ja_JP.UTF-8").args(["scan", "--snapshot", &small(), "--as-of", AS_OF]).run();
    assert!(out.stdout.contains("重大度"), "{}", out.stdout);
    let out = acr_audit()
        .env("LANG", "ja_JP.UTF-8")
        .args(["scan", "--snapshot", &small(), "--as-of", AS_OF, "--lang", "en"])
        .run();
    assert!(out.stdout.contains("Severity"));
}

#[test]
fn sarif_reads_back_through_a_typed_sarif_model() {
    let out = scan(&["--format", "sarif"]);
    let log: serde_sarif::sarif::Sarif = serde_json::from_str(&out.stdout).expect("valid SARIF 2.1.0 model");
    assert_eq!(serde_json::to_value(&log.version).unwrap(), "2.1.0");
    let run = &log.runs[0];
    let rules = run.tool.driver.rules.as_ref().expect("rules");
    let results = run.results.as_ref().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let id = r.rule_id.as_deref().expect("ruleId");
        let index = r.rule_index.expect("ruleIndex") as usize;
        assert_eq!(rules[index].id, id, "ruleIndex points at the rule");
        let loc = &r.locations.as_ref().expect("locations")[0];
        let uri =
            loc.physical_location.as_ref().and_then(|p| p.artifact_location.as_ref()).and_then(|a| a.uri.as_deref());
        assert!(uri.is_some_and(|u| u.ends_with("small.json")), "{uri:?}");
        let logical = &loc.logical_locations.as_ref().expect("logical location")[0];
        assert!(logical.fully_qualified_name.as_deref().is_some_and(|n| n.starts_with("/subscriptions/")));
        assert!(r.partial_fingerprints.as_ref().is_some_and(|f| !f.is_empty()));
        let kind = serde_json::to_value(r.kind.as_ref().expect("kind")).unwrap();
        assert!(kind == "fail" || kind == "open", "{kind}");
    }
    for rule in rules {
        let props = rule.properties.as_ref().expect("properties");
        let extra = serde_json::to_value(props).unwrap();
        assert!(extra["security-severity"].as_str().is_some_and(|s| s.parse::<f64>().is_ok()), "{extra}");
        assert!(rule.help.as_ref().is_some_and(|h| h.markdown.is_some()));
    }
}

#[test]
fn fingerprints_are_stable_across_runs_and_languages() {
    let fp = |lang: &str| {
        let v: serde_json::Value = serde_json::from_str(&scan(&["--format", "sarif", "--lang", lang]).stdout).unwrap();
        v["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["partialFingerprints"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(fp("en"), fp("ja"));
}

#[test]
fn output_file_receives_the_report() {
    let b = acr_audit();
    let path = b.dir().join("report.json");
    let out =
        b.args(["scan", "--snapshot", &small(), "--format", "json", "-o", path.to_str().unwrap(), "--exit-zero"]).run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.is_empty());
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report["schema"], "acr-audit.report/v1");
}

// ---- the CI gate ------------------------------------------------------------------------------------

#[test]
fn exit_codes_follow_the_gate() {
    // crappprod: admin user on (high), key disabled (critical).
    assert_eq!(scan(&[]).code, 1, "default --fail-on low trips on any failure");
    assert_eq!(
        scan(&["--select", "ACR007", "--fail-on", "critical"]).code,
        0,
        "a high failure under --fail-on critical"
    );
    assert_eq!(scan(&["--select", "ACR007", "--fail-on", "high"]).code, 1);
    assert_eq!(scan(&["--exit-zero"]).code, 0);
    assert_eq!(scan(&["--fail-on", "bogus"]).code, 2);
}

#[test]
fn unknowns_trip_the_gate_only_when_asked() {
    // KV005: diagnostic settings were not collected for kv-app-prod, so it is unknown.
    let out = scan(&["--select", "KV005", "--format", "json"]);
    let statuses: Vec<_> = json(&out)["results"].as_array().unwrap().iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, ["unknown"]);
    assert_eq!(out.code, 0);
    assert_eq!(scan(&["--select", "KV005", "--fail-on-unknown"]).code, 1);
}

#[test]
fn info_findings_never_fail_unless_asked() {
    let cfg = "[rule.ACR007]\nseverity = \"info\"\n";
    let out = acr_audit().config(cfg).args(["scan", "--snapshot", &small(), "--select", "ACR007"]).run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out =
        acr_audit().config(cfg).args(["scan", "--snapshot", &small(), "--select", "ACR007", "--fail-on", "info"]).run();
    assert_eq!(out.code, 1);
}

// ---- configuration ----------------------------------------------------------------------------------

#[test]
fn a_suppression_hides_a_failure_from_the_gate_but_keeps_it_visible() {
    let cfg = r#"
[[suppress]]
rule = "ACR007"
resource = "/subscriptions/*/resourceGroups/rg-app/providers/Microsoft.ContainerRegistry/registries/*"
reason = "Legacy CI pipeline, migration tracked in JIRA-1234"
expires = "2099-01-01"
"#;
    let out =
        acr_audit().config(cfg).args(["scan", "--snapshot", &small(), "--select", "ACR007", "--format", "json"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = json(&out);
    let fail = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "fail")
        .expect("the failure is still listed");
    assert_eq!(fail["suppressed"]["reason"], "Legacy CI pipeline, migration tracked in JIRA-1234");
    assert_eq!(report["suppressions"][0]["matched"], 1);

    let out =
        acr_audit().config(cfg).args(["scan", "--snapshot", &small(), "--select", "ACR007", "--format", "sarif"]).run();
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let s = &sarif["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["justification"], "Legacy CI pipeline, migration tracked in JIRA-1234");
}

#[test]
fn an_expired_suppression_no_longer_suppresses_and_warns() {
    let cfg = "[[suppress]]\nrule = \"ACR007\"\nresource = \"*\"\nreason = \"temporary\"\nexpires = \"2026-01-31\"\n";
    let out =
        acr_audit().config(cfg).args(["scan", "--snapshot", &small(), "--select", "ACR007", "--as-of", AS_OF]).run();
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("expired on 2026-01-31"), "{}", out.stderr);
    assert!(out.stderr.contains("suppression at acr-audit.toml:2"), "{}", out.stderr);
}

#[test]
fn config_errors_name_the_line_and_exit_2() {
    let cases = [
        ("fail-on = \"high\"\nfial-on-unknown = true\n", "acr-audit.toml:2"),
        ("fail-on = \"severe\"\n", "acr-audit.toml:1"),
        ("[[suppress]]\nrule = \"ACR007\"\nresource = \"*\"\nreason = \"  \"\n", "acr-audit.toml:4"),
        (
            "[[suppress]]\nrule = \"ACR007\"\nresource = \"*\"\nreason = \"x\"\nexpires = \"next year\"\n",
            "acr-audit.toml:5",
        ),
        ("\n[[suppress]]\nrule = \"NOPE001\"\nresource = \"*\"\nreason = \"x\"\n", "acr-audit.toml:3"),
        ("[rule.CMK008.parameters]\nwarn-dayz = 10\n", "acr-audit.toml:1"),
        ("[rule.CMK008.parameters]\nwarn-days = \"ten\"\n", "parameter warn-days"),
        ("[rule.XYZ999]\nseverity = \"low\"\n", "there is no rule XYZ999"),
    ];
    for (cfg, expected) in cases {
        let out = acr_audit().config(cfg).args(["scan", "--snapshot", &small()]).run();
        assert_eq!(out.code, 2, "config {cfg:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "config {cfg:?}: expected {expected:?} in\n{}", out.stderr);
        assert!(out.stderr.contains("help:"), "{}", out.stderr);
    }
    insta::assert_snapshot!(
        "config_error",
        acr_audit()
            .config("fail-on = \"high\"\nfial-on-unknown = true\n")
            .args(["scan", "--snapshot", &small()])
            .run()
            .stderr
    );
}

#[test]
fn config_parameters_change_what_a_rule_decides() {
    // The key is RSA 3072: min-key-size 4096 makes CMK006 fail, the default passes.
    let status = |cfg: &str| {
        let out = acr_audit()
            .config(cfg)
            .args(["scan", "--snapshot", &small(), "--select", "CMK006", "--format", "json"])
            .run();
        json(&out)["results"][0]["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status(""), "pass");
    assert_eq!(status("[rule.CMK006.parameters]\nmin-key-size = 4096\n"), "fail");
}

#[test]
fn select_and_ignore_choose_rules() {
    let out = scan(&["--select", "KV", "--ignore", "KV005", "--format", "json", "--exit-zero"]);
    let codes: std::collections::BTreeSet<String> =
        json(&out)["rules"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(codes, ["KV001", "KV002", "KV003", "KV004", "KV006"].map(String::from).into());
    assert_eq!(scan(&["--select", "NOPE"]).code, 2);
}

// ---- custom rules -----------------------------------------------------------------------------------

const CUSTOM_RULE: &str = r#"# METADATA
# title: Registry is not in an approved region
# description: Registries must stay in Japan for data residency.
# custom:
#   code: ORG001
#   name: registry-outside-japan
#   severity: medium
#   resource: registry
#   ja:
#     title: 承認されていないリージョンのレジストリ
#     description: データ所在地の要件により、レジストリは日本国内に置く必要があります。
#   messages:
#     pass: {en: "In {observed}", ja: "{observed} にあります"}
#     fail: {en: "In {observed}, outside Japan", ja: "{observed} にあり、日本国外です"}
#   remediation:
#     en: Move the registry to Japan East or Japan West.
#     ja: レジストリを東日本または西日本リージョンへ移してください。
package org.rules.region

import data.acr_audit.lib
import rego.v1

results := [verdict(r) | some r in lib.registries]

verdict(r) := lib.result(r, "pass", "pass", "location", r.location) if {
	r.location in {"japaneast", "japanwest"}
} else := lib.result(r, "fail", "fail", "location", r.location)
"#;

#[test]
fn custom_rules_follow_the_same_contract() {
    let b = acr_audit();
    std::fs::create_dir(b.dir().join("my-rules")).unwrap();
    std::fs::write(b.dir().join("my-rules/org001.rego"), CUSTOM_RULE).unwrap();
    let out =
        b.args(["scan", "--snapshot", &small(), "--rules", "my-rules", "--select", "ORG", "--format", "json"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let results = json(&out)["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r["status"] == "pass"));
}

#[test]
fn bad_custom_rules_are_refused_with_file_and_line() {
    let cases: Vec<(String, &str)> = vec![
        (CUSTOM_RULE.replace("some r in lib.registries]", "some r in lib.registries"), "org001.rego"),
        (CUSTOM_RULE.replace("#   severity: medium\n", ""), "missing field `severity`"),
        (CUSTOM_RULE.replace("ORG001", "ACR007"), "org001.rego:5: rule code ACR007 is already taken"),
        (CUSTOM_RULE.replace("#   name: registry-outside-japan", "#   name: Registry Outside"), "kebab-case"),
        (CUSTOM_RULE.replace("\"pass\", \"pass\"", "\"pass\", \"passed\""), "message id \"passed\""),
        (
            CUSTOM_RULE.replace(
                "results := [verdict(r) | some r in lib.registries]",
                "results := [verdict(r) | some r in lib.registries; r.sku == \"Premium\"]",
            ),
            "no result for",
        ),
    ];
    for (text, expected) in cases {
        let b = acr_audit();
        std::fs::create_dir(b.dir().join("r")).unwrap();
        std::fs::write(b.dir().join("r/org001.rego"), &text).unwrap();
        let out = b.args(["scan", "--snapshot", &small(), "--rules", "r"]).run();
        assert_eq!(out.code, 2, "expected exit 2 for {expected:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "expected {expected:?} in:\n{}", out.stderr);
        assert!(out.stderr.contains("org001.rego"), "the file is named:\n{}", out.stderr);
    }
}

#[test]
fn a_rule_that_runs_too_long_is_stopped_and_reported() {
    let slow = CUSTOM_RULE.replace(
        "results := [verdict(r) | some r in lib.registries]",
        "results := [verdict(r) | some r in lib.registries; count([i | some i in numbers.range(1, 200000000)]) > 0]",
    );
    let b = acr_audit();
    std::fs::create_dir(b.dir().join("r")).unwrap();
    std::fs::write(b.dir().join("r/org001.rego"), slow).unwrap();
    let started = std::time::Instant::now();
    let out =
        b.args(["scan", "--snapshot", &small(), "--rules", "r", "--select", "ORG001", "--rule-timeout", "0.5"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("ORG001"), "{}", out.stderr);
    assert!(started.elapsed().as_secs() < 60, "the limit stopped it");
}

// ---- bad input ---------------------------------------------------------------------------------------

#[test]
fn bad_inputs_get_a_clear_error_and_exit_2() {
    let cases = [
        ("malformed.json", "[\n  {\"id\": \"x\",\n   \"type\": }\n]", "malformed.json:3:"),
        ("empty.json", "", "is empty"),
        ("number.json", "42", "not an input acr-audit understands"),
        ("strings.json", "[\"a\"]", "resource #1 is a string"),
        ("noid.json", "[{\"type\": \"Microsoft.ContainerRegistry/registries\", \"name\": \"x\"}]", "has no \"id\""),
        (
            "badsnap.json",
            "{\"schema_version\": \"acr-audit.snapshot/v1\", \"resources\": [], \"extra\": 1}",
            "unknown field `extra`",
        ),
        ("future.json", "{\"schema_version\": \"acr-audit.snapshot/v9\", \"resources\": []}", "not supported"),
    ];
    for (name, text, expected) in cases {
        let out = acr_audit().write(name, text).args(["scan", "--snapshot", name]).run();
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{name}: expected {expected:?} in\n{}", out.stderr);
        assert!(out.stderr.contains("help:"), "{name}: {}", out.stderr);
    }
    let out = acr_audit().args(["scan", "--snapshot", "missing.json"]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("missing.json"));
    insta::assert_snapshot!(
        "bad_json_error",
        acr_audit()
            .write("m.json", "[\n  {\"id\": \"x\",\n   \"type\": }\n]")
            .args(["scan", "--snapshot", "m.json"])
            .run()
            .stderr
    );
}

#[test]
fn resources_with_missing_or_wrongly_typed_fields_become_unknowns_not_passes() {
    let text = r#"[{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/odd",
        "type": "Microsoft.ContainerRegistry/registries", "name": "odd",
        "properties": {"adminUserEnabled": "perhaps", "publicNetworkAccess": 7}}]"#;
    let out = acr_audit()
        .write("odd.json", text)
        .args(["scan", "--snapshot", "odd.json", "--format", "json", "--select", "ACR001,ACR002,ACR007"])
        .run();
    let report = json(&out);
    let statuses: Vec<(String, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rule"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
        .collect();
    // No sku, a non-boolean admin flag, a non-string access setting: all unknown.
    assert_eq!(
        statuses,
        [("ACR001", "unknown"), ("ACR002", "unknown"), ("ACR007", "unknown")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[test]
fn the_cli_flattened_shape_reads_like_the_rest_shape() {
    // `az acr list -o json` prints properties at the top level.
    let text = r#"[{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/flat",
        "type": "Microsoft.ContainerRegistry/registries", "name": "flat", "location": "japaneast",
        "sku": {"name": "Premium", "tier": "Premium"}, "adminUserEnabled": true, "publicNetworkAccess": "Disabled"}]"#;
    let out = acr_audit()
        .write("flat.json", text)
        .args(["scan", "--snapshot", "flat.json", "--format", "json", "--select", "ACR002,ACR007"])
        .run();
    let statuses: Vec<String> =
        json(&out)["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_string()).collect();
    assert_eq!(statuses, ["fail", "pass"]);
}

// ---- rules and explain --------------------------------------------------------------------------

#[test]
fn rules_lists_every_rule() {
    let out = acr_audit().args(["rules", "--lang", "en"]).run();
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("rules_en", out.stdout);
    let out = acr_audit().args(["rules", "--format", "json"]).run();
    let list: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 33);
}

#[test]
fn explain_shows_the_whole_rule_in_both_languages() {
    insta::assert_snapshot!("explain_cmk003_en", acr_audit().args(["explain", "CMK003", "--lang", "en"]).run().stdout);
    insta::assert_snapshot!(
        "explain_cmk003_ja",
        acr_audit().args(["explain", "cmk-key-access-missing", "--lang", "ja"]).run().stdout
    );
    assert_eq!(acr_audit().args(["explain", "NOPE"]).run().code, 2);
}

#[test]
fn the_bundled_example_estate_scans() {
    let estate = std::path::PathBuf::from("estate.json");
    let out = acr_audit()
        .args(["scan", "--snapshot", estate.to_str().unwrap(), "--as-of", "2026-11-23T00:00:00Z", "--format", "json"])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for r in report["results"].as_array().unwrap() {
        seen.entry(r["rule"].as_str().unwrap().into()).or_default().insert(r["status"].as_str().unwrap().into());
    }
    let lacking: Vec<String> = seen
        .iter()
        .filter(|(_, s)| !(s.contains("pass") && s.contains("fail")))
        .map(|(code, s)| format!("{code}: {s:?}"))
        .collect();
    assert_eq!(seen.len(), 33);
    assert!(lacking.is_empty(), "every rule must both pass and fail in the example estate:\n{}", lacking.join("\n"));
    insta::assert_snapshot!(
        "estate_table_en",
        acr_audit()
            .args(["scan", "--snapshot", estate.to_str().unwrap(), "--as-of", "2026-11-23T00:00:00Z", "--lang", "en"])
            .run()
            .stdout
    );
}

#[test]
fn vault_rules_cover_key_vaults_unless_all_vaults_is_asked() {
    let other = r#"[{"id": "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app-secrets",
        "name": "kv-app-secrets", "type": "Microsoft.KeyVault/vaults", "location": "japaneast",
        "properties": {"vaultUri": "https://kv-app-secrets.vault.azure.net/", "enablePurgeProtection": true}}]"#;
    let vaults = |extra: &[&str]| {
        let out = acr_audit()
            .write("other.json", other)
            .args(["scan", "--snapshot", &small(), "--snapshot", "other.json", "--select", "KV002", "--format", "json"])
            .args(extra)
            .run();
        let mut names: Vec<String> = json(&out)["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["resource"].as_str().unwrap().rsplit('/').next().unwrap(),
                    r["status"].as_str().unwrap()
                )
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(vaults(&[]), ["kv-app-prod:fail"], "only the vault that holds a registry's key");
    assert_eq!(vaults(&["--all-vaults"]), ["kv-app-prod:fail", "kv-app-secrets:pass"]);
}

#[test]
fn a_generic_resource_listing_without_properties_gives_unknowns_not_verdicts() {
    // `az resource list` (ARM's Resources_List) names resources without their settings.
    let listing = r#"[
      {"id": "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-app/providers/Microsoft.ContainerRegistry/registries/crlisted",
       "name": "crlisted", "type": "Microsoft.ContainerRegistry/registries", "location": "japaneast",
       "sku": {"name": "Premium", "tier": "Premium"}, "properties": null, "tags": {}},
      {"id": "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-listed",
       "name": "kv-listed", "type": "Microsoft.KeyVault/vaults", "location": "japaneast", "tags": {}}
    ]"#;
    let out = acr_audit()
        .write("listing.json", listing)
        .args(["scan", "--snapshot", "listing.json", "--all-vaults", "--format", "json", "--exit-zero"])
        .args(["--select", "ACR001,ACR002,ACR004,ACR007,CMK001,KV001,KV002,KV003"])
        .run();
    let statuses: Vec<(String, String)> = json(&out)["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rule"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
        .collect();
    let expected = [
        ("ACR001", "pass"), // the SKU is outside `properties`, and was read
        ("ACR002", "unknown"),
        ("ACR004", "unknown"),
        ("ACR007", "unknown"),
        ("CMK001", "unknown"),
        ("KV001", "unknown"),
        ("KV002", "unknown"),
        ("KV003", "unknown"),
    ];
    let mut got = statuses.clone();
    got.sort();
    let mut want: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn a_full_read_is_not_replaced_by_a_later_listing_of_the_same_resource() {
    let listing = r#"[{"id": "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-app/providers/Microsoft.ContainerRegistry/registries/crappprod",
       "name": "crappprod", "type": "Microsoft.ContainerRegistry/registries", "sku": {"name": "Premium"}, "properties": null}]"#;
    let out = acr_audit()
        .write("listing.json", listing)
        .args(["scan", "--snapshot", &small(), "--snapshot", "listing.json", "--select", "ACR007", "--format", "json"])
        .run();
    let report = json(&out);
    let crappprod = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"].as_str().unwrap().ends_with("crappprod"))
        .unwrap()
        .clone();
    assert_eq!(crappprod["status"], "fail", "the admin user seen in small.json still counts");
}

#[test]
fn an_unresolved_value_makes_the_rules_that_read_it_unknown() {
    let text = r#"[{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crtemplated",
        "type": "Microsoft.ContainerRegistry/registries", "name": "crtemplated", "sku": {"name": "Premium"},
        "properties": {"adminUserEnabled": {"$unresolved": "[parameters('adminEnabled')]"}, "publicNetworkAccess": "Disabled"}}]"#;
    let out = acr_audit()
        .write("templated.json", text)
        .args(["scan", "--snapshot", "templated.json", "--select", "ACR002,ACR007", "--format", "json"])
        .run();
    let report = json(&out);
    let results = report["results"].as_array().unwrap();
    let acr007 = results.iter().find(|r| r["rule"] == "ACR007").unwrap();
    assert_eq!(acr007["status"], "unknown");
    assert!(acr007["message"].as_str().unwrap().contains("parameters('adminEnabled')"), "{acr007}");
    assert_eq!(results.iter().find(|r| r["rule"] == "ACR002").unwrap()["status"], "pass");
}
