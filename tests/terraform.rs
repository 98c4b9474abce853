//! `scan --terraform-plan`: Terraform plans (`terraform show -json plan.out`, pretty-printed) through
//! the real binary. Each fixture in tests/fixtures/terraform/ is a plan of one kind: compliant (azurerm
//! v4), non-compliant (v4), values only known after apply (a module fed through variables), and a
//! module instance with azurerm v3 attribute names. Expected lines are looked up in the fixture text.

mod common;

use common::{acr_audit, root};
use serde_json::Value;

const AS_OF: &str = "2026-11-23T00:00:00Z";

fn fixture(name: &str) -> String {
    root().join("tests/fixtures/terraform").join(name).display().to_string()
}

fn scan(plan: &str, format: &str, extra: &[&str]) -> common::Output {
    acr_audit()
        .args(["scan", "--terraform-plan", &fixture(plan), "--format", format, "--as-of", AS_OF])
        .args(extra)
        .run()
}

/// A JSON report, and the plan it came from.
struct Report {
    plan: &'static str,
    doc: Value,
    code: i32,
}

impl Report {
    fn of(plan: &'static str) -> Report {
        let out = scan(plan, "json", &[]);
        assert!(out.code == 0 || out.code == 1, "exit {}: {}", out.code, out.stderr);
        let doc = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout));
        Report { plan, doc, code: out.code }
    }

    /// The ID of the resource named `name` (registry or vault).
    fn id(&self, name: &str) -> String {
        self.doc["resources"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, r)| r["name"] == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no resource {name} in {}", self.doc["resources"]))
    }

    fn result(&self, rule: &str, name: &str) -> &Value {
        let id = self.id(name);
        self.doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule && r["resource"] == id.as_str())
            .unwrap_or_else(|| panic!("no {rule} result for {name}"))
    }

    fn status(&self, rule: &str, name: &str) -> &str {
        self.result(rule, name)["status"].as_str().unwrap()
    }

    /// The line a result points at: its own when it is not its resource's, else the resource's.
    fn line(&self, rule: &str, name: &str) -> usize {
        let r = self.result(rule, name);
        let resource = &self.doc["resources"][&self.id(name)];
        r["line"].as_u64().or_else(|| resource["location"]["line"].as_u64()).unwrap_or_else(|| panic!("no line: {r}"))
            as usize
    }

    fn file(&self, name: &str) -> String {
        self.doc["resources"][&self.id(name)]["location"]["file"].as_str().unwrap_or_default().to_string()
    }

    fn assert_all(&self, name: &str, rules: &[&str], status: &str) {
        for rule in rules {
            let r = self.result(rule, name);
            assert_eq!(r["status"], status, "{} {rule} on {name}: {}", self.plan, r["message"]);
        }
    }
}

fn text(plan: &str) -> String {
    std::fs::read_to_string(fixture(plan)).unwrap()
}

/// Offset of the `resource_changes` entry of `address`.
fn entry(text: &str, address: &str) -> usize {
    let changes = text.find("\"resource_changes\": [").expect("resource_changes");
    let quoted = serde_json::to_string(address).unwrap();
    changes + text[changes..].find(&format!("\"address\": {quoted}")).unwrap_or_else(|| panic!("no {address}"))
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The line of an attribute in `change.<part>` (`after`, `after_unknown`) of a resource's entry;
/// `retention_policy/enabled` is `enabled` inside `retention_policy`.
fn attr_line(plan: &str, address: &str, part: &str, attr: &str) -> usize {
    let text = text(plan);
    let at = entry(&text, address);
    let mut found = at + text[at..].find(&format!("\"{part}\": {{")).unwrap();
    let end = found + text[found..].find("\"after_sensitive\"").unwrap();
    for name in attr.split('/') {
        found +=
            text[found..end].find(&format!("\"{name}\":")).unwrap_or_else(|| panic!("no {attr} in {address}.{part}"));
    }
    line_at(&text, found)
}

/// The line of a resource's `resource_changes` entry (its opening brace).
fn resource_line(plan: &str, address: &str) -> usize {
    line_at(&text(plan), entry(&text(plan), address)) - 1
}

// ---- a compliant plan ----------------------------------------------------------------------------

const REGISTRY_RULES: [&str; 13] = [
    "ACR001", "ACR002", "ACR003", "ACR004", "ACR005", "ACR006", "ACR007", "ACR008", "ACR009", "ACR010", "ACR012",
    "ACR013", "ACR014",
];
const CMK_RULES: [&str; 13] = [
    "CMK001", "CMK002", "CMK003", "CMK004", "CMK005", "CMK006", "CMK007", "CMK008", "CMK009", "CMK010", "CMK011",
    "CMK012", "CMK013",
];
const KV_RULES: [&str; 6] = ["KV001", "KV002", "KV003", "KV004", "KV005", "KV006"];

#[test]
fn a_compliant_cmk_plan_passes() {
    let r = Report::of("compliant-v4.json");
    r.assert_all("crcontosotfje", &REGISTRY_RULES, "pass");
    r.assert_all("crcontosotfje", &CMK_RULES, "pass");
    r.assert_all("kv-acr-tf-je", &KV_RULES, "pass");
    // azurerm has no setting for the ARM-audience token policy: the service default (enabled) applies.
    assert_eq!(r.status("ACR011", "crcontosotfje"), "fail");
    // The identity reached the vault through an RBAC role assignment of the plan.
    assert!(
        r.result("CMK003", "crcontosotfje")["message"]
            .as_str()
            .unwrap()
            .contains("Key Vault Crypto Service Encryption User")
    );
    // The subscription is the provider's (`subscription_id = var.subscription_id`).
    assert!(
        r.id("crcontosotfje")
            .starts_with("/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/resourceGroups/rg-acr-tf-je/")
    );
    // Only that low-severity failure: a gate at medium passes.
    assert_eq!(r.code, 1);
    assert_eq!(scan("compliant-v4.json", "json", &["--fail-on", "medium"]).code, 0);
}

#[test]
fn compliant_results_point_at_the_attributes_they_rest_on() {
    let plan = "compliant-v4.json";
    let r = Report::of(plan);
    let reg = "azurerm_container_registry.acr";
    assert_eq!(r.line("ACR002", "crcontosotfje"), attr_line(plan, reg, "after", "public_network_access_enabled"));
    assert_eq!(r.line("CMK002", "crcontosotfje"), attr_line(plan, reg, "after_unknown", "identity_client_id"));
    assert_eq!(r.line("CMK009", "crcontosotfje"), attr_line(plan, reg, "after_unknown", "key_vault_key_id"));
    // Results that rest on the key or on the permission point at those resources.
    assert_eq!(
        r.line("CMK007", "crcontosotfje"),
        attr_line(plan, "azurerm_key_vault_key.acr_cmk", "after", "expiration_date")
    );
    assert_eq!(r.line("CMK003", "crcontosotfje"), resource_line(plan, "azurerm_role_assignment.acr_cmk"));
    assert_eq!(r.line("ACR014", "crcontosotfje"), resource_line(plan, "azurerm_monitor_diagnostic_setting.acr"));
    assert_eq!(
        r.line("KV002", "kv-acr-tf-je"),
        attr_line(plan, "azurerm_key_vault.cmk", "after", "purge_protection_enabled")
    );
    assert!(
        r.file("crcontosotfje").ends_with("tests/fixtures/terraform/compliant-v4.json"),
        "{}",
        r.file("crcontosotfje")
    );
}

// ---- a non-compliant plan ------------------------------------------------------------------------

#[test]
fn a_non_compliant_plan_fails_where_it_should() {
    let r = Report::of("noncompliant-v4.json");
    assert_eq!(r.code, 1);
    let legacy = "crcontosolegacytf";
    r.assert_all(legacy, &["ACR001", "ACR002", "ACR003", "ACR004", "ACR007", "ACR008", "ACR014", "CMK001"], "fail");
    r.assert_all(legacy, &["CMK002", "CMK003", "CMK007", "CMK010"], "n/a");
    let app = "crcontosoapptf";
    r.assert_all(app, &["CMK007", "CMK009", "CMK010", "CMK013", "ACR013", "ACR014"], "fail");
    r.assert_all(
        app,
        &["ACR001", "ACR002", "ACR007", "CMK001", "CMK002", "CMK003", "CMK004", "CMK005", "CMK006"],
        "pass",
    );
    r.assert_all("kv-acr-app-tf", &["KV002", "KV003", "KV005", "KV006"], "fail");
    r.assert_all("kv-acr-app-tf", &["KV001"], "pass");
    assert!(r.result("CMK013", app)["message"].as_str().unwrap().contains("keys:purge"));
    // No subscription is given: the one every known ID names (the kept resource group's) is used.
    assert!(r.id(legacy).starts_with("/subscriptions/8c4d2e91-7f3a-4b5c-a1d0-6e9b2f4c7d38/"));
}

#[test]
fn failures_point_at_their_attribute_in_json_and_sarif() {
    let plan = "noncompliant-v4.json";
    let r = Report::of(plan);
    let legacy = "azurerm_container_registry.legacy";
    let admin = attr_line(plan, legacy, "after", "admin_enabled");
    assert_eq!(r.line("ACR007", "crcontosolegacytf"), admin);
    assert_eq!(r.line("ACR008", "crcontosolegacytf"), attr_line(plan, legacy, "after", "anonymous_pull_enabled"));
    assert_eq!(r.line("ACR001", "crcontosolegacytf"), attr_line(plan, legacy, "after", "sku"));
    assert_eq!(
        r.line("KV002", "kv-acr-app-tf"),
        attr_line(plan, "azurerm_key_vault.app", "after", "purge_protection_enabled")
    );
    assert_eq!(r.line("CMK013", "crcontosoapptf"), attr_line(plan, "azurerm_key_vault.app", "after", "access_policy"));
    // The key sets no expiry: the result points at the key.
    assert_eq!(r.line("CMK007", "crcontosoapptf"), resource_line(plan, "azurerm_key_vault_key.app"));
    assert!(r.file("crcontosolegacytf").ends_with("tests/fixtures/terraform/noncompliant-v4.json"));

    let out = scan(plan, "sarif", &[]);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    let id = r.id("crcontosolegacytf");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| {
            x["ruleId"] == "ACR007" && x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == id.as_str()
        })
        .expect("ACR007 in SARIF");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["region"]["startLine"].as_u64(), Some(admin as u64));
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("tests/fixtures/terraform/noncompliant-v4.json")
    );
}

// ---- values known only after apply ---------------------------------------------------------------

#[test]
fn values_nothing_in_the_plan_determines_are_unknown_not_guessed() {
    let r = Report::of("unresolved-module-v4.json");
    let name = "crcontososharedtf";
    // The key, identity and identities come from module variables: every link of the chain is unknown.
    r.assert_all(name, &CMK_RULES[1..], "unknown");
    for rule in &CMK_RULES[1..] {
        let message = r.result(rule, name)["message"].as_str().unwrap();
        assert!(
            message.contains("known after apply: module.registry.azurerm_container_registry.this.encryption[0]"),
            "{rule}: {message}"
        );
    }
    // The block is there: the registry does use a customer-managed key.
    assert_eq!(r.status("CMK001", name), "pass");
    // A private endpoint and a diagnostic setting target the module's output: they could be this
    // registry's, so its connections and its settings are unknown, not missing.
    r.assert_all(name, &["ACR004", "ACR005", "ACR014"], "unknown");
    // What the plan does give is judged.
    r.assert_all(name, &["ACR001", "ACR002", "ACR003", "ACR007", "ACR008", "ACR010", "ACR013"], "pass");
    assert_eq!(
        r.line("CMK004", name),
        attr_line(
            "unresolved-module-v4.json",
            "module.registry.azurerm_container_registry.this",
            "after_unknown",
            "key_vault_key_id"
        )
    );
    // The subscription is the provider's literal `subscription_id`.
    assert!(r.id(name).starts_with("/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/"));
}

#[test]
fn fail_on_unknown_gates_on_what_a_plan_leaves_open() {
    let out = scan("unresolved-module-v4.json", "json", &["--select", "CMK", "--fail-on", "high", "--fail-on-unknown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = scan("unresolved-module-v4.json", "json", &["--select", "CMK", "--fail-on", "high"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

// ---- a module, azurerm v3 ------------------------------------------------------------------------

#[test]
fn a_module_instance_with_azurerm_v3_names_joins_inside_the_module() {
    let plan = "module-v3.json";
    let r = Report::of(plan);
    let name = "crcontosomodje";
    r.assert_all(name, &REGISTRY_RULES, "pass");
    r.assert_all(name, &CMK_RULES, "pass");
    r.assert_all("kv-crcontosomodje", &KV_RULES, "pass");
    // Access-policy vault (v3 `enable_rbac_authorization = false`), policy as its own resource.
    assert!(r.result("CMK003", name)["message"].as_str().unwrap().contains("access policy"));
    let m = r#"module.acr["prod"]"#;
    assert_eq!(r.line("CMK003", name), resource_line(plan, &format!("{m}.azurerm_key_vault_access_policy.cmk")));
    assert_eq!(
        r.line("ACR004", name),
        attr_line(
            plan,
            &format!("{m}.azurerm_private_endpoint.registry"),
            "after_unknown",
            "private_connection_resource_id"
        )
    );
    // v3 `retention_policy { days, enabled }` block.
    assert_eq!(
        r.line("ACR013", name),
        attr_line(plan, &format!("{m}.azurerm_container_registry.this"), "after", "retention_policy/enabled")
    );
    // The subscription is the one `data.azurerm_client_config` read.
    assert!(
        r.id(name).starts_with("/subscriptions/5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15/resourceGroups/rg-acr-mod-je/")
    );
}

#[test]
fn several_plans_are_scanned_together() {
    let out = acr_audit()
        .args(["scan", "--format", "json", "--as-of", AS_OF])
        .args(["--terraform-plan", &fixture("compliant-v4.json"), "--terraform-plan", &fixture("module-v3.json")])
        .run();
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["inputs"]["registries"], 2, "{}", doc["inputs"]);
    assert_eq!(doc["inputs"]["files"].as_array().map(Vec::len), Some(2));
}

// ---- errors ----------------------------------------------------------------------------------------

#[test]
fn a_file_that_is_not_json_names_the_position() {
    let b = acr_audit().write("broken.json", "{\n  \"format_version\": \"1.2\",\n  \"planned_values\": {oops}\n}\n");
    let out = b.args(["scan", "--terraform-plan", "broken.json"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("broken.json:3:"), "{}", out.stderr);
    assert!(out.stderr.contains("help:"), "{}", out.stderr);
}

#[test]
fn json_that_is_not_a_plan_is_refused_naming_the_file() {
    // An acr-audit snapshot (copied into the working directory by the test harness).
    let out = acr_audit().args(["scan", "--terraform-plan", "small.json"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("small.json is not a Terraform plan"), "{}", out.stderr);
    assert!(out.stderr.contains("terraform show -json"), "{}", out.stderr);

    let state = r#"{"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {}}}"#;
    let out = acr_audit().write("state.json", state).args(["scan", "--terraform-plan", "state.json"]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("state.json is Terraform state, not a plan"), "{}", out.stderr);

    let out = acr_audit().args(["scan", "--terraform-plan", "missing.json"]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot read Terraform plan missing.json"), "{}", out.stderr);
}
