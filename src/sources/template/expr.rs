//! ARM template expressions (`"[concat(parameters('prefix'), 'acr')]"`): parsed and evaluated as far
//! as they can be before deployment. What only the deployment knows (`utcNow()`, `listKeys(…)`, the
//! properties of a resource the template does not declare) evaluates to [`V::Unknown`] with the
//! reason, and everything computed from it is unknown too: the rules that read it answer unknown.

use serde_json::{Map, Value, json};
use std::fmt::Write;

/// A value, or why it cannot be known before deployment.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Known(Value),
    Unknown(String),
}

impl V {
    fn known(v: impl Into<Value>) -> V {
        V::Known(v.into())
    }
}

/// The syntax tree of one expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Num(f64),
    Call(String, Vec<Expr>),
    /// `x.name`
    Member(Box<Expr>, String),
    /// `x[i]`
    Index(Box<Expr>, Box<Expr>),
}

/// What expressions can ask of the template they are in.
pub trait Scope {
    fn parameter(&mut self, name: &str) -> V;
    fn variable(&mut self, name: &str) -> V;
    /// `copyIndex()` / `copyIndex('loop')`, before the offset is added.
    fn copy_index(&mut self, loop_name: Option<&str>) -> V;
    /// `reference(idOrSymbolicName, apiVersion?, 'full'?)`.
    fn reference(&mut self, target: &str, full: bool) -> V;
    /// `resourceGroup()`, `subscription()`, `tenant()`, `deployment()`, `environment()`.
    fn context(&mut self, name: &str) -> V;
    /// The subscription and resource group resource IDs are built in.
    fn subscription_id(&mut self) -> String;
    fn resource_group(&mut self) -> String;
    /// `lambdaVariables('x')` inside a lambda: the value bound to `x`.
    fn lambda_variable(&mut self, _name: &str) -> Option<Value> {
        None
    }
}

/// A scope with lambda parameters bound (`map(list, lambda('item', …))`).
struct Bound<'s> {
    outer: &'s mut dyn Scope,
    names: Vec<(String, Value)>,
}

impl Scope for Bound<'_> {
    fn parameter(&mut self, name: &str) -> V {
        self.outer.parameter(name)
    }
    fn variable(&mut self, name: &str) -> V {
        self.outer.variable(name)
    }
    fn copy_index(&mut self, loop_name: Option<&str>) -> V {
        self.outer.copy_index(loop_name)
    }
    fn reference(&mut self, target: &str, full: bool) -> V {
        self.outer.reference(target, full)
    }
    fn context(&mut self, name: &str) -> V {
        self.outer.context(name)
    }
    fn subscription_id(&mut self) -> String {
        self.outer.subscription_id()
    }
    fn resource_group(&mut self) -> String {
        self.outer.resource_group()
    }
    fn lambda_variable(&mut self, name: &str) -> Option<Value> {
        match self.names.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, v)) => Some(v.clone()),
            None => self.outer.lambda_variable(name),
        }
    }
}

/// Applies `lambda('a', 'b', body)` to arguments.
fn apply(lambda: &Expr, args: Vec<Value>, scope: &mut dyn Scope) -> V {
    let Expr::Call(name, parts) = lambda else { return V::Unknown("a lambda was expected".into()) };
    if !name.eq_ignore_ascii_case("lambda") || parts.is_empty() {
        return V::Unknown("a lambda was expected".into());
    }
    let (params, body) = parts.split_at(parts.len() - 1);
    let mut names = Vec::new();
    for (p, a) in params.iter().zip(args) {
        match p {
            Expr::Str(n) => names.push((n.clone(), a)),
            _ => return V::Unknown("a lambda parameter must be a name".into()),
        }
    }
    let mut bound = Bound { outer: scope, names };
    eval(&body[0], &mut bound)
}

/// `map`, `filter`, `reduce`, `sort`, `toObject`: functions that apply a lambda to each item.
fn with_lambda(name: &str, args: &[Expr], scope: &mut dyn Scope) -> V {
    let items = match eval(&args[0], scope) {
        V::Known(Value::Array(a)) => a,
        V::Known(Value::Null) => Vec::new(),
        V::Known(_) => return V::Unknown(format!("{name}() of a value that is not an array")),
        u => return u,
    };
    match name {
        "map" => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                match apply(&args[1], vec![item, json!(i)], scope) {
                    V::Known(v) => out.push(v),
                    u => return u,
                }
            }
            V::known(out)
        }
        "filter" => {
            let mut out = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                match apply(&args[1], vec![item.clone(), json!(i)], scope) {
                    V::Known(v) if truthy(&v) == Some(true) => out.push(item),
                    V::Known(_) => {}
                    u => return u,
                }
            }
            V::known(out)
        }
        "reduce" if args.len() == 3 => {
            let mut acc = match eval(&args[1], scope) {
                V::Known(v) => v,
                u => return u,
            };
            for (i, item) in items.into_iter().enumerate() {
                acc = match apply(&args[2], vec![acc, item, json!(i)], scope) {
                    V::Known(v) => v,
                    u => return u,
                };
            }
            V::Known(acc)
        }
        "toobject" => {
            let mut out = Map::new();
            for item in items {
                let key = match apply(&args[1], vec![item.clone()], scope) {
                    V::Known(k) => text(&k),
                    u => return u,
                };
                let value = match args.get(2) {
                    Some(f) => match apply(f, vec![item], scope) {
                        V::Known(v) => v,
                        u => return u,
                    },
                    None => item,
                };
                out.insert(key, value);
            }
            V::Known(Value::Object(out))
        }
        _ => V::Unknown(format!("{name}() is not evaluated before deployment")),
    }
}

/// Whether a JSON string is an expression: `[…]`, but not `[[…` (an escaped literal bracket).
/// In an object that stands for a resource the template does not create: why its other properties are
/// not known. Read only here: `x.name` of such an object is unknown with this reason.
pub const UNRESOLVED_REST: &str = "$unresolved-rest";

/// ARM's limit on the items of a `copy` loop and of `range()`.
pub const MAX_ITEMS: i64 = 800;

pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

/// A JSON string that is not an expression, as the template means it: `[[` escapes a leading bracket.
pub fn literal(s: &str) -> V {
    match s.strip_prefix("[[") {
        Some(rest) => V::known(format!("[{rest}")),
        None => V::known(s),
    }
}

// ---- parsing --------------------------------------------------------------------------------------

pub fn parse(text: &str) -> Result<Expr, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
    let e = p.expr()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected {:?} at position {}", String::from_utf8_lossy(&p.s[p.i..]), p.i));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

/// Deeper nesting than any real template has: refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at position {}", c as char, self.i))
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} deep"));
        }
        let e = self.postfix();
        self.depth -= 1;
        e
    }

    fn postfix(&mut self) -> Result<Expr, String> {
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    e = Expr::Member(Box::new(e), self.ident()?);
                }
                Some(b'[') => {
                    self.i += 1;
                    let index = self.expr()?;
                    self.expect(b']')?;
                    e = Expr::Index(Box::new(e), Box::new(index));
                }
                _ => return Ok(e),
            }
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'$'))
        {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!("expected a name at position {start}"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(b'\'') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err("unterminated string".into()),
                        Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                            out.push(b'\'');
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            return Ok(Expr::Str(String::from_utf8_lossy(&out).into_owned()));
                        }
                        Some(&c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len() && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.') {
                    self.i += 1;
                }
                let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                text.parse().map(Expr::Num).map_err(|_| format!("bad number {text}"))
            }
            Some(_) => {
                let mut name = self.ident()?;
                // User-defined functions are namespaced: `ns.fn(...)`.
                while self.peek() == Some(b'.') && self.s.get(self.i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
                    let save = self.i;
                    self.i += 1;
                    let part = self.ident()?;
                    if self.peek() == Some(b'(') {
                        name = format!("{name}.{part}");
                    } else {
                        self.i = save;
                        break;
                    }
                }
                self.expect(b'(')?;
                let mut args = Vec::new();
                if self.peek() == Some(b')') {
                    self.i += 1;
                } else {
                    loop {
                        args.push(self.expr()?);
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b')') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(format!("expected ',' or ')' at position {}", self.i)),
                        }
                    }
                }
                Ok(Expr::Call(name, args))
            }
            None => Err("unexpected end of expression".into()),
        }
    }
}

// ---- evaluation -----------------------------------------------------------------------------------

pub fn eval(e: &Expr, scope: &mut dyn Scope) -> V {
    match e {
        Expr::Str(s) => V::known(s.as_str()),
        Expr::Num(n) => V::Known(number(*n)),
        Expr::Member(base, name) => match eval(base, scope) {
            V::Known(v) => member(&v, name),
            u => u,
        },
        Expr::Index(base, index) => match (eval(base, scope), eval(index, scope)) {
            (V::Known(v), V::Known(i)) => match (&v, &i) {
                (Value::Array(a), Value::Number(n)) => a
                    .get(n.as_u64().unwrap_or(u64::MAX) as usize)
                    .cloned()
                    .map(V::Known)
                    .unwrap_or_else(|| V::Unknown(format!("index {n} is outside an array of {}", a.len()))),
                (_, Value::String(s)) => member(&v, s),
                _ => V::Unknown("an index that is neither a number nor a name".into()),
            },
            (V::Unknown(u), _) | (_, V::Unknown(u)) => V::Unknown(u),
        },
        Expr::Call(name, args) => call(&name.to_ascii_lowercase(), args, scope),
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 { json!(n as i64) } else { json!(n) }
}

/// `v.name`, case-insensitively (ARM property access is), and through a marker of a value the
/// resource's deployment decides.
fn member(v: &Value, name: &str) -> V {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(why)) = m.get(crate::estate::UNRESOLVED_KEY) {
                return V::Unknown(why.clone());
            }
            match m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                Some((_, v)) => V::Known(v.clone()),
                None => match m.get(UNRESOLVED_REST) {
                    Some(Value::String(why)) => V::Unknown(format!("{name}: {why}")),
                    _ => V::Unknown(format!("property {name} is not set")),
                },
            }
        }
        _ => V::Unknown(format!("property {name} of a value that is not an object")),
    }
}

/// Why a value is not known, when it is the marker a constructor left for an unknown member.
fn marker_reason(v: &Value) -> Option<String> {
    v.as_object()?.get(crate::estate::UNRESOLVED_KEY)?.as_str().map(str::to_string)
}

/// A string as ARM's `string()` and `format()` render it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn call(name: &str, args: &[Expr], scope: &mut dyn Scope) -> V {
    // Functions that decide which arguments to evaluate.
    match name {
        "if" if args.len() == 3 => {
            return match eval(&args[0], scope) {
                V::Known(c) => match truthy(&c) {
                    Some(true) => eval(&args[1], scope),
                    Some(false) => eval(&args[2], scope),
                    None => V::Unknown("if() with a condition that is not a boolean".into()),
                },
                u => u,
            };
        }
        "and" | "or" => {
            let want = name == "or";
            let mut unknown = None;
            for a in args {
                match eval(a, scope) {
                    V::Known(v) if truthy(&v) == Some(want) => return V::known(want),
                    V::Known(_) => {}
                    V::Unknown(u) => unknown = Some(u),
                }
            }
            return unknown.map(V::Unknown).unwrap_or(V::known(!want));
        }
        "map" | "filter" | "reduce" | "toobject" if args.len() >= 2 => return with_lambda(name, args, scope),
        "lambdavariables" => {
            return match args.first().map(|a| eval(a, scope)) {
                Some(V::Known(Value::String(n))) => scope
                    .lambda_variable(&n)
                    .map(V::Known)
                    .unwrap_or_else(|| V::Unknown(format!("lambdaVariables('{n}') outside its lambda"))),
                Some(V::Unknown(u)) => V::Unknown(u),
                _ => V::Unknown("lambdaVariables() needs a name".into()),
            };
        }
        "coalesce" => {
            let mut unknown = None;
            for a in args {
                match eval(a, scope) {
                    V::Known(Value::Null) => {}
                    V::Known(v) if unknown.is_none() => return V::Known(v),
                    V::Known(_) => {}
                    V::Unknown(u) => unknown = unknown.or(Some(u)),
                }
            }
            return unknown.map(V::Unknown).unwrap_or(V::Known(Value::Null));
        }
        _ => {}
    }
    // Constructors keep what is known: `createObject('status', 'enabled', 'identity', <unknown>)` is an
    // object whose `identity` alone is unknown. Every other function needs all of its arguments.
    let builds = matches!(name, "createobject" | "createarray" | "union");
    let mut values = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let is_key = name == "createobject" && i % 2 == 0;
        match eval(a, scope) {
            V::Known(v) => match marker_reason(&v) {
                Some(why) if !builds => return V::Unknown(why),
                _ => values.push(v),
            },
            V::Unknown(why) if builds && !is_key => values.push(json!({ crate::estate::UNRESOLVED_KEY: why })),
            u => return u,
        }
    }
    let str_arg = |i: usize| values.get(i).map(text).unwrap_or_default();
    match name {
        "parameters" => scope.parameter(&str_arg(0)),
        "variables" => scope.variable(&str_arg(0)),
        "copyindex" => {
            let (loop_name, offset) = match values.as_slice() {
                [] => (None, 0),
                [Value::String(n)] => (Some(n.as_str()), 0),
                [o] => (None, int(o).unwrap_or(0)),
                [Value::String(n), o, ..] => (Some(n.as_str()), int(o).unwrap_or(0)),
                [o, ..] => (None, int(o).unwrap_or(0)),
            };
            match scope.copy_index(loop_name) {
                V::Known(i) => V::known(int(&i).unwrap_or(0) + offset),
                u => u,
            }
        }
        "reference" => {
            let full = values.iter().skip(1).any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("full")));
            scope.reference(&str_arg(0), full)
        }
        "resourcegroup" | "subscription" | "tenant" | "deployment" | "environment" | "managementgroup" => {
            scope.context(name)
        }
        "resourceid" => resource_id(&values, scope, Level::ResourceGroup),
        "subscriptionresourceid" => resource_id(&values, scope, Level::Subscription),
        "tenantresourceid" => resource_id(&values, scope, Level::Tenant),
        "extensionresourceid" if values.len() >= 3 => {
            let mut id = format!("{}/providers/{}", str_arg(0).trim_end_matches('/'), str_arg(1));
            for n in &values[2..] {
                let _ = write!(id, "/{}", text(n));
            }
            V::known(id)
        }
        "concat" => {
            if values.iter().all(|v| v.is_array()) && !values.is_empty() {
                V::known(values.iter().flat_map(|v| v.as_array().cloned().unwrap_or_default()).collect::<Vec<_>>())
            } else {
                V::known(values.iter().map(text).collect::<String>())
            }
        }
        "format" => format_fn(&values),
        "string" => V::known(values.first().map(text).unwrap_or_default()),
        "int" => values.first().and_then(int).map(V::known).unwrap_or(V::Unknown("int() of a non-number".into())),
        "bool" => values.first().and_then(truthy).map(V::known).unwrap_or(V::Unknown("bool() of a non-boolean".into())),
        "json" => {
            serde_json::from_str(&str_arg(0)).map(V::Known).unwrap_or(V::Unknown("json() of invalid JSON".into()))
        }
        "true" => V::known(true),
        "false" => V::known(false),
        "null" => V::Known(Value::Null),
        "tolower" => V::known(str_arg(0).to_lowercase()),
        "toupper" => V::known(str_arg(0).to_uppercase()),
        "trim" => V::known(str_arg(0).trim()),
        "equals" => V::known(values.first() == values.get(1)),
        "not" => {
            values.first().and_then(truthy).map(|b| V::known(!b)).unwrap_or(V::Unknown("not() of a non-boolean".into()))
        }
        "empty" => V::known(match values.first() {
            Some(Value::Null) | None => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            Some(_) => false,
        }),
        "length" => V::known(match values.first() {
            Some(Value::String(s)) => s.chars().count(),
            Some(Value::Array(a)) => a.len(),
            Some(Value::Object(o)) => o.len(),
            _ => 0,
        }),
        "contains" => V::known(match (values.first(), values.get(1)) {
            (Some(Value::String(s)), Some(x)) => s.to_lowercase().contains(&text(x).to_lowercase()),
            (Some(Value::Array(a)), Some(x)) => a.contains(x),
            (Some(Value::Object(o)), Some(x)) => o.keys().any(|k| k.eq_ignore_ascii_case(&text(x))),
            _ => false,
        }),
        "startswith" => V::known(str_arg(0).to_lowercase().starts_with(&str_arg(1).to_lowercase())),
        "endswith" => V::known(str_arg(0).to_lowercase().ends_with(&str_arg(1).to_lowercase())),
        "indexof" => V::known(str_arg(0).to_lowercase().find(&str_arg(1).to_lowercase()).map_or(-1, |i| i as i64)),
        "replace" => V::known(str_arg(0).replace(&str_arg(1), &str_arg(2))),
        "split" => {
            let delims: Vec<String> = match values.get(1) {
                Some(Value::Array(a)) => a.iter().map(text).collect(),
                _ => vec![str_arg(1)],
            };
            let mut parts = vec![str_arg(0)];
            for d in delims.iter().filter(|d| !d.is_empty()) {
                parts =
                    parts.iter().flat_map(|p| p.split(d.as_str()).map(str::to_string).collect::<Vec<_>>()).collect();
            }
            V::known(parts)
        }
        "substring" => {
            let s: Vec<char> = str_arg(0).chars().collect();
            let start = values.get(1).and_then(int).unwrap_or(0).clamp(0, s.len() as i64) as usize;
            let len = values.get(2).and_then(int).map_or(s.len() - start, |l| l.max(0) as usize).min(s.len() - start);
            V::known(s[start..start + len].iter().collect::<String>())
        }
        "first" | "last" => {
            let pick = |n: usize| if name == "first" { 0 } else { n.saturating_sub(1) };
            match values.first() {
                Some(Value::Array(a)) => V::Known(a.get(pick(a.len())).cloned().unwrap_or(Value::Null)),
                Some(Value::String(s)) => {
                    let c: Vec<char> = s.chars().collect();
                    V::known(c.get(pick(c.len())).map(|c| c.to_string()).unwrap_or_default())
                }
                _ => V::Known(Value::Null),
            }
        }
        "take" | "skip" => {
            let n = values.get(1).and_then(int).unwrap_or(0).max(0) as usize;
            match values.first() {
                Some(Value::Array(a)) => {
                    let v: Vec<Value> = if name == "take" {
                        a.iter().take(n).cloned().collect()
                    } else {
                        a.iter().skip(n).cloned().collect()
                    };
                    V::known(v)
                }
                Some(Value::String(s)) => V::known(if name == "take" {
                    s.chars().take(n).collect::<String>()
                } else {
                    s.chars().skip(n).collect::<String>()
                }),
                _ => V::Known(Value::Null),
            }
        }
        "createarray" | "array" => match (name, values.as_slice()) {
            ("array", [Value::Array(a)]) => V::known(a.clone()),
            _ => V::known(values),
        },
        "createobject" => {
            let mut m = Map::new();
            for pair in values.chunks(2) {
                if let [k, v] = pair {
                    m.insert(text(k), v.clone());
                }
            }
            V::Known(Value::Object(m))
        }
        "union" => match values.first() {
            Some(Value::Object(_)) => {
                let mut m = Map::new();
                for v in &values {
                    if let Value::Object(o) = v {
                        m.extend(o.clone());
                    }
                }
                V::Known(Value::Object(m))
            }
            _ => {
                let mut out: Vec<Value> = Vec::new();
                for v in values.iter().filter_map(Value::as_array).flatten() {
                    if !out.contains(v) {
                        out.push(v.clone());
                    }
                }
                V::known(out)
            }
        },
        "join" => V::known(
            values
                .first()
                .and_then(Value::as_array)
                .map(|a| a.iter().map(text).collect::<Vec<_>>().join(&str_arg(1)))
                .unwrap_or_default(),
        ),
        "range" => {
            let (start, count) = (values.first().and_then(int).unwrap_or(0), values.get(1).and_then(int).unwrap_or(0));
            if !(0..=MAX_ITEMS).contains(&count) {
                return V::Unknown(format!("range() of {count} items (ARM allows at most {MAX_ITEMS})"));
            }
            V::known((0..count).map(|i| start.saturating_add(i)).collect::<Vec<i64>>())
        }
        "add" | "sub" | "mul" | "div" | "mod" | "min" | "max" => {
            let nums: Vec<i64> = values
                .iter()
                .flat_map(|v| match v {
                    Value::Array(a) => a.iter().filter_map(int).collect(),
                    other => int(other).into_iter().collect::<Vec<_>>(),
                })
                .collect();
            let (a, b) = (nums.first().copied().unwrap_or(0), nums.get(1).copied().unwrap_or(0));
            let result = match name {
                "add" => a.checked_add(b),
                "sub" => a.checked_sub(b),
                "mul" => a.checked_mul(b),
                "div" => a.checked_div(b),
                "mod" => a.checked_rem(b),
                "min" => nums.iter().min().copied(),
                _ => nums.iter().max().copied(),
            };
            result.map(V::known).unwrap_or_else(|| V::Unknown(format!("{name}() overflows or divides by zero")))
        }
        "greater" | "less" | "greaterorequals" | "lessorequals" => {
            let (a, b) = (values.first().and_then(int), values.get(1).and_then(int));
            match (a, b) {
                (Some(a), Some(b)) => V::known(match name {
                    "greater" => a > b,
                    "less" => a < b,
                    "greaterorequals" => a >= b,
                    _ => a <= b,
                }),
                _ => V::Unknown(format!("{name}() of values that are not numbers")),
            }
        }
        // Deterministic names: any stable value serves, since they only name and join resources.
        "uniquestring" => V::known(hash_text(&values, 13)),
        "guid" => {
            let h = hash_text(&values, 32);
            V::known(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
        }
        "uri" => V::known(format!("{}/{}", str_arg(0).trim_end_matches('/'), str_arg(1).trim_start_matches('/'))),
        // `tryGet(object, key, …)` / `tryGet(array, index)`: null where the path does not exist.
        "tryget" => {
            let mut cur = values.first().cloned().unwrap_or(Value::Null);
            for k in &values[1.min(values.len())..] {
                cur = match (&cur, k) {
                    (Value::Object(o), k) => {
                        let k = text(k);
                        o.iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(&k))
                            .map(|(_, v)| v.clone())
                            .unwrap_or(Value::Null)
                    }
                    (Value::Array(a), Value::Number(n)) => {
                        n.as_u64().and_then(|i| a.get(i as usize)).cloned().unwrap_or(Value::Null)
                    }
                    _ => Value::Null,
                };
            }
            V::Known(cur)
        }
        "objectkeys" => V::known(
            values
                .first()
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
        "flatten" => V::known(
            values
                .first()
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter().flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()])).collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        ),
        "lastindexof" => V::known(str_arg(0).to_lowercase().rfind(&str_arg(1).to_lowercase()).map_or(-1, |i| i as i64)),
        "items" => match values.first() {
            Some(Value::Object(o)) => {
                V::known(o.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>())
            }
            _ => V::known(Vec::<Value>::new()),
        },
        "utcnow" | "newguid" => V::Unknown(format!("{name}() is decided at deployment")),
        other if other.starts_with("list") => V::Unknown(format!("{other}() reads a deployed resource")),
        other => V::Unknown(format!("the template function {other}() is not evaluated before deployment")),
    }
}

/// `format('{0}-{1:D}', a, b)`: .NET composite formatting, placeholders with optional format strings.
fn format_fn(values: &[Value]) -> V {
    let Some(pattern) = values.first().map(text) else { return V::known("") };
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let spec: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let index = spec.split([':', ',']).next().and_then(|i| i.trim().parse::<usize>().ok());
                match index.and_then(|i| values.get(i + 1)) {
                    Some(v) => out.push_str(&text(v)),
                    None => return V::Unknown(format!("format() placeholder {{{spec}}} has no argument")),
                }
            }
            c => out.push(c),
        }
    }
    V::known(out)
}

enum Level {
    ResourceGroup,
    Subscription,
    Tenant,
}

/// `resourceId([subscriptionId], [resourceGroupName], type, name1, name2…)`: the leading arguments are
/// told apart by how many names the type needs.
fn resource_id(values: &[Value], scope: &mut dyn Scope, level: Level) -> V {
    let strings: Vec<String> = values.iter().map(text).collect();
    let Some(type_at) = strings.iter().position(|s| s.contains('/') && !s.starts_with('/')) else {
        return V::Unknown("resourceId() without a resource type".into());
    };
    let kind = &strings[type_at];
    let names = &strings[type_at + 1..];
    let segments: Vec<&str> = kind.split('/').collect();
    if segments.len() < 2 || names.len() != segments.len() - 1 {
        return V::Unknown(format!("resourceId() with {} name(s) for type {kind}", names.len()));
    }
    let mut path = format!("providers/{}/{}/{}", segments[0], segments[1], names[0]);
    for (t, n) in segments[2..].iter().zip(&names[1..]) {
        let _ = write!(path, "/{t}/{n}");
    }
    let leading = &strings[..type_at];
    let id = match level {
        Level::Tenant => format!("/{path}"),
        Level::Subscription => {
            let sub = leading.first().cloned().unwrap_or_else(|| scope.subscription_id());
            format!("/subscriptions/{sub}/{path}")
        }
        Level::ResourceGroup => {
            let (sub, rg) = match leading {
                [sub, rg, ..] => (sub.clone(), rg.clone()),
                [rg] => (scope.subscription_id(), rg.clone()),
                [] => (scope.subscription_id(), scope.resource_group()),
            };
            format!("/subscriptions/{sub}/resourceGroups/{rg}/{path}")
        }
    };
    V::known(id)
}

/// A stable lower-case base-32 text of `len` characters from the arguments (FNV-1a, extended).
fn hash_text(values: &[Value], len: usize) -> String {
    let input: String = values.iter().map(text).collect::<Vec<_>>().join("-");
    let mut out = String::new();
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    while out.len() < len {
        let mut h = seed;
        for b in input.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut x = h;
        for _ in 0..12 {
            out.push(b"abcdefghijklmnopqrstuvwxyz234567"[(x % 32) as usize] as char);
            x /= 32;
        }
        seed = h;
    }
    out.truncate(len);
    if len == 32 { out.chars().map(|c| if c.is_ascii_hexdigit() { c } else { hex_of(c) }).collect() } else { out }
}

fn hex_of(c: char) -> char {
    b"0123456789abcdef"[(c as usize) % 16] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Test;
    impl Scope for Test {
        fn parameter(&mut self, name: &str) -> V {
            match name {
                "prefix" => V::known("contoso"),
                "count" => V::known(3),
                "flag" => V::known(true),
                _ => V::Unknown(format!("parameter {name} has no value")),
            }
        }
        fn variable(&mut self, name: &str) -> V {
            V::known(json!({"name": name, "list": [1, 2]}))
        }
        fn copy_index(&mut self, _: Option<&str>) -> V {
            V::known(2)
        }
        fn reference(&mut self, target: &str, _: bool) -> V {
            V::Unknown(format!("reference to {target}"))
        }
        fn context(&mut self, name: &str) -> V {
            V::known(json!({"id": format!("/{name}"), "location": "japaneast"}))
        }
        fn subscription_id(&mut self) -> String {
            "sub".into()
        }
        fn resource_group(&mut self) -> String {
            "rg".into()
        }
    }

    fn run(s: &str) -> V {
        if is_expression(s) { eval(&parse(&s[1..s.len() - 1]).expect("parses"), &mut Test) } else { literal(s) }
    }

    #[test]
    fn functions_evaluate() {
        assert_eq!(run("[concat(parameters('prefix'), 'acr', string(copyIndex(1)))]"), V::known("contosoacr3"));
        assert_eq!(run("[format('{0}-{1}', parameters('prefix'), 'kv')]"), V::known("contoso-kv"));
        assert_eq!(run("[toLower('ABC')]"), V::known("abc"));
        assert_eq!(run("[variables('v').list[1]]"), V::known(2));
        assert_eq!(run("[resourceGroup().location]"), V::known("japaneast"));
        assert_eq!(run("[if(parameters('flag'), 'Enabled', 'Disabled')]"), V::known("Enabled"));
        assert_eq!(run("[not(equals(parameters('count'), 3))]"), V::known(false));
        assert_eq!(run("[[literal]"), V::known("[literal]"));
        assert_eq!(run("plain"), V::known("plain"));
        assert_eq!(run("[createObject('a', 1).a]"), V::known(1));
        assert_eq!(run("[length(union(createArray(1, 2), createArray(2, 3)))]"), V::known(3));
        assert_eq!(run("[uniqueString('x')]"), run("[uniqueString('x')]"));
    }

    #[test]
    fn resource_ids_are_built_like_arm() {
        assert_eq!(
            run("[resourceId('Microsoft.KeyVault/vaults/keys', 'kv', 'k')]"),
            V::known("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/keys/k")
        );
        assert_eq!(
            run("[resourceId('other', 'Microsoft.KeyVault/vaults', 'kv')]"),
            V::known("/subscriptions/sub/resourceGroups/other/providers/Microsoft.KeyVault/vaults/kv")
        );
        assert_eq!(
            run("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')]"),
            V::known("/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/abc")
        );
    }

    #[test]
    fn what_only_the_deployment_knows_stays_unknown() {
        assert!(matches!(run("[parameters('missing')]"), V::Unknown(_)));
        assert!(matches!(run("[concat('a', parameters('missing'))]"), V::Unknown(_)));
        assert!(matches!(run("[reference('id').principalId]"), V::Unknown(_)));
        assert!(matches!(run("[utcNow()]"), V::Unknown(_)));
        // A known branch does not need the unknown one.
        assert_eq!(run("[if(true(), 'a', parameters('missing'))]"), V::known("a"));
        assert_eq!(run("[or(true(), parameters('missing'))]"), V::known(true));
    }

    #[test]
    fn lambdas_as_bicep_compiles_them() {
        // AVM: `reduce(map(ids, id => {'${id}': {}}), {}, (cur, next) => union(cur, next))`.
        let identities = "[reduce(map(createArray('/a', '/b'), lambda('id', createObject(lambdaVariables('id'), createObject()))), createObject(), lambda('cur', 'next', union(lambdaVariables('cur'), lambdaVariables('next'))))]";
        assert_eq!(run(identities), V::known(json!({"/a": {}, "/b": {}})));
        assert_eq!(
            run("[filter(createArray(1, 2, 3), lambda('x', greater(lambdaVariables('x'), 1)))]"),
            V::known(json!([2, 3]))
        );
        assert_eq!(run("[tryGet(createObject('a', createObject('b', 1)), 'a', 'b')]"), V::known(1));
        assert_eq!(run("[tryGet(createObject('a', 1), 'missing')]"), V::Known(Value::Null));
        assert!(matches!(run("[lambdaVariables('x')]"), V::Unknown(_)));
    }

    #[test]
    fn constructors_keep_what_is_known() {
        let v = run("[createObject('status', 'enabled', 'identity', parameters('missing'))]");
        let V::Known(v) = v else { panic!("{v:?}") };
        assert_eq!(v["status"], "enabled");
        assert!(v["identity"][crate::estate::UNRESOLVED_KEY].as_str().unwrap().contains("missing"));
        // Reading the unknown member, or computing with it, is unknown.
        assert!(matches!(run("[createObject('a', parameters('missing')).a.b]"), V::Unknown(_)));
        assert!(matches!(run("[empty(createObject('a', parameters('missing')).a)]"), V::Unknown(_)));
    }

    #[test]
    fn hostile_input_is_refused_not_obeyed() {
        assert!(parse(&format!("{}1{}", "string(".repeat(500), ")".repeat(500))).unwrap_err().contains("deep"));
        assert!(matches!(run("[range(0, 100000000)]"), V::Unknown(_)));
        assert!(matches!(run("[mul(9223372036854775807, 2)]"), V::Unknown(_)));
        assert!(matches!(run("[div(1, 0)]"), V::Unknown(_)));
    }

    #[test]
    fn malformed_expressions_do_not_parse() {
        assert!(parse("concat('a'").unwrap_err().contains("expected"));
        assert!(parse("concat('a') extra").is_err());
        assert!(parse("'unterminated").is_err());
    }
}
