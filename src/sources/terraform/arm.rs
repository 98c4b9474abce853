//! Building one ARM resource from one Terraform resource: the JSON in ARM's REST shape, and the plan
//! line of every ARM property that came from an attribute, keyed by ARM path as the rules report it.

use super::plan::{Expr, Look, Resource};
use super::references::{Accept, LOCATION, Resolved, Resolver, reason};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// An ARM resource being built.
#[derive(Debug)]
pub struct Arm {
    pub body: Map<String, Value>,
    /// ARM path (`properties.adminUserEnabled`) → line in the plan file.
    pub lines: BTreeMap<String, usize>,
}

impl Arm {
    pub fn new(id: &str, name: &str, kind: &str) -> Arm {
        let mut body = Map::new();
        body.insert("id".into(), json!(id));
        body.insert("name".into(), json!(name));
        body.insert("type".into(), json!(kind));
        Arm { body, lines: BTreeMap::new() }
    }

    pub fn id(&self) -> &str {
        self.body.get("id").and_then(Value::as_str).unwrap_or_default()
    }

    pub fn kind(&self) -> &str {
        self.body.get("type").and_then(Value::as_str).unwrap_or_default()
    }

    /// Sets the value at a dotted ARM path, creating the objects on the way.
    pub fn set(&mut self, path: &str, v: Value) {
        let mut cur = &mut self.body;
        let mut segs = path.split('.').peekable();
        while let Some(seg) = segs.next() {
            if segs.peek().is_none() {
                cur.insert(seg.to_string(), v);
                return;
            }
            let next = cur.entry(seg.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !next.is_object() {
                *next = Value::Object(Map::new());
            }
            let Value::Object(map) = next else { return };
            cur = map;
        }
    }

    /// The value at a dotted ARM path (numbers index arrays: `properties.accessPolicies.0.objectId`).
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut segs = path.split('.');
        let first = self.body.get(segs.next()?)?;
        segs.try_fold(first, |v, seg| match v {
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
            _ => v.get(seg),
        })
    }

    /// Appends to the array at `path` (an unresolved marker there stays: the list is unknown).
    pub fn push(&mut self, path: &str, v: Value) {
        match self.get(path) {
            Some(Value::Array(_)) => {}
            Some(other) if super::references::is_marker(other) => return,
            _ => self.set(path, Value::Array(Vec::new())),
        }
        if let Some(Value::Array(a)) = self.get_mut(path) {
            a.push(v);
        }
    }

    fn get_mut(&mut self, path: &str) -> Option<&mut Value> {
        let mut segs = path.split('.');
        let first = self.body.get_mut(segs.next()?)?;
        segs.try_fold(first, |v, seg| v.get_mut(seg))
    }

    /// Records the line of an ARM property; the first one recorded stays.
    pub fn line(&mut self, path: &str, line: Option<usize>) {
        if let Some(l) = line {
            self.lines.entry(path.to_string()).or_insert(l);
        }
    }
}

/// What a nested block of the plan holds.
#[derive(Debug, PartialEq)]
pub enum Block {
    /// This many entries (a block known only after apply but written in the configuration counts as one).
    Entries(usize),
    Absent,
    Unresolved(String),
}

/// Maps one Terraform resource.
pub struct Mapper<'a, 'p> {
    pub rs: &'a Resolver<'p>,
    pub r: &'a Resource,
    pub arm: Arm,
}

impl<'a, 'p> Mapper<'a, 'p> {
    pub fn new(rs: &'a Resolver<'p>, r: &'a Resource, id: &str, name: &str, kind: &str) -> Self {
        Mapper { rs, r, arm: Arm::new(id, name, kind) }
    }

    /// A top-level resource of ARM type `kind` (in a resource group, with a location): its name and ID
    /// from the plan (an ID under the plan's subscription when the resource group is not known).
    pub fn top_level(rs: &'a Resolver<'p>, r: &'a Resource, kind: &str) -> Self {
        let name = rs.name(r);
        let id =
            rs.arm_id(r).unwrap_or_else(|_| format!("/subscriptions/{}/providers/{kind}/{name}", rs.plan.subscription));
        let mut m = Mapper::new(rs, r, &id, &name, kind);
        m.location();
        m
    }

    /// The line of a Terraform attribute in the plan file.
    pub fn line_of(&self, tf: &str) -> Option<usize> {
        self.r.line(&self.rs.plan.doc, tf)
    }

    pub fn value(&self, tf: &str, accept: Accept) -> Resolved {
        self.rs.value(self.r, tf, accept)
    }

    /// Writes what `tf` resolves to at the ARM path `arm` (converted when known, the unresolved marker
    /// when not, `default` when it is not set), with the attribute's line.
    pub fn put(
        &mut self,
        arm: &str,
        tf: &str,
        resolved: Resolved,
        convert: impl FnOnce(Value) -> Value,
        default: Option<Value>,
    ) {
        let present = !matches!(resolved, Resolved::Absent);
        if let Some(v) = resolved.into_arm(convert).or(default) {
            self.arm.set(arm, v);
            if present {
                let line = self.line_of(tf);
                self.arm.line(arm, line);
            }
        }
    }

    /// [`put`](Self::put) of a plain attribute (no reference may stand in for it).
    pub fn field(&mut self, arm: &str, tf: &str, convert: impl FnOnce(Value) -> Value, default: Option<Value>) {
        let v = self.value(tf, Accept::NONE);
        self.put(arm, tf, v, convert, default);
    }

    pub fn location(&mut self) {
        let v = self.value("location", LOCATION);
        self.put("location", "location", v, |v| v, None);
    }

    /// The entries of a nested block.
    pub fn block(&self, tf: &str) -> Block {
        match self.r.look(tf) {
            Look::Known(Value::Array(a)) if a.is_empty() => Block::Absent,
            Look::Known(Value::Array(a)) => Block::Entries(a.len()),
            Look::Known(Value::Object(_)) => Block::Entries(1),
            Look::Known(_) | Look::Absent => Block::Absent,
            Look::Unknown => match self.r.expression(tf) {
                Expr::Unset => Block::Absent,
                Expr::NoConfig => Block::Unresolved(reason(self.r, tf, &[])),
                _ => Block::Entries(1),
            },
        }
    }

    /// The first of several names of one attribute (azurerm v4 and v3 spellings) that the plan sets.
    pub fn first_of(&self, names: &[&'static str]) -> (Resolved, &'static str) {
        for name in names {
            match self.r.look(name) {
                Look::Absent => continue,
                // A computed twin of the spelling the configuration uses: look further.
                Look::Unknown if self.r.expression(name) == Expr::Unset => continue,
                _ => return (self.value(name, Accept::NONE), name),
            }
        }
        (Resolved::Absent, names[0])
    }
}

/// `true` → `Enabled`, `false` → `Disabled` (ARM's spelling of most switches); other values as given.
pub fn enabled(v: Value) -> Value {
    match v {
        Value::Bool(true) => json!("Enabled"),
        Value::Bool(false) => json!("Disabled"),
        other => other,
    }
}

/// `true` → `enabled`, `false` → `disabled` (the spelling of policy and encryption statuses).
pub fn status(v: Value) -> Value {
    match v {
        Value::Bool(true) => json!("enabled"),
        Value::Bool(false) => json!("disabled"),
        other => other,
    }
}

pub fn same(v: Value) -> Value {
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_build_nested_objects_and_lists() {
        let mut a = Arm::new("/x", "x", "T");
        a.set("properties.encryption.status", json!("enabled"));
        a.set("properties.encryption.keyVaultProperties.identity", json!("c"));
        a.push("properties.privateEndpointConnections", json!({"n": 1}));
        a.push("properties.privateEndpointConnections", json!({"n": 2}));
        assert_eq!(a.get("properties.encryption.status"), Some(&json!("enabled")));
        assert_eq!(a.get("properties.privateEndpointConnections").and_then(Value::as_array).map(Vec::len), Some(2));
        assert_eq!(a.get("properties.privateEndpointConnections.1.n"), Some(&json!(2)));
        a.set("properties.accessPolicies", super::super::references::marker("why"));
        a.push("properties.accessPolicies", json!({}));
        assert!(super::super::references::is_marker(a.get("properties.accessPolicies").unwrap()));
        a.line("sku", Some(3));
        a.line("sku", Some(9));
        assert_eq!(a.lines["sku"], 3);
        assert_eq!((a.id(), a.kind()), ("/x", "T"));
    }

    #[test]
    fn switches_take_arm_spelling() {
        assert_eq!(enabled(json!(true)), json!("Enabled"));
        assert_eq!(status(json!(false)), json!("disabled"));
        assert_eq!(enabled(json!("odd")), json!("odd"));
    }
}
