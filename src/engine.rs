//! Evaluates the rules over an inventory with regorus.
//!
//! Cost control, because an interpreter pays microseconds per resource and rule:
//! - a registry rule that declares the fields it `reads` sees only those, and registries that agree on
//!   them form one class that is evaluated once (a fleet of registries configured alike costs one);
//! - the rules are shared out over the cores, each thread with its own engine; the registries a rule
//!   sees are converted for it in its thread, the rest of the input is converted once and shared.

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
    /// Sorted by name. A list, not a map: a rule's results are kept for every class of registries
    /// until the report is written, and a small map costs several times as much.
    #[serde(default, deserialize_with = "sorted_entries")]
    pub args: Vec<(String, serde_json::Value)>,
    /// Set by the engine when an input the rule reads was unknown: `(field, reason)`.
    #[serde(skip)]
    pub unknown_input: Option<(String, String)>,
}

fn sorted_entries<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, serde_json::Value)>, D::Error> {
    Ok(BTreeMap::<String, serde_json::Value>::deserialize(d)?.into_iter().collect())
}

/// A result and the resources it holds for: indices into [`Subjects`] of the rule's resource kind.
#[derive(Debug)]
pub struct Outcome {
    pub result: RuleResult,
    pub resources: Vec<usize>,
}

/// Results per rule code.
pub type Evaluated = Vec<(String, Vec<Outcome>)>;

/// What the rules read besides the inventory (`input.context`).
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub now: i64,
    pub params: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub private_dns_zone: String,
}

pub struct Options {
    pub timeout: Duration,
    pub threads: usize,
}

/// The resources each kind of rule evaluates, in a fixed order: outcomes refer to them by index.
pub struct Subjects<'a> {
    pub registries: Vec<&'a crate::inventory::Registry>,
    pub vaults: Vec<&'a crate::inventory::Vault>,
}

impl<'a> Subjects<'a> {
    pub fn of(inv: &'a Inventory) -> Self {
        Subjects {
            registries: inv.registries.iter().collect(),
            vaults: inv.vaults.values().filter(|v| v.audited).collect(),
        }
    }

    pub fn id(&self, kind: ResourceKind, i: usize) -> &'a str {
        match kind {
            ResourceKind::Registry => &self.registries[i].id,
            ResourceKind::Vault => &self.vaults[i].id,
        }
    }

    fn unknowns(&self, kind: ResourceKind, i: usize) -> &'a Unknowns {
        match kind {
            ResourceKind::Registry => &self.registries[i].unknown,
            ResourceKind::Vault => &self.vaults[i].unknown,
        }
    }
}

/// The inventory as JSON, once: every registry as its own object (for projecting), the rest whole.
struct Prepared {
    registries: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Everything but the registries, as regorus values: converted once and shared by the threads
    /// (the rules only look vaults up, so sharing costs less than a copy per thread).
    base: regorus::Value,
}

fn prepare(inv: &Inventory, subjects: &Subjects, context: &Context, selected: &[&Rule]) -> Result<Prepared, Error> {
    let bug = |e: serde_json::Error| {
        Error::usage(format!("cannot prepare the inventory for the rules: {e}"), "report this as a bug")
    };
    // When every registry rule declares what it reads, the other fields are not kept at all.
    let kept: Option<std::collections::HashSet<&str>> = selected
        .iter()
        .filter(|r| r.meta.custom.resource == ResourceKind::Registry)
        .map(|r| r.meta.custom.reads.as_ref().map(|reads| reads.iter().map(|f| f.split('.').next().unwrap_or(f))))
        .try_fold(std::collections::HashSet::from(["unknown"]), |mut acc, fields| {
            acc.extend(fields?);
            Some(acc)
        });
    let registries = subjects
        .registries
        .iter()
        .map(|r| match serde_json::to_value(r) {
            Ok(serde_json::Value::Object(mut m)) => {
                if let Some(kept) = &kept {
                    m.retain(|k, _| kept.contains(k.as_str()));
                }
                Ok(m)
            }
            Ok(_) => Ok(Default::default()),
            Err(e) => Err(bug(e)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut base = regorus::Value::new_object();
    if let Ok(obj) = base.as_object_mut() {
        let parts = [
            ("inventory_version", serde_json::Value::from(inv.inventory_version)),
            ("private_endpoints", serde_json::to_value(&inv.private_endpoints).map_err(bug)?),
            ("role_definitions", serde_json::to_value(&inv.role_definitions).map_err(bug)?),
            ("context", serde_json::to_value(context).map_err(bug)?),
            ("vaults", serde_json::to_value(&inv.vaults).map_err(bug)?),
        ];
        for (k, v) in parts {
            obj.insert(regorus::Value::from(k), regorus::Value::from(v));
        }
    }
    Ok(Prepared { registries, base })
}

/// Registries grouped by the fields a rule reads: the representatives (with a class ID in place of
/// their own) and, per class, the registries it stands for.
fn classes(prepared: &Prepared, rule: &Rule) -> (Vec<serde_json::Value>, Vec<Vec<usize>>) {
    let Some(reads) = &rule.meta.custom.reads else {
        let reps = prepared.registries.iter().map(|m| serde_json::Value::Object(m.clone())).collect();
        return (reps, (0..prepared.registries.len()).map(|i| vec![i]).collect());
    };
    let mut fields: Vec<&str> = reads.iter().map(String::as_str).collect();
    fields.push("unknown");
    fields.sort_unstable();
    fields.dedup();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut reps = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut key = Vec::new();
    for (i, reg) in prepared.registries.iter().enumerate() {
        // The class key: the read values, serialised one after the other (no copy of the record).
        key.clear();
        for f in &fields {
            if let Some(v) = value_at(reg, f) {
                key.extend_from_slice(f.as_bytes());
                serde_json::to_writer(&mut key, v).ok();
            }
            key.push(0);
        }
        let class = match index.get(&key) {
            Some(&c) => c,
            None => {
                let mut projected = serde_json::Map::with_capacity(fields.len() + 1);
                for f in &fields {
                    project(reg, &mut projected, f);
                }
                projected.insert("id".into(), format!("#class-{}", reps.len()).into());
                reps.push(serde_json::Value::Object(projected));
                members.push(Vec::new());
                index.insert(key.clone(), reps.len() - 1);
                reps.len() - 1
            }
        };
        members[class].push(i);
    }
    (reps, members)
}

/// The value at a dotted `path`, or where the path stops early (a `null` or a non-object on the way).
fn value_at<'v>(from: &'v serde_json::Map<String, serde_json::Value>, path: &str) -> Option<&'v serde_json::Value> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let value = from.get(head)?;
    match (rest, value) {
        (Some(rest), serde_json::Value::Object(inner)) => value_at(inner, rest),
        _ => Some(value),
    }
}

/// Copies the value at a dotted `path` of `from` into the same place in `to`. Where the path stops
/// early (a `null` or a missing object on the way), what is there is copied, so the rule sees it.
fn project(
    from: &serde_json::Map<String, serde_json::Value>,
    to: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some(value) = from.get(head) else { return };
    match (rest, value) {
        (Some(rest), serde_json::Value::Object(inner)) => {
            let slot = to.entry(head).or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let serde_json::Value::Object(slot) = slot {
                project(inner, slot, rest);
            }
        }
        _ => {
            to.insert(head.to_string(), value.clone());
        }
    }
}

/// Results per rule, for the rules in `selected`, in that order.
pub fn evaluate(
    set: &RuleSet,
    selected: &[&Rule],
    inventory: &Inventory,
    context: &Context,
    options: &Options,
) -> Result<Evaluated, Error> {
    // Compile once up front, so that a broken rule is reported before any work is shared out.
    let template = build_engine(set, options)?;
    let subjects = Subjects::of(inventory);
    let prepared = prepare(inventory, &subjects, context, selected)?;
    let threads = options.threads.clamp(1, selected.len().max(1));
    // Work is handed out rule by rule as threads free up, the customer-managed-key rules first: they
    // cost the most, and starting them early keeps the cores evenly busy to the end.
    let mut queue: Vec<&Rule> = selected.to_vec();
    queue.sort_by_key(|r| !r.code().starts_with("CMK"));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let shared_base = &prepared.base;
    let outcomes: Vec<Result<Evaluated, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (prepared, subjects, queue, next) = (&prepared, &subjects, &queue, &next);
                let engine = if t == 0 { Some(template.clone()) } else { None };
                s.spawn(move || -> Result<Evaluated, Error> {
                    let mut engine = match engine {
                        Some(e) => e,
                        None => build_engine(set, options)?,
                    };
                    let base = shared_base.clone();
                    let mut done = Vec::new();
                    while let Some(rule) = queue.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        done.push((rule.code().to_string(), run_rule(&mut engine, &base, rule, prepared, subjects)?));
                    }
                    Ok(done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::usage("a rule evaluation thread panicked", "report this as a bug")))
            })
            .collect()
    });
    let mut by_code: HashMap<String, Vec<Outcome>> = HashMap::new();
    for outcome in outcomes {
        by_code.extend(outcome?);
    }
    Ok(selected.iter().map(|r| (r.code().to_string(), by_code.remove(r.code()).unwrap_or_default())).collect())
}

fn build_engine(set: &RuleSet, options: &Options) -> Result<regorus::Engine, Error> {
    let mut engine = regorus::Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: options.timeout,
        check_interval: NonZeroU32::new(256).expect("non-zero"),
    });
    for src in set.libraries.iter().chain(set.rules.iter().map(|r| &r.source)) {
        engine.add_policy(src.path.clone(), src.text.clone()).map_err(|e| {
            Error::usage(
                format!("rule {} does not compile:\n{e}", src.path),
                "fix the Rego (rules/README.md has the contract), or leave the file out of --rules",
            )
        })?;
    }
    Ok(engine)
}

/// Registry classes per evaluation: large enough that the per-evaluation cost is negligible, small
/// enough that a 10,000-registry estate is never converted for the interpreter all at once.
const BATCH: usize = 1000;

fn run_rule(
    engine: &mut regorus::Engine,
    base: &regorus::Value,
    rule: &Rule,
    prepared: &Prepared,
    subjects: &Subjects,
) -> Result<Vec<Outcome>, Error> {
    let path = &rule.source.path;
    let kind = rule.meta.custom.resource;
    // Registry rules see their classes' representatives, in batches (a rule judges each registry on its
    // own, rules/README.md): the converted input of one batch is all that is held at a time. Vault
    // rules see every audited vault.
    let evaluate = |engine: &mut regorus::Engine,
                    registries: regorus::Value|
     -> Result<Vec<serde_json::Value>, Error> {
        let mut input = base.clone();
        if let Ok(obj) = input.as_object_mut() {
            obj.insert(regorus::Value::from("registries"), registries);
        }
        engine.set_input(input);
        let started = std::time::Instant::now();
        let value = engine.eval_rule(format!("data.{}.results", rule.package)).map_err(|e| {
            Error::rule(
                path,
                1,
                format!("rule {} failed or was stopped after {:.1?}: {e}", rule.code(), started.elapsed()),
            )
        })?;
        match serde_json::to_value(&value).map_err(|e| Error::rule(path, 1, format!("results are not JSON: {e}")))? {
            serde_json::Value::Array(items) => Ok(items),
            json => Err(Error::rule(
                path,
                1,
                format!("`results` must be an array with one result per resource, found {}", short(&json)),
            )),
        }
    };
    let (ids, mut members, items): (Vec<String>, Vec<Vec<usize>>, Vec<serde_json::Value>) = match kind {
        ResourceKind::Registry => {
            let (reps, members) = classes(prepared, rule);
            let ids = reps.iter().map(|r| r["id"].as_str().unwrap_or_default().to_ascii_lowercase()).collect();
            let mut items = Vec::with_capacity(reps.len());
            let mut reps = reps.into_iter().peekable();
            // At least one evaluation, so that a rule that fails at run time says so on any input.
            loop {
                let batch: Vec<serde_json::Value> = reps.by_ref().take(BATCH).collect();
                items.extend(evaluate(engine, regorus::Value::from(serde_json::Value::Array(batch)))?);
                if reps.peek().is_none() {
                    break;
                }
            }
            (ids, members, items)
        }
        ResourceKind::Vault => {
            // A vault rule reads the vaults (each names the registries that use it, `cmk_registries`);
            // converting every registry for it would cost more than the rule.
            let items = evaluate(engine, regorus::Value::new_array())?;
            let ids = subjects.vaults.iter().map(|v| v.id.to_ascii_lowercase()).collect();
            (ids, (0..subjects.vaults.len()).map(|i| vec![i]).collect(), items)
        }
    };
    let position: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut seen = vec![false; ids.len()];
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut r = RuleResult::deserialize(&item).map_err(|e| {
            Error::rule(path, 1, format!("a result of rule {} is malformed ({e}): {}", rule.code(), short(&item)))
        })?;
        if !rule.meta.custom.messages.contains_key(&r.message) {
            return Err(Error::rule(
                path,
                1,
                format!(
                    "rule {} emitted message id {:?}, which its METADATA messages do not define",
                    rule.code(),
                    r.message
                ),
            ));
        }
        let Some(&at) = position.get(r.resource.to_ascii_lowercase().as_str()) else {
            return Err(Error::rule(
                path,
                1,
                format!(
                    "rule {} emitted a result for {}, which is not a {:?} it evaluates",
                    rule.code(),
                    r.resource,
                    kind
                ),
            ));
        };
        if std::mem::replace(&mut seen[at], true) {
            return Err(Error::rule(
                path,
                1,
                format!("rule {} emitted more than one result for {}", rule.code(), r.resource),
            ));
        }
        // The class ID has served its purpose; the result is kept until the report is written.
        r.resource = String::new();
        let resources = std::mem::take(&mut members[at]);
        // Unknown is never a pass: an input the rule reads that could not be determined decides.
        // (The unknown map is part of every class's projection, so one member speaks for all.)
        let unknowns = subjects.unknowns(kind, resources[0]);
        if let Some((field, reason)) = rule.meta.custom.inputs.iter().find_map(|f| unknowns.get(f).map(|r| (f, r))) {
            r.status = Status::Unknown;
            r.unknown_input = Some((field.clone(), reason.clone()));
            // Nothing was seen: what the rule computed from a stand-in default is not evidence.
            r.observed = serde_json::Value::Null;
        }
        out.push(Outcome { result: r, resources });
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        let id = subjects.id(kind, members[missing][0]);
        return Err(Error::rule(
            path,
            1,
            format!("rule {} emitted no result for {id}: every evaluated resource needs one", rule.code()),
        ));
    }
    Ok(out)
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.len() > 200 { format!("{}…", &s[..s.floor_char_boundary(200)]) } else { s }
}
