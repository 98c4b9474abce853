//! ARM templates (and Bicep through its compiled JSON) end to end: the real binary, the fixtures in
//! tests/fixtures/templates/ (written after the shapes of the container-registry quickstarts and the
//! Azure Verified Modules), every result at the template line that causes it.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const AS_OF: &str = "2026-11-23T00:00:00Z";

fn fixture(name: &str) -> String {
    common::root().join("tests/fixtures/templates").join(name).display().to_string()
}

fn scan(args: &[&str]) -> common::Output {
    let mut all = vec!["scan", "--format", "json", "--as-of", AS_OF];
    all.extend_from_slice(args);
    common::acr_audit().args(all).run()
}

fn report(out: &common::Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {}\n{}", out.stdout, out.stderr))
}

/// (rule, resource name) → the result.
fn results(report: &Value) -> BTreeMap<(String, String), Value> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["resource"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            ((r["rule"].as_str().unwrap().to_string(), name), r.clone())
        })
        .collect()
}

fn status(results: &BTreeMap<(String, String), Value>, rule: &str, resource: &str) -> String {
    results.get(&(rule.to_string(), resource.to_string())).unwrap_or_else(|| panic!("no {rule} result for {resource}"))
        ["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The line of the first occurrence of `needle` after the first occurrence of `after` in a fixture.
fn line_of(file: &str, after: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    let start = text.find(after).unwrap_or_else(|| panic!("{after} not in {file}"));
    let at = start + text[start..].find(needle).unwrap_or_else(|| panic!("{needle} not after {after} in {file}"));
    text[..at].matches('\n').count() + 1
}

/// The line a result points at: its own, or its resource's.
fn result_line(report: &Value, result: &Value) -> usize {
    result["line"]
        .as_u64()
        .or_else(|| report["resources"][result["resource"].as_str().unwrap()]["location"]["line"].as_u64())
        .unwrap() as usize
}

#[test]
fn a_compliant_cmk_registry_passes_every_rule_through_the_whole_key_chain() {
    let out = scan(&["--template", &fixture("cmk-registry.json")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report(&out);
    let results = results(&report);
    assert_eq!(results.len(), 33, "every rule, one registry and its vault");
    let not_passing: Vec<_> =
        results.iter().filter(|(_, r)| r["status"] != "pass").map(|(k, r)| (k, &r["message"])).collect();
    assert!(not_passing.is_empty(), "{not_passing:?}");
}

#[test]
fn each_finding_points_at_the_line_that_causes_it() {
    let out = scan(&["--template", &fixture("insecure-registry.json"), "--template", &fixture("broken-cmk.json")]);
    assert_eq!(out.code, 1);
    let report = report(&out);
    let results = results(&report);
    let cases = [
        (
            "ACR007",
            "acrteamsandbox",
            "insecure-registry.json",
            "\"name\": \"[parameters('acrName')]\"",
            "\"adminUserEnabled\"",
        ),
        (
            "ACR008",
            "acrteamsandbox",
            "insecure-registry.json",
            "\"name\": \"[parameters('acrName')]\"",
            "\"anonymousPullEnabled\"",
        ),
        (
            "ACR012",
            "acrteamsandboxlocked",
            "insecure-registry.json",
            "locked', parameters",
            "\"networkRuleBypassOptions\"",
        ),
        ("CMK002", "crorders", "broken-cmk.json", "\"name\": \"crorders\"", "\"identity\": \"[reference"),
        ("CMK009", "crbatch", "broken-cmk.json", "\"name\": \"crbatch\"", "\"keyIdentifier\""),
        ("KV001", "kv-cmk-weak", "broken-cmk.json", "\"name\": \"[parameters('vaultName')]\"", "\"enableSoftDelete\""),
    ];
    for (rule, resource, file, after, needle) in cases {
        let r = &results[&(rule.to_string(), resource.to_string())];
        assert_eq!(r["status"], "fail", "{rule} {resource}: {r}");
        assert_eq!(result_line(&report, r), line_of(file, after, needle), "{rule} {resource}");
        let location = &report["resources"][r["resource"].as_str().unwrap()]["location"];
        assert!(location["file"].as_str().unwrap().ends_with(file), "{location}");
    }
    // A property the template leaves out (ACR001's sku is given, ACR014's diagnostic setting is not):
    // the finding points at the resource.
    let r = &results[&("ACR014".to_string(), "acrteamsandbox".to_string())];
    assert!(r.get("line").is_none(), "{r}");

    // SARIF points GitHub at the same line.
    let sarif: Value = serde_json::from_str(
        &common::acr_audit()
            .args(["scan", "--format", "sarif", "--as-of", AS_OF, "--template", &fixture("insecure-registry.json")])
            .run()
            .stdout,
    )
    .unwrap();
    let admin = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "ACR007")
        .expect("ACR007 in SARIF");
    let location = &admin["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("tests/fixtures/templates/insecure-registry.json")
    );
    assert_eq!(
        location["region"]["startLine"].as_u64().unwrap() as usize,
        line_of("insecure-registry.json", "\"name\": \"[parameters('acrName')]\"", "\"adminUserEnabled\"")
    );
}

#[test]
fn every_rule_decidable_from_a_template_both_passes_and_fails() {
    let mut statuses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in ["cmk-registry.json", "insecure-registry.json", "broken-cmk.json"] {
        let report = report(&scan(&["--template", &fixture(file)]));
        for r in report["results"].as_array().unwrap() {
            statuses
                .entry(r["rule"].as_str().unwrap().into())
                .or_default()
                .insert(r["status"].as_str().unwrap().into());
        }
    }
    let never_fail: Vec<&String> = statuses.iter().filter(|(_, s)| !s.contains("fail")).map(|(r, _)| r).collect();
    let never_pass: Vec<&String> = statuses.iter().filter(|(_, s)| !s.contains("pass")).map(|(r, _)| r).collect();
    // CMK011 (the key version in use is overdue for rotation) cannot fail before deployment: a key the
    // template creates is new when it is deployed.
    assert_eq!(never_fail, ["CMK011"], "rules without a failing template");
    assert!(never_pass.is_empty(), "rules without a passing template: {never_pass:?}");
    assert_eq!(statuses.len(), 33);
}

#[test]
fn unresolvable_values_are_unknown_never_a_guess() {
    let report = report(&scan(&["--template", &fixture("unresolved.json")]));
    let results = results(&report);
    // A copy loop over a parameter's default: one registry per team, named by copyIndex().
    for name in ["crweb1", "crapi2", "crml3"] {
        assert_eq!(status(&results, "ACR007", name), "unknown", "adminUserEnabled has no value");
        assert_eq!(status(&results, "ACR003", name), "pass", "the property copy loop built the IP rules");
        let message = results[&("ACR007".to_string(), name.to_string())]["message"].as_str().unwrap().to_string();
        assert!(message.contains("parameter adminUserEnabled has no value"), "{message}");
        assert!(message.starts_with("properties.adminUserEnabled could not be determined"), "{message}");
    }
    // A condition that cannot be evaluated: nothing about the registry is judged.
    for rule in ["ACR001", "ACR004", "ACR007", "ACR014", "CMK001"] {
        assert_eq!(status(&results, rule, "crlegacyoptional"), "unknown", "{rule}");
    }
    // A condition that is false: the registry is not deployed.
    assert!(!results.keys().any(|(_, n)| n == "crneverdeployed"));
    // A key from outside the template: the CMK checks are unknown, not failed.
    for rule in ["CMK002", "CMK003", "CMK004", "CMK007"] {
        assert_eq!(status(&results, rule, "crexternalkey"), "unknown", "{rule}");
    }

    // Given a value in a parameters file, the same check decides.
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("unresolved.parameters.json");
    std::fs::write(
        &params,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "parameters": {"adminUserEnabled": {"value": false}, "deployLegacy": {"value": false}}}"#,
    )
    .unwrap();
    let given =
        self::report(&scan(&["--template", &fixture("unresolved.json"), "--parameters", params.to_str().unwrap()]));
    let given = self::results(&given);
    assert_eq!(status(&given, "ACR007", "crweb1"), "pass");
    assert!(!given.keys().any(|(_, n)| n == "crlegacyoptional"), "deployLegacy is false");
}

#[test]
fn a_bicep_module_and_an_existing_vault_are_followed_and_a_snapshot_fills_in_what_exists() {
    let params = fixture("bicep-module.parameters.json");
    let alone = report(&scan(&["--template", &fixture("bicep-module.json"), "--parameters", &params]));
    let results_alone = results(&alone);
    // The registry comes from a module (a nested deployment with inner scope) and its parameters.
    assert_eq!(status(&results_alone, "CMK002", "crplatformje"), "pass", "the module's identity is attached");
    // The vault is `existing`: referred to, not declared, so the key checks are unknown.
    let key = &results_alone[&("CMK004".to_string(), "crplatformje".to_string())];
    assert_eq!(key["status"], "unknown");
    assert!(key["message"].as_str().unwrap().contains("kv-platform-shared"), "{key}");

    // With a snapshot of the existing vault, the key is judged; the new identity was given no role on
    // it (the template grants none), which would fail the deployment.
    let both = report(&scan(&[
        "--template",
        &fixture("bicep-module.json"),
        "--parameters",
        &params,
        "--snapshot",
        &fixture("existing-vault.snapshot.json"),
    ]));
    let results = results(&both);
    assert_eq!(status(&results, "CMK004", "crplatformje"), "pass");
    assert_eq!(status(&results, "CMK005", "crplatformje"), "pass");
    assert_eq!(status(&results, "CMK010", "crplatformje"), "pass");
    assert_eq!(status(&results, "CMK003", "crplatformje"), "fail");
    assert_eq!(both["inputs"]["files"].as_array().unwrap().len(), 2);
}

#[test]
fn a_folder_is_every_template_in_it_with_the_parameters_beside_it() {
    let report = report(&scan(&["--template", &common::root().join("tests/fixtures/templates").display().to_string()]));
    let files: Vec<String> =
        report["inputs"]["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    assert!(files.iter().all(|f| !f.ends_with(".parameters.json") && !f.ends_with("snapshot.json")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("cmk-registry.json")));
    let results = results(&report);
    assert!(results.keys().any(|(_, n)| n == "crplatformje"), "bicep-module.parameters.json was used");
    // A linked template is not read; that is said.
    let gaps = report["inputs"]["gaps"].as_array().unwrap();
    assert!(gaps.iter().any(|g| g["reason"].as_str().unwrap().contains("registry.json")), "{gaps:?}");
}

#[test]
fn malformed_templates_and_parameters_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let schema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
    let cases = [
        (
            vec!["--template".to_string(), write("broken.json", "{\n  \"resources\": [\n    {,\n  ]\n}")],
            "broken.json:3:",
        ),
        (
            vec!["--template".to_string(), write("package.json", r#"{"name": "web", "version": "1.0.0"}"#)],
            "not an ARM template",
        ),
        (vec!["--template".to_string(), write("main.bicep", "resource r 'x' = {}")], "az bicep build"),
        (
            vec![
                "--template".to_string(),
                write(
                    "expr.json",
                    &format!(
                        r#"{{"$schema": "{schema}", "resources": [{{"type": "Microsoft.ContainerRegistry/registries", "name": "[concat('a', ]"}}]}}"#
                    ),
                ),
            ],
            "does not parse",
        ),
        (
            vec![
                "--template".to_string(),
                fixture("insecure-registry.json"),
                "--parameters".to_string(),
                write("p.json", r#"{"parameters": {"nope": {"value": 1}}}"#),
            ],
            "does not declare",
        ),
        (
            vec![
                "--template".to_string(),
                fixture("insecure-registry.json"),
                "--parameters".to_string(),
                write("q.json", r#"{"values": {}}"#),
            ],
            "not a parameters file",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["scan".to_string()];
        all.extend(args);
        let out = common::acr_audit().args(&all).run();
        assert_eq!(out.code, 2, "{all:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{all:?}: {}", out.stderr);
        assert!(out.stderr.contains("help:"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn an_azure_verified_module_shaped_template_is_evaluated_through_its_lambdas_and_nullable_parameters() {
    let template = fixture("avm-registry.json");
    let params = fixture("avm-registry.parameters.json");
    let report = report(&scan(&["--template", &template, "--parameters", &params]));
    let results = results(&report);
    let registry = "cravmprod001";
    // `customerManagedKey` is given: encryption is on, and AVM's default pins the key's version.
    assert_eq!(status(&results, "CMK001", registry), "pass");
    assert_eq!(status(&results, "CMK009", registry), "fail");
    // The diagnostic setting comes from a copy loop over the parameter, scoped to the registry.
    assert_eq!(status(&results, "ACR014", registry), "pass");
    // Parameters left to their defaults decide too (AVM enables ARM-audience tokens by default).
    assert_eq!(status(&results, "ACR011", registry), "fail");
    assert_eq!(status(&results, "ACR007", registry), "pass");
    // The vault and the identity are `existing`: what only they know is unknown, with the reason.
    let key = &results[&("CMK004".to_string(), registry.to_string())];
    assert_eq!(key["status"], "unknown");
    assert!(key["message"].as_str().unwrap().contains("kv-platform-shared"));
    assert_eq!(status(&results, "CMK002", registry), "unknown");

    // A nullable parameter left out is null: no customer-managed key at all.
    let dir = tempfile::tempdir().unwrap();
    let minimal = dir.path().join("p.json");
    std::fs::write(&minimal, r#"{"parameters": {"name": {"value": "cravmdev001"}}}"#).unwrap();
    let report = self::report(&scan(&["--template", &template, "--parameters", minimal.to_str().unwrap()]));
    let results = self::results(&report);
    assert_eq!(status(&results, "CMK001", "cravmdev001"), "fail");
    assert_eq!(status(&results, "ACR014", "cravmdev001"), "fail", "no diagnostic settings given");
    assert_eq!(status(&results, "ACR002", "cravmdev001"), "fail", "publicNetworkAccess null: ARM's default, Enabled");

    // With a snapshot of the existing vault, its key is judged.
    let both = self::report(&scan(&[
        "--template",
        &template,
        "--parameters",
        &params,
        "--snapshot",
        &fixture("existing-vault.snapshot.json"),
    ]));
    assert_eq!(status(&self::results(&both), "CMK004", registry), "pass");
}

#[test]
fn each_template_is_its_own_deployment_and_the_deployment_happens_at_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let schema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
    // The quickstarts' naming: the same expression in two templates names two registries.
    for (file, admin) in [("team-a.json", true), ("team-b.json", false)] {
        let text = format!(
            r#"{{"$schema": "{schema}", "contentVersion": "1.0.0.0",
                "parameters": {{"acrName": {{"type": "string", "defaultValue": "[format('acr{{0}}', uniqueString(resourceGroup().id))]"}}}},
                "resources": [{{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                    "name": "[parameters('acrName')]", "location": "japaneast", "sku": {{"name": "Premium"}},
                    "properties": {{"adminUserEnabled": {admin}}}}}]}}"#
        );
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let report = report(&scan(&["--template", dir.path().to_str().unwrap(), "--select", "ACR007"]));
    let statuses: BTreeSet<String> =
        report["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_string()).collect();
    assert_eq!(report["inputs"]["registries"], 2);
    assert_eq!(statuses, BTreeSet::from(["pass".to_string(), "fail".to_string()]));

    // A key created by the template is created at --as-of; a vault in the resource group's region
    // beside a registry in a named one: the comparison waits for the deployment.
    let cmk = std::fs::read_to_string(fixture("cmk-registry.json")).unwrap().replace(
        "\"location\": \"[parameters('location')]\",\n      \"sku\": { \"name\": \"Premium\" }",
        "\"location\": \"japaneast\",\n      \"sku\": { \"name\": \"Premium\" }",
    );
    let path = dir.path().join("cmk.json");
    std::fs::write(&path, cmk).unwrap();
    let out = common::acr_audit()
        .args(["scan", "--format", "json", "--as-of", "2026-01-01", "--template", path.to_str().unwrap()])
        .run();
    let results = results(&self::report(&out));
    let region = &results.iter().find(|((rule, _), _)| rule == "CMK012").unwrap().1;
    assert_eq!(region["status"], "unknown", "{region}");
    assert!(region["observed"].is_null(), "nothing was observed: {region}");
    let age = &results.iter().find(|((rule, _), _)| rule == "CMK011").unwrap().1;
    assert_eq!(age["status"], "pass");
    assert!(age["message"].as_str().unwrap().contains("created on 2026-01-01"), "{age}");
}
