//! Evaluates the rules over an inventory with regorus: one engine holds every rule, the inventory is
//! set as input once, and the rules are shared out over the machine's cores (each thread works on a
//! clone of the prepared engine, which is cheap: values are reference-counted).

use crate::error::Error;
use crate::inventory::{Inventory, Unknowns};
use crate::rules::{ResourceKind, Rule, RuleSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "unknown")]
    Unknown,
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Pass => "pass",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One result as a rule emits it (see `rules/README.md`).
#[derive(Debug, Clone, Deserialize)]
pub struct RuleResult {
    pub resource: String,
    pub status: Status,
    pub message: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub observed: serde_json::Value,
    #[serde(default)]
    pub args: BTreeMap<String, serde_json::Value>,
    /// Set by the engine when an input the rule reads was unknown: `(field, reason)`.
    #[serde(skip)]
    pub unknown_input: Option<(String, String)>,
}

/// What the rules read besides the inventory (`input.context`).
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub now: i64,
    pub params: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub private_dns_zone: String,
}

#[derive(Serialize)]
struct Input<'a> {
    #[serde(flatten)]
    inventory: &'a Inventory,
    context: &'a Context,
}

pub struct Options {
    pub timeout: Duration,
    pub threads: usize,
}

/// Results per rule code, for the rules in `selected` (codes), in the order of `set.rules`.
pub fn evaluate(
    set: &RuleSet,
    selected: &[&Rule],
    inventory: &Inventory,
    context: &Context,
    options: &Options,
) -> Result<Vec<(String, Vec<RuleResult>)>, Error> {
    let mut engine = regorus::Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: options.timeout,
        check_interval: NonZeroU32::new(256).expect("non-zero"),
    });
    for src in set.libraries.iter().chain(set.rules.iter().map(|r| &r.source)) {
        engine
            .add_policy(src.path.clone(), src.text.clone())
            .map_err(|e| Error::usage(format!("rule {} does not compile:\n{e}", src.path), "fix the Rego (rules/README.md has the contract), or leave the file out of --rules"))?;
    }
    let input = serde_json::to_value(Input { inventory, context })
        .map_err(|e| Error::usage(format!("cannot prepare the inventory for the rules: {e}"), "report this as a bug"))?;
    engine.set_input(regorus::Value::from(input));

    let index = ResourceIndex::new(inventory);
    let threads = options.threads.clamp(1, selected.len().max(1));
    let chunks: Vec<Vec<&Rule>> = (0..threads).map(|t| selected.iter().skip(t).step_by(threads).copied().collect()).collect();
    let outcomes: Vec<Result<Vec<(String, Vec<RuleResult>)>, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let mut engine = engine.clone();
                let index = &index;
                s.spawn(move || chunk.iter().map(|rule| run_rule(&mut engine, rule, index).map(|r| (rule.code().to_string(), r))).collect())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::usage("a rule evaluation thread panicked", "report this as a bug")))).collect()
    });
    let mut by_code: HashMap<String, Vec<RuleResult>> = HashMap::new();
    for outcome in outcomes {
        by_code.extend(outcome?);
    }
    Ok(selected.iter().map(|r| (r.code().to_string(), by_code.remove(r.code()).unwrap_or_default())).collect())
}

fn run_rule(engine: &mut regorus::Engine, rule: &Rule, index: &ResourceIndex) -> Result<Vec<RuleResult>, Error> {
    let path = &rule.source.path;
    let query = format!("data.{}.results", rule.package);
    let started = std::time::Instant::now();
    let value = engine.eval_rule(query.clone()).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("time limit") || msg.contains("exceeded") {
            Error::rule(path, 1, format!("rule {} was stopped after {:.1?}: {msg}", rule.code(), started.elapsed()))
        } else {
            Error::rule(path, 1, format!("rule {} failed to evaluate: {msg}", rule.code()))
        }
    })?;
    let json = serde_json::to_value(&value).map_err(|e| Error::rule(path, 1, format!("results are not JSON: {e}")))?;
    let items = match json {
        serde_json::Value::Array(items) => items,
        other => {
            return Err(Error::rule(
                path,
                1,
                format!("`results` must be an array with one result per resource, found {}", short(&other)),
            ));
        }
    };
    let expected = index.ids(rule.meta.custom.resource);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut r = RuleResult::deserialize(&item)
            .map_err(|e| Error::rule(path, 1, format!("a result of rule {} is malformed ({e}): {}", rule.code(), short(&item))))?;
        if !rule.meta.custom.messages.contains_key(&r.message) {
            return Err(Error::rule(path, 1, format!("rule {} emitted message id {:?}, which its METADATA messages do not define", rule.code(), r.message)));
        }
        let key = r.resource.to_ascii_lowercase();
        let Some(unknowns) = expected.get(key.as_str()) else {
            return Err(Error::rule(path, 1, format!("rule {} emitted a result for {}, which is not a {:?} it evaluates", rule.code(), r.resource, rule.meta.custom.resource)));
        };
        *seen.entry(key).or_default() += 1;
        // Unknown is never a pass: an input the rule reads that could not be determined decides.
        if let Some((field, reason)) = rule.meta.custom.inputs.iter().find_map(|f| unknowns.get(f).map(|r| (f, r))) {
            r.status = Status::Unknown;
            r.unknown_input = Some((field.clone(), reason.clone()));
        }
        out.push(r);
    }
    if let Some((id, _)) = seen.iter().find(|(_, n)| **n > 1) {
        return Err(Error::rule(path, 1, format!("rule {} emitted more than one result for {id}", rule.code())));
    }
    if let Some(missing) = expected.keys().find(|id| !seen.contains_key(**id)) {
        return Err(Error::rule(path, 1, format!("rule {} emitted no result for {missing}: every evaluated resource needs one", rule.code())));
    }
    Ok(out)
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.len() > 200 { format!("{}…", &s[..s.floor_char_boundary(200)]) } else { s }
}

/// The resources each kind of rule evaluates, by lower-case ID, with their unknown fields.
struct ResourceIndex<'a> {
    registries: HashMap<String, &'a Unknowns>,
    vaults: HashMap<String, &'a Unknowns>,
}

impl<'a> ResourceIndex<'a> {
    fn new(inv: &'a Inventory) -> Self {
        ResourceIndex {
            registries: inv.registries.iter().map(|r| (r.id.to_ascii_lowercase(), &r.unknown)).collect(),
            vaults: inv
                .vaults
                .values()
                .filter(|v| v.audited)
                .map(|v| (v.id.as_deref().unwrap_or(&v.name).to_ascii_lowercase(), &v.unknown))
                .collect(),
        }
    }

    fn ids(&self, kind: ResourceKind) -> HashMap<&str, &'a Unknowns> {
        let map = match kind {
            ResourceKind::Registry => &self.registries,
            ResourceKind::Vault => &self.vaults,
        };
        map.iter().map(|(k, v)| (k.as_str(), *v)).collect()
    }
}
