//! One ARM template, deployed on paper: parameters, variables, `copy` loops, conditions, child
//! resources, extension resources (`scope`, or the older `…/providers/…` form), nested deployments
//! with an inline template, and `reference()` to what the template itself declares. The result is
//! the resources the deployment would create, in ARM's REST shape, each with the template lines it
//! came from.
//!
//! What the deployment alone decides becomes `{"$unresolved": "<why>"}`. Values that ARM assigns at
//! deployment but that the template joins on (an identity's principal and client IDs, a key's URI, a
//! vault's URI) are given stable stand-ins, the same wherever the template refers to them, so that the
//! customer-managed-key chain can be followed inside a template.

use super::expr::{self, Scope, V};
use crate::error::Error;
use crate::estate::UNRESOLVED_KEY;
use crate::inventory::{Gap, Origin};
use crate::sources::located::Located;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Where resources are deployed when the template does not say: a stand-in subscription, and a resource
/// group of its own per template file (`rg-deployment-infra-main-json`), so that IDs built with
/// `resourceId()` join within a template and two templates that name a registry alike stay two registries.
pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

fn resource_group_of(file: &str) -> String {
    let name: String =
        file.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("rg-deployment-{}", name.trim_matches('-'))
}

/// What `[resourceGroup().location]` stands for: the same wherever it is used, recognisably not a
/// region (the normaliser knows it: a comparison with a real region is unknown).
pub const DEPLOYMENT_LOCATION: &str = crate::inventory::DEPLOYMENT_LOCATION;

/// A deployed resource: its JSON and where it was declared.
pub struct Deployed {
    pub value: Value,
    pub origin: Origin,
}

pub struct Outcome {
    pub resources: Vec<Deployed>,
    pub gaps: Vec<Gap>,
}

/// Evaluation scope of one template (the file's, or a nested deployment's).
struct Ctx {
    params: Map<String, Value>,
    /// User-defined types (languageVersion 2.0): a parameter's `$ref` names one.
    definitions: Map<String, Value>,
    /// Values given from outside (a parameters file, a deployment's `parameters`), by lower-case name.
    supplied: HashMap<String, V>,
    vars: Map<String, Value>,
    param_cache: HashMap<String, V>,
    var_cache: HashMap<String, V>,
    var_busy: HashSet<String>,
    subscription: String,
    resource_group: String,
    /// For a nested deployment evaluated in its parent's scope (`"scope": "outer"`): parameters and
    /// variables are the parent's.
    outer: Option<usize>,
}

struct Decl {
    ctx: usize,
    pointer: String,
    raw: Map<String, Value>,
    copy: Vec<(String, V)>,
    kind: String,
    name: String,
    id: String,
    symbolic: Option<String>,
    /// The scope of an extension resource (a diagnostic setting, a role assignment).
    scope: Option<String>,
    /// Why the resource may or may not be deployed (a `condition` that cannot be evaluated).
    condition: Option<String>,
    existing: bool,
}

struct Walker<'a> {
    doc: &'a Located,
    file: &'a str,
    now: i64,
    ctxs: Vec<Ctx>,
    decls: Vec<Decl>,
    done: Vec<Option<Value>>,
    busy: HashSet<usize>,
    gaps: Vec<Gap>,
    /// The first expression that does not parse: bad input, reported as an error.
    syntax: Option<String>,
}

/// Deploys `doc` (a template) with `parameters` (name → value, from a parameters file).
/// `now`: when the deployment is taken to happen (the scan's `--as-of`): the creation time of the keys it
/// creates.
pub fn deploy(doc: &Located, file: &str, parameters: HashMap<String, V>, now: i64) -> Result<Outcome, Error> {
    let root = doc.value.as_object().cloned().unwrap_or_default();
    let mut w = Walker {
        doc,
        file,
        now,
        ctxs: Vec::new(),
        decls: Vec::new(),
        done: Vec::new(),
        busy: HashSet::new(),
        gaps: Vec::new(),
        syntax: None,
    };
    let declared: HashSet<String> = obj(&root, "parameters").keys().map(|k| k.to_ascii_lowercase()).collect();
    if let Some(unknown) = parameters.keys().find(|k| !declared.contains(*k)) {
        return Err(Error::usage(
            format!("{file}: the parameters file gives `{unknown}`, which the template does not declare"),
            "remove it from the parameters file, or check that the parameters file belongs to this template",
        ));
    }
    w.ctxs.push(Ctx {
        params: obj(&root, "parameters"),
        definitions: obj(&root, "definitions"),
        supplied: parameters,
        vars: obj(&root, "variables"),
        param_cache: HashMap::new(),
        var_cache: HashMap::new(),
        var_busy: HashSet::new(),
        subscription: SUBSCRIPTION.into(),
        resource_group: resource_group_of(file),
        outer: None,
    });
    if let Some(resources) = root.get("resources") {
        w.collect(0, resources, "/resources", None, &[]);
    }
    w.fix_symbolic_scopes();
    let mut resources = Vec::new();
    for i in 0..w.decls.len() {
        if w.decls[i].existing {
            continue;
        }
        let value = w.evaluate(i);
        let d = &w.decls[i];
        let origin = Origin {
            file: file.to_string(),
            line: doc.line(&d.pointer),
            property_lines: property_lines(doc, &d.pointer),
        };
        resources.push(Deployed { value, origin });
    }
    if let Some(why) = w.syntax {
        return Err(Error::usage(why, "fix the expression (ARM template syntax: `[function('arg')]`)"));
    }
    Ok(Outcome { resources, gaps: w.gaps })
}

fn obj(v: &Map<String, Value>, key: &str) -> Map<String, Value> {
    v.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, v)| v.as_object()).cloned().unwrap_or_default()
}

fn get<'v>(m: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// The template lines of a resource's properties, by ARM path (`properties.adminUserEnabled`).
fn property_lines(doc: &Located, pointer: &str) -> BTreeMap<String, usize> {
    doc.lines_under(pointer)
        .filter(|(rel, _)| !rel.starts_with("resources/") && !rel.starts_with("copy"))
        .map(|(rel, line)| {
            let path = rel.split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect::<Vec<_>>().join(".");
            (path, line)
        })
        .collect()
}

/// Whether a parameter declaration, or the user-defined type its `$ref` names, is `nullable`.
fn nullable(decl: &Value, definitions: &Map<String, Value>) -> bool {
    if decl.get("nullable").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    let Some(name) = decl.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) else {
        return false;
    };
    definitions.get(name).and_then(|d| d.get("nullable")).and_then(Value::as_bool) == Some(true)
}

fn unresolved(why: impl Into<String>) -> Value {
    json!({ UNRESOLVED_KEY: why.into() })
}

fn to_value(v: V) -> Value {
    match v {
        V::Known(v) => v,
        V::Unknown(why) => unresolved(why),
    }
}

impl<'a> Walker<'a> {
    fn at(&mut self, ctx: usize, copy: Vec<(String, V)>) -> At<'_, 'a> {
        At { w: self, ctx, copy }
    }

    fn collect(
        &mut self,
        ctx: usize,
        resources: &Value,
        pointer: &str,
        parent: Option<(&str, &str)>,
        copy: &[(String, V)],
    ) {
        let entries: Vec<(String, Option<String>, Map<String, Value>)> = match resources {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.as_object().map(|o| (format!("{pointer}/{i}"), None, o.clone())))
                .collect(),
            // languageVersion 2.0 (Bicep with user-defined types): resources keyed by symbolic name.
            Value::Object(m) => m
                .iter()
                .filter_map(|(k, r)| {
                    r.as_object().map(|o| {
                        (format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")), Some(k.clone()), o.clone())
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        for (p, symbolic, r) in entries {
            match get(&r, "copy").and_then(Value::as_object) {
                Some(loop_) => {
                    let name = get(loop_, "name").and_then(Value::as_str).unwrap_or("copy").to_string();
                    let count = get(loop_, "count").cloned().unwrap_or(Value::Null);
                    match self.value(ctx, copy, &count) {
                        V::Known(n) if n.as_i64().is_some_and(|n| n > expr::MAX_ITEMS) => {
                            let mut c = copy.to_vec();
                            let why =
                                format!("copy loop {name}: {n} items, more than ARM's limit of {}", expr::MAX_ITEMS);
                            c.push((name.clone(), V::Unknown(why)));
                            self.collect_one(ctx, &r, &p, symbolic.clone(), parent, &c);
                        }
                        V::Known(n) => {
                            let n = n.as_i64().or_else(|| n.as_str().and_then(|s| s.parse().ok())).unwrap_or(0);
                            for i in 0..n.max(0) {
                                let mut c = copy.to_vec();
                                c.push((name.clone(), V::Known(json!(i))));
                                self.collect_one(ctx, &r, &p, symbolic.clone(), parent, &c);
                            }
                        }
                        V::Unknown(why) => {
                            let mut c = copy.to_vec();
                            c.push((
                                name.clone(),
                                V::Unknown(format!("copy loop {name}: its count is not known: {why}")),
                            ));
                            self.collect_one(ctx, &r, &p, symbolic.clone(), parent, &c);
                        }
                    }
                }
                None => self.collect_one(ctx, &r, &p, symbolic, parent, copy),
            }
        }
    }

    fn collect_one(
        &mut self,
        ctx: usize,
        r: &Map<String, Value>,
        pointer: &str,
        symbolic: Option<String>,
        parent: Option<(&str, &str)>,
        copy: &[(String, V)],
    ) {
        let condition = match get(r, "condition") {
            None => None,
            Some(c) => match self.value(ctx, copy, c) {
                V::Known(v)
                    if v == Value::Bool(false) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("false")) =>
                {
                    return;
                }
                V::Known(_) => None,
                V::Unknown(why) => Some(format!("deployed only if its condition holds, which is not known: {why}")),
            },
        };
        let declared_type = get(r, "type").and_then(Value::as_str).unwrap_or_default().to_string();
        let name = match self.value(ctx, copy, get(r, "name").unwrap_or(&Value::Null)) {
            V::Known(Value::String(n)) => n,
            V::Known(other) => other.to_string(),
            // Named after its line, so that its results still say where it is declared.
            V::Unknown(_) => format!("unresolved-name-line-{}", self.doc.line(pointer).unwrap_or(0)),
        };
        let (mut kind, mut name) = match parent {
            Some((pk, pn)) if !declared_type.contains('.') => (format!("{pk}/{declared_type}"), format!("{pn}/{name}")),
            _ => (declared_type.clone(), name),
        };
        if kind.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            self.nested(ctx, r, pointer, copy);
            return;
        }
        let (mut sub, mut rg) = (self.ctxs[ctx].subscription.clone(), self.ctxs[ctx].resource_group.clone());
        // Bicep writes `subscriptionId` and `resourceGroup` on a resource in another scope (an
        // `existing` vault in the platform subscription, say).
        for (key, slot) in [("subscriptionId", &mut sub), ("resourceGroup", &mut rg)] {
            if let Some(v) = get(r, key)
                && let V::Known(Value::String(s)) = self.value(ctx, copy, v)
            {
                *slot = s;
            }
        }
        let mut scope = None;
        // The older extension form: type `Microsoft.KeyVault/vaults/providers/diagnosticSettings`, name
        // `kv/Microsoft.Insights/audit`.
        if let Some((base_kind, ext)) = split_ci(&kind, "/providers/") {
            let parts: Vec<&str> = name.split('/').collect();
            let base_names = base_kind.matches('/').count();
            if parts.len() >= base_names + 2 {
                let base_id = arm_id(&sub, &rg, &base_kind, &parts[..base_names].join("/"));
                scope = Some(base_id);
                kind = format!("{}/{ext}", parts[base_names]);
                name = parts[base_names + 1..].join("/");
            }
        }
        if scope.is_none()
            && let Some(s) = get(r, "scope")
        {
            scope = Some(match self.value(ctx, copy, s) {
                V::Known(Value::String(s)) if s.starts_with('/') => s,
                V::Known(Value::String(s)) if s.contains('/') => {
                    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{s}")
                }
                // A symbolic name (languageVersion 2.0): resolved once every resource is known.
                V::Known(Value::String(s)) => format!("symbolic:{s}"),
                _ => format!("/subscriptions/{sub}/resourceGroups/{rg}/[unresolved scope]"),
            });
        }
        let id = match &scope {
            Some(s) => format!("{s}/providers/{kind}/{name}"),
            None => arm_id(&sub, &rg, &kind, &name),
        };
        let existing = get(r, "existing").and_then(Value::as_bool).unwrap_or(false);
        self.decls.push(Decl {
            ctx,
            pointer: pointer.to_string(),
            raw: r.clone(),
            copy: copy.to_vec(),
            kind: kind.clone(),
            name: name.clone(),
            id,
            symbolic,
            scope,
            condition,
            existing,
        });
        if let Some(children) = get(r, "resources") {
            self.collect(ctx, children, &format!("{pointer}/resources"), Some((&kind, &name)), copy);
        }
    }

    /// A nested deployment (`Microsoft.Resources/deployments`) whose template is inline.
    fn nested(&mut self, ctx: usize, r: &Map<String, Value>, pointer: &str, copy: &[(String, V)]) {
        let props = obj(r, "properties");
        // ARM allows 50 levels of nested deployments; beyond that, the template is refused there too.
        if pointer.matches("/properties/template/").count() >= 50 {
            self.gaps.push(Gap {
                scope: format!("{}:{}", self.file, self.doc.line(pointer).unwrap_or(0)),
                reason: "nested deployments more than 50 levels deep are not read".into(),
            });
            return;
        }
        let Some(template) = get(&props, "template").and_then(Value::as_object).cloned() else {
            let link = get(&props, "templateLink").map(|l| l.to_string()).unwrap_or_else(|| "none".into());
            self.gaps.push(Gap {
                scope: format!("{}:{}", self.file, self.doc.line(pointer).unwrap_or(0)),
                reason: format!("a nested deployment whose template is linked ({link}) is not read: scan that template with --template too"),
            });
            return;
        };
        let text = |w: &mut Self, key: &str, default: String| match get(r, key).map(|v| w.value(ctx, copy, v)) {
            Some(V::Known(Value::String(s))) => s,
            _ => default,
        };
        let subscription = text(self, "subscriptionId", self.ctxs[ctx].subscription.clone());
        let resource_group = text(self, "resourceGroup", self.ctxs[ctx].resource_group.clone());
        let inner = get(&obj(&props, "expressionEvaluationOptions"), "scope")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let child = if inner {
            let mut supplied = HashMap::new();
            for (k, p) in obj(&props, "parameters") {
                let v = match p.as_object() {
                    Some(p) if get(p, "value").is_some() => {
                        self.value(ctx, copy, get(p, "value").unwrap_or(&Value::Null))
                    }
                    _ => V::Unknown(format!("parameter {k} of the nested deployment comes from a Key Vault reference")),
                };
                supplied.insert(k.to_ascii_lowercase(), v);
            }
            Ctx {
                params: obj(&template, "parameters"),
                definitions: obj(&template, "definitions"),
                supplied,
                vars: obj(&template, "variables"),
                param_cache: HashMap::new(),
                var_cache: HashMap::new(),
                var_busy: HashSet::new(),
                subscription,
                resource_group,
                outer: None,
            }
        } else {
            Ctx {
                params: Map::new(),
                definitions: Map::new(),
                supplied: HashMap::new(),
                vars: Map::new(),
                param_cache: HashMap::new(),
                var_cache: HashMap::new(),
                var_busy: HashSet::new(),
                subscription,
                resource_group,
                outer: Some(ctx),
            }
        };
        self.ctxs.push(child);
        let child_ctx = self.ctxs.len() - 1;
        // A copy index of the deployment is not visible inside an inner-scoped template.
        let inner_copy: Vec<(String, V)> = if inner { Vec::new() } else { copy.to_vec() };
        if let Some(resources) = template.get("resources") {
            self.collect(child_ctx, resources, &format!("{pointer}/properties/template/resources"), None, &inner_copy);
        }
    }

    /// `scope: 'symbolicName'` (languageVersion 2.0) → that resource's ID.
    fn fix_symbolic_scopes(&mut self) {
        let by_symbol: HashMap<String, String> =
            self.decls.iter().filter_map(|d| d.symbolic.clone().map(|s| (s, d.id.clone()))).collect();
        for d in &mut self.decls {
            if let Some(sym) = d.scope.as_deref().and_then(|s| s.strip_prefix("symbolic:")) {
                let scope = by_symbol.get(sym).cloned().unwrap_or_else(|| format!("[unknown resource {sym}]"));
                d.id = format!("{scope}/providers/{}/{}", d.kind, d.name);
                d.scope = Some(scope);
            }
        }
    }

    /// Any template JSON value, every expression in it evaluated.
    fn value(&mut self, ctx: usize, copy: &[(String, V)], v: &Value) -> V {
        let mut at = self.at(ctx, copy.to_vec());
        at.resolve(v)
    }

    /// The resource as deployed (memoised: `reference()` asks for it too).
    fn evaluate(&mut self, i: usize) -> Value {
        // A nested deployment's parameters may refer to resources while the rest are still being read.
        if self.done.len() < self.decls.len() {
            self.done.resize(self.decls.len(), None);
        }
        if let Some(v) = &self.done[i] {
            return v.clone();
        }
        if !self.busy.insert(i) {
            return unresolved("the resource refers to itself through reference()");
        }
        let (ctx, copy, raw) = (self.decls[i].ctx, self.decls[i].copy.clone(), self.decls[i].raw.clone());
        let d = &self.decls[i];
        let short_name = d.name.rsplit('/').next().unwrap_or(&d.name).to_string();
        let mut out = Map::new();
        out.insert("id".into(), json!(d.id));
        out.insert("name".into(), json!(short_name));
        out.insert("type".into(), json!(d.kind));
        let (kind, name, id, scope, condition) =
            (d.kind.to_ascii_lowercase(), d.name.clone(), d.id.clone(), d.scope.clone(), d.condition.clone());
        for key in ["location", "sku", "kind", "identity", "properties", "zones", "tags"] {
            if let Some(v) = get(&raw, key) {
                let resolved = self.value(ctx, &copy, v);
                out.insert(key.into(), to_value(resolved));
            }
        }
        add_runtime(&mut out, &kind, &name, &id, self.now);
        if kind.ends_with("/roleassignments")
            && let Some(Value::Object(p)) = out.get_mut("properties")
            && get(p, "scope").is_none()
            && let Some(scope) = &scope
        {
            p.insert("scope".into(), json!(scope));
        }
        if let Some(why) = condition {
            for key in ["properties", "identity", "sku"] {
                out.insert(key.into(), unresolved(why.clone()));
            }
        }
        let value = Value::Object(out);
        self.busy.remove(&i);
        self.done[i] = Some(value.clone());
        value
    }

    fn find(&self, target: &str) -> Option<usize> {
        let t = target.trim_end_matches('/');
        self.decls
            .iter()
            .position(|d| d.id.eq_ignore_ascii_case(t))
            .or_else(|| self.decls.iter().position(|d| d.symbolic.as_deref() == Some(t)))
            .or_else(|| self.decls.iter().position(|d| d.name.eq_ignore_ascii_case(t)))
    }
}

/// Properties ARM assigns when it deploys a resource, which templates refer to: stable stand-ins.
fn add_runtime(out: &mut Map<String, Value>, kind: &str, name: &str, id: &str, now: i64) {
    let stand_in = |what: &str| format!("({what} of {id}, assigned at deployment)");
    let props = out.entry("properties").or_insert_with(|| json!({}));
    if let Value::Object(p) = props {
        match kind {
            "microsoft.managedidentity/userassignedidentities" => {
                p.entry("principalId").or_insert_with(|| json!(stand_in("principalId")));
                p.entry("clientId").or_insert_with(|| json!(stand_in("clientId")));
                p.entry("tenantId").or_insert_with(|| json!(stand_in("tenantId")));
            }
            "microsoft.keyvault/vaults" => {
                p.entry("vaultUri").or_insert_with(|| json!(format!("https://{name}.vault.azure.net/")));
            }
            "microsoft.keyvault/vaults/keys" => {
                let (vault, key) = name.split_once('/').unwrap_or(("", name));
                let uri = format!("https://{vault}.vault.azure.net/keys/{key}");
                p.entry("keyUriWithVersion").or_insert_with(|| json!(format!("{uri}/{DEPLOYED_KEY_VERSION}")));
                p.entry("keyUri").or_insert_with(|| json!(uri));
                // A key the template creates is created when it is deployed: taken to be the scan's moment.
                if let Value::Object(attributes) = p.entry("attributes").or_insert_with(|| json!({})) {
                    attributes.entry("created").or_insert_with(|| json!(now));
                }
            }
            "microsoft.containerregistry/registries" => {
                p.entry("loginServer").or_insert_with(|| json!(format!("{}.azurecr.io", name.to_ascii_lowercase())));
            }
            _ => {}
        }
    }
    if let Some(Value::Object(identity)) = out.get_mut("identity")
        && get(identity, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"))
    {
        identity.entry("principalId").or_insert_with(|| json!(stand_in("principalId")));
        identity.entry("tenantId").or_insert_with(|| json!(stand_in("tenantId")));
    }
}

/// What a template can know of a resource it refers to with `existing`: its ID and name, and the URIs
/// its name determines. Anything else is the deployed resource's, known only at deployment.
fn existing(d: &Decl, full: bool) -> Value {
    let why = format!(
        "{} is an existing resource: its properties are known only at deployment (or from a --snapshot of it)",
        d.id
    );
    let mut props = Map::new();
    props.insert(expr::UNRESOLVED_REST.into(), json!(why));
    let kind = d.kind.to_ascii_lowercase();
    match kind.as_str() {
        "microsoft.keyvault/vaults" => {
            props.insert("vaultUri".into(), json!(format!("https://{}.vault.azure.net/", d.name)));
        }
        "microsoft.keyvault/vaults/keys" => {
            let (vault, key) = d.name.split_once('/').unwrap_or(("", &d.name));
            let uri = format!("https://{vault}.vault.azure.net/keys/{key}");
            // The version is the key's current one when the template is deployed: a stand-in, so that a
            // registry pinning it is seen to pin a version.
            props.insert("keyUriWithVersion".into(), json!(format!("{uri}/{EXISTING_KEY_VERSION}")));
            props.insert("keyUri".into(), json!(uri));
        }
        "microsoft.containerregistry/registries" => {
            props.insert("loginServer".into(), json!(format!("{}.azurecr.io", d.name.to_ascii_lowercase())));
        }
        _ => {}
    }
    if full {
        json!({"id": d.id, "name": d.name.rsplit('/').next().unwrap_or(&d.name), "type": d.kind, "properties": props, expr::UNRESOLVED_REST: why})
    } else {
        Value::Object(props)
    }
}

/// The version in use of an existing key, referred to by a template: a stand-in.
const EXISTING_KEY_VERSION: &str = "version-in-use-at-deployment";

/// The version a key created by the template gets: the stand-in for the version in use.
const DEPLOYED_KEY_VERSION: &str = "version-created-at-deployment";

fn split_ci(s: &str, sep: &str) -> Option<(String, String)> {
    let at = s.to_ascii_lowercase().find(&sep.to_ascii_lowercase())?;
    Some((s[..at].to_string(), s[at + sep.len()..].to_string()))
}

/// `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{t1}/{n1}/{t2}/{n2}` from a type and a full name.
fn arm_id(sub: &str, rg: &str, kind: &str, name: &str) -> String {
    let types: Vec<&str> = kind.split('/').collect();
    let names: Vec<&str> = name.split('/').collect();
    let mut id =
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{}", types.first().copied().unwrap_or_default());
    for (i, t) in types.iter().skip(1).enumerate() {
        id.push_str(&format!("/{t}/{}", names.get(i).copied().unwrap_or("[unnamed]")));
    }
    id
}

/// Expressions evaluated at one place: a template scope and the copy indexes in force.
struct At<'w, 'a> {
    w: &'w mut Walker<'a>,
    ctx: usize,
    copy: Vec<(String, V)>,
}

impl At<'_, '_> {
    fn string(&mut self, s: &str) -> V {
        if expr::is_expression(s) {
            match expr::parse(&s[1..s.len() - 1]) {
                Ok(e) => expr::eval(&e, self),
                Err(why) => {
                    let file = self.w.file.to_string();
                    self.w.syntax.get_or_insert_with(|| format!("{file}: the expression {s} does not parse: {why}"));
                    V::Unknown(format!("the expression {s} does not parse"))
                }
            }
        } else {
            expr::literal(s)
        }
    }

    /// Every expression in a JSON value; property `copy` loops expanded.
    fn resolve(&mut self, v: &Value) -> V {
        match v {
            Value::String(s) => self.string(s),
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for e in a {
                    out.push(to_value(self.resolve(e)));
                }
                V::Known(Value::Array(out))
            }
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    if k.eq_ignore_ascii_case("copy") && v.is_array() {
                        for (name, items) in self.property_copies(v) {
                            out.insert(name, items);
                        }
                        continue;
                    }
                    let key = match self.string(k) {
                        V::Known(Value::String(s)) => s,
                        V::Known(other) => other.to_string(),
                        V::Unknown(why) => format!("[unresolved key: {why}]"),
                    };
                    let value = self.resolve(v);
                    out.insert(key, to_value(value));
                }
                V::Known(Value::Object(out))
            }
            other => V::Known(other.clone()),
        }
    }

    /// `"copy": [{"name": "ipRules", "count": 3, "input": {...}}]` inside an object.
    fn property_copies(&mut self, loops: &Value) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for l in loops.as_array().into_iter().flatten().filter_map(Value::as_object) {
            let name = get(l, "name").and_then(Value::as_str).unwrap_or("copy").to_string();
            let input = get(l, "input").cloned().unwrap_or(Value::Null);
            let count = self.resolve(get(l, "count").unwrap_or(&Value::Null));
            let items = match count {
                V::Known(n) if n.as_i64().is_some_and(|n| n > expr::MAX_ITEMS) => {
                    unresolved(format!("copy loop {name}: {n} items, more than ARM's limit of {}", expr::MAX_ITEMS))
                }
                V::Known(n) => {
                    let n = n.as_i64().unwrap_or(0).max(0);
                    let mut items = Vec::new();
                    for i in 0..n {
                        self.copy.push((name.clone(), V::Known(json!(i))));
                        let item = self.resolve(&input);
                        self.copy.pop();
                        items.push(to_value(item));
                    }
                    Value::Array(items)
                }
                V::Unknown(why) => unresolved(format!("copy loop {name}: its count is not known: {why}")),
            };
            out.push((name, items));
        }
        out
    }

    fn param_ctx(&self) -> usize {
        let mut c = self.ctx;
        while let Some(o) = self.w.ctxs[c].outer {
            c = o;
        }
        c
    }
}

impl Scope for At<'_, '_> {
    fn parameter(&mut self, name: &str) -> V {
        let c = self.param_ctx();
        let key = name.to_ascii_lowercase();
        if let Some(v) = self.w.ctxs[c].param_cache.get(&key) {
            return v.clone();
        }
        let v = if let Some(v) = self.w.ctxs[c].supplied.get(&key) {
            v.clone()
        } else {
            let decl = self.w.ctxs[c].params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
            match decl.as_ref().and_then(Value::as_object).and_then(|d| get(d, "defaultValue").cloned()) {
                Some(default) => {
                    let mut at = At { w: &mut *self.w, ctx: c, copy: Vec::new() };
                    at.resolve(&default)
                }
                None if decl.is_none() => V::Unknown(format!("parameter {name} is not declared")),
                // languageVersion 2.0: a nullable parameter (or one of a nullable type) without a value is null.
                None if decl.as_ref().is_some_and(|d| nullable(d, &self.w.ctxs[c].definitions)) => {
                    V::Known(Value::Null)
                }
                None => {
                    V::Unknown(format!("parameter {name} has no value: give it in a parameters file (--parameters)"))
                }
            }
        };
        self.w.ctxs[c].param_cache.insert(key, v.clone());
        v
    }

    fn variable(&mut self, name: &str) -> V {
        let c = self.param_ctx();
        let key = name.to_ascii_lowercase();
        if let Some(v) = self.w.ctxs[c].var_cache.get(&key) {
            return v.clone();
        }
        if !self.w.ctxs[c].var_busy.insert(key.clone()) {
            return V::Unknown(format!("variable {name} refers to itself"));
        }
        let vars = self.w.ctxs[c].vars.clone();
        let mut at = At { w: &mut *self.w, ctx: c, copy: Vec::new() };
        let v = match vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some((_, v)) => at.resolve(v),
            // Variable copy loops: `"variables": {"copy": [{"name": "x", …}]}`.
            None => match get(&vars, "copy") {
                Some(loops) => at
                    .property_copies(loops)
                    .into_iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| V::Known(v))
                    .unwrap_or_else(|| V::Unknown(format!("variable {name} is not declared"))),
                None => V::Unknown(format!("variable {name} is not declared")),
            },
        };
        self.w.ctxs[c].var_busy.remove(&key);
        self.w.ctxs[c].var_cache.insert(key, v.clone());
        v
    }

    fn copy_index(&mut self, loop_name: Option<&str>) -> V {
        let found = match loop_name {
            Some(n) => self.copy.iter().rev().find(|(name, _)| name.eq_ignore_ascii_case(n)),
            None => self.copy.last(),
        };
        found.map(|(_, v)| v.clone()).unwrap_or_else(|| V::Unknown("copyIndex() outside a copy loop".into()))
    }

    fn reference(&mut self, target: &str, full: bool) -> V {
        let Some(i) = self.w.find(target) else {
            return V::Unknown(format!(
                "reference({target}): a resource this template does not declare is known only at deployment"
            ));
        };
        if self.w.decls[i].existing {
            return V::Known(existing(&self.w.decls[i], full));
        }
        let resource = self.w.evaluate(i);
        if full {
            V::Known(resource)
        } else {
            V::Known(resource.get("properties").cloned().unwrap_or_else(|| json!({})))
        }
    }

    fn context(&mut self, name: &str) -> V {
        let c = &self.w.ctxs[self.ctx];
        let (sub, rg) = (c.subscription.clone(), c.resource_group.clone());
        V::Known(match name {
            "resourcegroup" => json!({
                "id": format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                "name": rg,
                "type": "Microsoft.Resources/resourceGroups",
                // Every resource deployed "[resourceGroup().location]" is in the same region.
                "location": DEPLOYMENT_LOCATION,
            }),
            "subscription" => json!({
                "id": format!("/subscriptions/{sub}"),
                "subscriptionId": sub,
                "tenantId": "(tenant of the deployment)",
                "displayName": "(subscription of the deployment)",
            }),
            "tenant" => json!({"tenantId": "(tenant of the deployment)", "countryCode": "", "displayName": ""}),
            "deployment" => json!({"name": "deployment", "properties": {"templateLink": null}}),
            "environment" => json!({
                "name": "AzureCloud",
                "resourceManager": "https://management.azure.com/",
                "suffixes": {"keyvaultDns": ".vault.azure.net", "acrLoginServer": ".azurecr.io", "storage": "core.windows.net"},
            }),
            other => return V::Unknown(format!("{other}() is known only at deployment")),
        })
    }

    fn subscription_id(&mut self) -> String {
        self.w.ctxs[self.ctx].subscription.clone()
    }

    fn resource_group(&mut self) -> String {
        self.w.ctxs[self.ctx].resource_group.clone()
    }
}
