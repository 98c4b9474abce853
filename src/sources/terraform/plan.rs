//! Reading the JSON that `terraform show -json plan.out` writes: which resource instances the plan
//! keeps, their planned values (`change.after`), which of those are known only after apply
//! (`change.after_unknown`), and the configuration expressions each came from.

use crate::error::Error;
use crate::sources::located::{self, Located};
use serde_json::Value;

/// The subscription of resources the plan creates when nothing in the plan names it: a plan knows
/// the subscription only through the provider's credentials. IDs acr-audit builds for such resources
/// use this GUID (all zeros), so that they are recognisably synthetic.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A `resource` block: what the plan deploys (or keeps).
    Managed,
    /// A `data` block read at plan time (from `prior_state`): something that exists already.
    Data,
}

/// One resource instance of the plan.
#[derive(Debug)]
pub struct Resource {
    /// The full address (`module.acr.azurerm_container_registry.this`).
    pub address: String,
    /// The module instance the resource is in (`module.acr`, `module.acr[0]`), or `""` for the root.
    pub module: String,
    pub mode: Mode,
    /// The resource type (`azurerm_container_registry`).
    pub kind: String,
    /// The resource name label (`this`).
    pub name: String,
    /// The `count` or `for_each` key, when the resource has one.
    pub index: Option<Value>,
    /// Whether the plan creates the object (create, or replace).
    pub creates: bool,
    /// JSON pointer of the resource's entry (`/resource_changes/3`).
    pub pointer: String,
    /// The planned values (unknown ones left out, as Terraform writes them).
    pub values: Value,
    pub values_ptr: String,
    /// `after_unknown`: `true` where a value is known only after apply. `Null` for data sources.
    pub unknown: Value,
    pub unknown_ptr: Option<String>,
    /// The configuration's `expressions` for the resource block; `None` when the configuration was not
    /// found in the plan.
    pub config: Option<Value>,
}

/// What the plan says about one attribute.
#[derive(Debug, PartialEq)]
pub enum Look<'a> {
    Known(&'a Value),
    /// Not set (or `null`).
    Absent,
    /// Known only after apply.
    Unknown,
}

/// Where an attribute's value comes from in the configuration.
#[derive(Debug, PartialEq)]
pub enum Expr<'a> {
    /// The attribute's own expression (`{"references": [...]}` or `{"constant_value": ...}`).
    Own(&'a Value),
    /// The expression of an enclosing attribute: an azurerm block written with block syntax but
    /// declared as an attribute (`encryption`, `access_policy`, `network_rule_set`), whose references
    /// Terraform lists together for the whole block.
    Merged { expr: &'a Value, block: String, rest: String },
    /// A nested block that the configuration writes.
    Block,
    /// The configuration does not set it: the provider or the service decides (its default).
    Unset,
    /// The resource's configuration is not in the plan.
    NoConfig,
}

pub struct Plan {
    pub file: String,
    pub doc: Located,
    pub resources: Vec<Resource>,
    /// The subscription of the resources the plan creates (see [`PLACEHOLDER_SUBSCRIPTION`]).
    pub subscription: String,
    /// The DNS suffix of Key Vault in the provider's cloud (`vault.azure.net`).
    pub vault_suffix: String,
    /// When the plan was made (`timestamp`, Terraform ≥ 1.5), Unix seconds.
    pub timestamp: Option<i64>,
}

impl Plan {
    /// The resource a reference names, relative to the module `from` is in.
    pub fn find(&self, module: &str, data: bool, kind: &str, name: &str, index: Option<&Value>) -> Option<&Resource> {
        self.resources.iter().find(|r| {
            r.module == module
                && (r.mode == Mode::Data) == data
                && r.kind == kind
                && r.name == name
                && r.index.as_ref() == index
        })
    }
}

/// Reads a plan. A file that is not JSON names the position; JSON that is not a plan says so.
pub fn read(text: &str, file: &str) -> Result<Plan, Error> {
    let doc = located::parse(text, file).map_err(|e| match e {
        Error::Input { what, .. } => {
            Error::usage(what, "give the plan as `terraform show -json plan.out > plan.json` writes it (a JSON file)")
        }
        other => other,
    })?;
    check_is_plan(&doc.value, file)?;
    let root = &doc.value;
    let mut resources = Vec::new();
    for (i, rc) in root.get("resource_changes").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if let Some(r) = change(rc, i, root) {
            resources.push(r);
        }
    }
    if let Some(module) = root.pointer("/prior_state/values/root_module") {
        data_sources(module, "/prior_state/values/root_module", root, &mut resources);
    }
    let subscription = subscription(root, &resources);
    let vault_suffix = vault_suffix(root);
    let timestamp = root
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp());
    Ok(Plan { file: file.to_string(), doc, resources, subscription, vault_suffix, timestamp })
}

fn check_is_plan(root: &Value, file: &str) -> Result<(), Error> {
    let help =
        "give the JSON of a saved plan: `terraform plan -out plan.out && terraform show -json plan.out > plan.json`";
    let Some(obj) = root.as_object() else {
        return Err(Error::usage(format!("{file} is not a Terraform plan: the top level is not a JSON object"), help));
    };
    let Some(version) = obj.get("format_version").and_then(Value::as_str) else {
        return Err(Error::usage(format!("{file} is not a Terraform plan: it has no \"format_version\""), help));
    };
    if !obj.contains_key("planned_values") && !obj.contains_key("resource_changes") {
        let what = if obj.contains_key("values") {
            format!("{file} is Terraform state, not a plan (it has \"values\", no \"planned_values\")")
        } else {
            format!("{file} is not a Terraform plan: it has no \"planned_values\" or \"resource_changes\"")
        };
        return Err(Error::usage(what, help));
    }
    if version.split('.').next() != Some("1") {
        return Err(Error::usage(
            format!("{file}: Terraform plan format_version {version:?} is not supported (this build reads 1.x)"),
            "write the plan with Terraform 1.x, or update acr-audit",
        ));
    }
    Ok(())
}

/// A managed resource instance that the plan keeps: created, updated, replaced or left as it is.
/// Deleted and forgotten objects (and deposed ones, which are being destroyed) are not read.
fn change(rc: &Value, i: usize, root: &Value) -> Option<Resource> {
    if rc.get("mode").and_then(Value::as_str) != Some("managed") || rc.get("deposed").is_some() {
        return None;
    }
    let actions: Vec<&str> =
        rc.pointer("/change/actions").and_then(Value::as_array)?.iter().filter_map(Value::as_str).collect();
    if actions.is_empty() || actions.iter().all(|a| matches!(*a, "delete" | "forget")) {
        return None;
    }
    let after = rc.pointer("/change/after").filter(|v| v.is_object())?;
    let pointer = format!("/resource_changes/{i}");
    let module = rc.get("module_address").and_then(Value::as_str).unwrap_or_default().to_string();
    let kind = rc.get("type").and_then(Value::as_str)?.to_string();
    let name = rc.get("name").and_then(Value::as_str)?.to_string();
    let unknown = rc.pointer("/change/after_unknown").cloned().unwrap_or(Value::Null);
    let config = resource_config(root, &module, false, &kind, &name);
    Some(Resource {
        address: rc.get("address").and_then(Value::as_str).unwrap_or_default().to_string(),
        module,
        mode: Mode::Managed,
        kind,
        name,
        index: rc.get("index").cloned(),
        creates: actions.contains(&"create"),
        values: after.clone(),
        values_ptr: format!("{pointer}/change/after"),
        unknown_ptr: (!unknown.is_null()).then(|| format!("{pointer}/change/after_unknown")),
        unknown,
        pointer,
        config,
    })
}

/// Data sources that Terraform read while planning (`prior_state`): existing resources, fully known.
fn data_sources(module: &Value, ptr: &str, root: &Value, out: &mut Vec<Resource>) {
    for (i, r) in module.get("resources").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if r.get("mode").and_then(Value::as_str) != Some("data") {
            continue;
        }
        let (Some(kind), Some(name), Some(values)) = (
            r.get("type").and_then(Value::as_str),
            r.get("name").and_then(Value::as_str),
            r.get("values").filter(|v| v.is_object()),
        ) else {
            continue;
        };
        let address = r.get("address").and_then(Value::as_str).unwrap_or_default().to_string();
        let module_address = module.get("address").and_then(Value::as_str).unwrap_or_default().to_string();
        let pointer = format!("{ptr}/resources/{i}");
        out.push(Resource {
            config: resource_config(root, &module_address, true, kind, name),
            address,
            module: module_address,
            mode: Mode::Data,
            kind: kind.to_string(),
            name: name.to_string(),
            index: r.get("index").cloned(),
            creates: false,
            values: values.clone(),
            values_ptr: format!("{pointer}/values"),
            unknown: Value::Null,
            unknown_ptr: None,
            pointer,
        });
    }
    for (i, child) in module.get("child_modules").and_then(Value::as_array).into_iter().flatten().enumerate() {
        data_sources(child, &format!("{ptr}/child_modules/{i}"), root, out);
    }
}

/// The `expressions` of a resource block in the configuration: the module calls are followed from the
/// root module by name (a module instance key such as `[0]` selects no other configuration).
fn resource_config(root: &Value, module: &str, data: bool, kind: &str, name: &str) -> Option<Value> {
    let mut m = root.pointer("/configuration/root_module")?;
    for call in module_names(module) {
        m = m.get("module_calls")?.get(&call)?.get("module")?;
    }
    let mode = if data { "data" } else { "managed" };
    let r = m.get("resources")?.as_array()?.iter().find(|r| {
        r.get("type").and_then(Value::as_str) == Some(kind)
            && r.get("name").and_then(Value::as_str) == Some(name)
            && r.get("mode").and_then(Value::as_str).unwrap_or("managed") == mode
    })?;
    Some(r.get("expressions").cloned().unwrap_or_else(|| Value::Object(Default::default())))
}

/// The module call names of a module instance address: `module.a["x.y"].module.b` → `[a, b]`.
pub fn module_names(address: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = address;
    while let Some(r) = rest.strip_prefix("module.") {
        let end = r.find(['.', '[']).unwrap_or(r.len());
        names.push(r[..end].to_string());
        rest = &r[end..];
        if rest.starts_with('[') {
            rest = after_index(rest);
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    names
}

/// What follows an index key `[...]` at the start of `s` (a quoted key may hold `]` and `\"`).
pub fn after_index(s: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ']' if !in_string => return &s[i + 1..],
            _ => {}
        }
    }
    ""
}

/// The subscription the plan deploys to: the azurerm provider's `subscription_id` when the
/// configuration gives it (literally or through a root variable) or `data.azurerm_client_config` read
/// it, else the one subscription that every known resource ID in the plan names, else
/// [`PLACEHOLDER_SUBSCRIPTION`].
fn subscription(root: &Value, resources: &[Resource]) -> String {
    let mut from_provider = Vec::new();
    for p in
        root.pointer("/configuration/provider_config").and_then(Value::as_object).into_iter().flat_map(|m| m.values())
    {
        if p.get("name").and_then(Value::as_str) != Some("azurerm") {
            continue;
        }
        let Some(expr) = p.pointer("/expressions/subscription_id") else { continue };
        let value = expr.get("constant_value").and_then(Value::as_str).map(str::to_string).or_else(|| {
            let refs = expr.get("references")?.as_array()?;
            let var = refs.first()?.as_str()?.strip_prefix("var.")?;
            (refs.len() == 1).then_some(())?;
            root.pointer(&format!("/variables/{var}/value")).and_then(Value::as_str).map(str::to_string)
        });
        if let Some(v) = value.filter(|v| is_guid(v)) {
            from_provider.push(v.to_ascii_lowercase());
        }
    }
    // What the provider signed in to, as `data.azurerm_client_config` read it.
    for r in resources.iter().filter(|r| r.mode == Mode::Data && r.kind == "azurerm_client_config") {
        if let Some(sub) = r.values.get("subscription_id").and_then(Value::as_str).filter(|s| is_guid(s)) {
            from_provider.push(sub.to_ascii_lowercase());
        }
    }
    from_provider.sort();
    from_provider.dedup();
    if from_provider.len() == 1 {
        return from_provider.remove(0);
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in resources {
        collect_subscriptions(&r.values, &mut seen);
    }
    if seen.len() == 1 {
        return seen.into_iter().next().unwrap_or_default();
    }
    PLACEHOLDER_SUBSCRIPTION.to_string()
}

fn collect_subscriptions(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::String(s) => {
            let lower = s.to_ascii_lowercase();
            if let Some(rest) = lower.strip_prefix("/subscriptions/") {
                let sub = rest.split('/').next().unwrap_or_default();
                if is_guid(sub) {
                    out.insert(sub.to_string());
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_subscriptions(v, out)),
        Value::Object(o) => o.values().for_each(|v| collect_subscriptions(v, out)),
        _ => {}
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// Key Vault's DNS suffix in the cloud the azurerm provider's `environment` names.
fn vault_suffix(root: &Value) -> String {
    let env = root
        .pointer("/configuration/provider_config")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|p| p.get("name").and_then(Value::as_str) == Some("azurerm"))
        .find_map(|p| p.pointer("/expressions/environment/constant_value").and_then(Value::as_str));
    match env.map(str::to_ascii_lowercase).as_deref() {
        Some("china") => "vault.azure.cn",
        Some("usgovernment") => "vault.usgovcloudapi.net",
        _ => "vault.azure.net",
    }
    .to_string()
}

/// A Terraform attribute path: `encryption.0.key_vault_key_id` (numbers index lists).
pub fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('.').filter(|s| !s.is_empty())
}

fn step<'a>(v: &'a Value, seg: &str) -> Option<&'a Value> {
    match v {
        Value::Object(o) => o.get(seg),
        Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
        _ => None,
    }
}

/// The JSON pointer suffix of an attribute path (`/encryption/0/key_vault_key_id`).
pub fn pointer_of<'a>(segs: impl Iterator<Item = &'a str>) -> String {
    segs.map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect()
}

/// `encryption[0].key_vault_key_id`: an attribute path as Terraform prints it.
pub fn display(path: &str) -> String {
    let mut out = String::new();
    for seg in segments(path) {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

fn is_expression(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.keys().all(|k| k == "references" || k == "constant_value"))
}

impl Resource {
    pub fn look(&self, path: &str) -> Look<'_> {
        let mut u = Some(&self.unknown);
        for seg in segments(path) {
            if u == Some(&Value::Bool(true)) {
                return Look::Unknown;
            }
            u = u.and_then(|u| step(u, seg));
        }
        if u == Some(&Value::Bool(true)) {
            return Look::Unknown;
        }
        let mut v = &self.values;
        for seg in segments(path) {
            match step(v, seg) {
                Some(next) => v = next,
                None => return Look::Absent,
            }
        }
        if v.is_null() { Look::Absent } else { Look::Known(v) }
    }

    /// `after_unknown` at `path` (`[true, false]` for a list with one unknown element).
    pub fn unknown_at(&self, path: &str) -> Option<&Value> {
        segments(path).try_fold(&self.unknown, |u, seg| step(u, seg))
    }

    /// The line of an attribute in the plan file: where its planned value is, else where
    /// `after_unknown` marks it, else the line of the closest enclosing attribute that is there.
    pub fn line(&self, doc: &Located, path: &str) -> Option<usize> {
        let segs: Vec<&str> = segments(path).collect();
        (1..=segs.len()).rev().find_map(|n| {
            let p = pointer_of(segs[..n].iter().copied());
            doc.line(&format!("{}{p}", self.values_ptr))
                .or_else(|| self.unknown_ptr.as_ref().and_then(|u| doc.line(&format!("{u}{p}"))))
        })
    }

    /// Where the configuration sets the attribute at `path`.
    pub fn expression(&self, path: &str) -> Expr<'_> {
        let Some(mut cur) = self.config.as_ref() else { return Expr::NoConfig };
        // Whether `cur` is a block's body (the resource's, or an entry of a block list), as opposed
        // to the value of an attribute or a nested block.
        let mut body = true;
        let segs: Vec<&str> = segments(path).collect();
        for (n, seg) in segs.iter().enumerate() {
            if !body && is_expression(cur) {
                return Expr::Merged { expr: cur, block: segs[..n].join("."), rest: segs[n..].join(".") };
            }
            match (cur, seg.parse::<usize>().ok()) {
                (Value::Array(a), Some(i)) => match a.get(i) {
                    Some(next) => (cur, body) = (next, true),
                    None => return Expr::Unset,
                },
                // A block nested once (not a list): its index is implied.
                (Value::Object(_), Some(_)) => body = true,
                (Value::Object(o), None) => match o.get(*seg) {
                    Some(next) => (cur, body) = (next, false),
                    None => return Expr::Unset,
                },
                _ => return Expr::Unset,
            }
        }
        if !body && is_expression(cur) { Expr::Own(cur) } else { Expr::Block }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(values: Value, unknown: Value, config: Value) -> Resource {
        Resource {
            address: "azurerm_container_registry.acr".into(),
            module: String::new(),
            mode: Mode::Managed,
            kind: "azurerm_container_registry".into(),
            name: "acr".into(),
            index: None,
            creates: true,
            pointer: "/resource_changes/0".into(),
            values,
            values_ptr: "/resource_changes/0/change/after".into(),
            unknown,
            unknown_ptr: Some("/resource_changes/0/change/after_unknown".into()),
            config: Some(config),
        }
    }

    #[test]
    fn module_addresses_name_their_calls_whatever_their_keys() {
        assert_eq!(module_names(""), Vec::<String>::new());
        assert_eq!(module_names("module.acr"), ["acr"]);
        assert_eq!(module_names("module.a[0].module.b"), ["a", "b"]);
        assert_eq!(module_names(r#"module.a["x.y]\"z"].module.b"#), ["a", "b"]);
    }

    #[test]
    fn unknown_values_are_told_apart_from_absent_ones() {
        let r = resource(
            json!({"admin_enabled": false, "encryption": [{}], "tags": null, "ids": ["a", null]}),
            json!({"id": true, "encryption": [{"key_vault_key_id": true}], "network_rule_set": true, "ids": [false, true]}),
            json!({}),
        );
        assert_eq!(r.look("admin_enabled"), Look::Known(&json!(false)));
        assert_eq!(r.look("id"), Look::Unknown);
        assert_eq!(r.look("encryption.0.key_vault_key_id"), Look::Unknown);
        assert_eq!(r.look("network_rule_set.0.default_action"), Look::Unknown);
        assert_eq!(r.look("tags"), Look::Absent);
        assert_eq!(r.look("sku"), Look::Absent);
        assert_eq!(r.look("ids.1"), Look::Unknown);
        assert_eq!(r.unknown_at("ids"), Some(&json!([false, true])));
    }

    #[test]
    fn expressions_are_found_in_blocks_and_in_blocks_declared_as_attributes() {
        let config = json!({
            "sku": {"constant_value": "Premium"},
            "identity": [{"identity_ids": {"references": ["azurerm_user_assigned_identity.u.id", "azurerm_user_assigned_identity.u"]}}],
            "encryption": {"references": ["azurerm_key_vault_key.k.id", "azurerm_key_vault_key.k"]}
        });
        let r = resource(json!({}), json!({}), config);
        assert_eq!(r.expression("sku"), Expr::Own(&json!({"constant_value": "Premium"})));
        // The resource's own (empty) block is not an expression.
        assert_eq!(resource(json!({}), json!({}), json!({})).expression("encryption"), Expr::Unset);
        let empty_block = resource(json!({}), json!({}), json!({"rotation_policy": [{}]}));
        assert_eq!(empty_block.expression("rotation_policy.0.expire_after"), Expr::Unset);
        assert_eq!(empty_block.expression("rotation_policy.0"), Expr::Block);
        assert!(matches!(r.expression("identity.0.identity_ids"), Expr::Own(_)));
        assert_eq!(r.expression("identity"), Expr::Block);
        assert!(matches!(
            r.expression("encryption.0.key_vault_key_id"),
            Expr::Merged { block, rest, .. } if block == "encryption" && rest == "0.key_vault_key_id"
        ));
        assert_eq!(r.expression("network_rule_set.0.default_action"), Expr::Unset);
        assert_eq!(r.expression("identity.1.identity_ids"), Expr::Unset);
        let mut no_config = resource(json!({}), json!({}), json!({}));
        no_config.config = None;
        assert_eq!(no_config.expression("sku"), Expr::NoConfig);
    }

    #[test]
    fn paths_print_as_terraform_writes_them() {
        assert_eq!(display("encryption.0.key_vault_key_id"), "encryption[0].key_vault_key_id");
        assert_eq!(pointer_of(segments("a/b.0")), "/a~1b/0");
    }

    #[test]
    fn guids_are_recognised() {
        assert!(is_guid("5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a15"));
        assert!(!is_guid("5e1a7c3d-2b4f-4a8e-9d61-0c3b7f2e8a1"));
        assert!(!is_guid("rg-name"));
    }

    #[test]
    fn json_that_is_not_a_plan_is_refused_with_the_file_named() {
        let err = |text: &str| read(text, "x.json").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err("[]").contains("x.json is not a Terraform plan"));
        assert!(err(r#"{"schema_version": "acr-audit.snapshot/v1"}"#).contains("no \"format_version\""));
        assert!(err(r#"{"format_version": "1.0", "values": {}}"#).contains("is Terraform state"));
        assert!(err(r#"{"format_version": "2.0", "planned_values": {}}"#).contains("not supported"));
        assert!(err("{\n  \"a\": tru\n}").starts_with("x.json:2:"));
        assert!(read(r#"{"format_version": "1.2", "planned_values": {}}"#, "x.json").is_ok());
    }
}
