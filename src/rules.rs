//! Loading rules: the built-in `rules/` folder (embedded in the binary) and a user's own folders, each
//! `.rego` file with its `# METADATA` block parsed and validated. See `rules/README.md`.

use crate::error::Error;
use crate::severity::Severity;
use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// A Rego source file: where it came from (for error messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// A loaded rule: validated metadata plus the Rego that computes its results.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: Metadata,
    pub source: Source,
    /// The Rego package (`acr_audit.rules.acr007`), read from the `package` line.
    pub package: String,
    pub builtin: bool,
}

impl Rule {
    pub fn code(&self) -> &str {
        &self.meta.custom.code
    }
}

/// The `# METADATA` block. Unknown fields are refused so that a typo cannot silently drop a field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub title: String,
    pub description: String,
    pub custom: Custom,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Custom {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub resource: ResourceKind,
    #[serde(default)]
    pub inputs: Vec<String>,
    /// The top-level fields of a registry the rule reads (with its lib helpers). When given, the rule
    /// sees only these, and registries that agree on them are evaluated once; when absent, it sees
    /// whole records.
    #[serde(default)]
    pub reads: Option<Vec<String>>,
    #[serde(default)]
    pub live_only: bool,
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    pub ja: Localized,
    pub messages: BTreeMap<String, Texts>,
    pub remediation: Remediation,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub xref: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Registry,
    Vault,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub en: String,
    pub ja: String,
}

/// Remediation: portal steps in each language, and the code that is the same in both.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub en: String,
    pub ja: String,
    pub cli: Option<String>,
    pub terraform: Option<String>,
    pub bicep: Option<String>,
}

impl Metadata {
    pub fn title(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.title, &self.custom.ja.title)
    }
    pub fn description(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.description, &self.custom.ja.description)
    }
}

/// Everything the engine needs: the shared library sources and the rules, in code order.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub libraries: Vec<Source>,
    pub rules: Vec<Rule>,
}

/// Loads the built-in rules and then every `.rego` file under each of `extra_dirs`.
pub fn load(extra_dirs: &[impl AsRef<Path>]) -> Result<RuleSet, Error> {
    let mut set = RuleSet { libraries: Vec::new(), rules: Vec::new() };
    let mut files: Vec<(Source, bool)> = Vec::new();
    collect_builtin(&BUILTIN, &mut files);
    for dir in extra_dirs {
        collect_dir(dir.as_ref(), &mut files)?;
    }
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for (source, builtin) in files {
        if !source.text.contains("# METADATA") {
            // A helper library: no METADATA, no results of its own.
            set.libraries.push(source);
            continue;
        }
        let rule = parse_rule(source, builtin)?;
        if !codes.insert(rule.code().to_string()) {
            let line = line_of_field(&rule.source.text, "code:");
            return Err(Error::rule(&rule.source.path, line, format!("rule code {} is already taken", rule.code())));
        }
        if !names.insert(rule.meta.custom.name.clone()) {
            let line = line_of_field(&rule.source.text, "name:");
            return Err(Error::rule(
                &rule.source.path,
                line,
                format!("rule name {} is already taken", rule.meta.custom.name),
            ));
        }
        set.rules.push(rule);
    }
    set.rules.sort_by(|a, b| a.code().cmp(b.code()));
    Ok(set)
}

/// The line of a METADATA field (`#   code: ACR007`), for errors about its value.
fn line_of_field(text: &str, field: &str) -> usize {
    text.lines().position(|l| l.trim_start_matches(['#', ' ']).starts_with(field)).map_or(1, |i| i + 1)
}

fn collect_builtin(dir: &Dir<'static>, out: &mut Vec<(Source, bool)>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "rego") {
            let text = file.contents_utf8().unwrap_or_default().to_string();
            out.push((Source { path: format!("rules/{}", file.path().display()), text }, true));
        }
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

fn collect_dir(dir: &Path, out: &mut Vec<(Source, bool)>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::usage(
            format!("cannot read rules folder {}: {e}", dir.display()),
            "pass an existing folder of .rego files to --rules",
        )
    })?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_dir(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rego") {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::usage(format!("cannot read rule {}: {e}", path.display()), "check the file's permissions")
            })?;
            out.push((Source { path: path.display().to_string(), text }, false));
        }
    }
    Ok(())
}

/// Splits off the `# METADATA` comment block, parses it as YAML and validates it.
pub fn parse_rule(source: Source, builtin: bool) -> Result<Rule, Error> {
    let lines: Vec<&str> = source.text.lines().collect();
    let start = lines.iter().position(|l| l.trim() == "# METADATA").unwrap_or(0);
    let mut yaml = String::new();
    for line in &lines[start + 1..] {
        let Some(rest) = line.trim_start().strip_prefix('#') else { break };
        yaml.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        yaml.push('\n');
    }
    let meta: Metadata = yaml_serde::from_str(&yaml).map_err(|e| {
        let line = e.location().map(|l| l.line() + start + 1).unwrap_or(start + 1);
        Error::rule(&source.path, line, format!("invalid METADATA: {e}"))
    })?;
    let package = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map(|p| p.trim().to_string())
        .ok_or_else(|| Error::rule(&source.path, 1, "no package line".into()))?;
    validate(&meta, &source.path, start + 1)?;
    Ok(Rule { meta, source, package, builtin })
}

fn validate(meta: &Metadata, path: &str, line: usize) -> Result<(), Error> {
    let c = &meta.custom;
    let bad = |msg: String| Err(Error::rule(path, line, msg));
    let code_ok = {
        let letters = c.code.chars().take_while(|ch| ch.is_ascii_uppercase()).count();
        let digits = &c.code[letters..];
        (2..=8).contains(&letters) && digits.len() == 3 && digits.chars().all(|d| d.is_ascii_digit())
    };
    if !code_ok {
        return bad(format!("code {:?} must be 2–8 capital letters then 3 digits (e.g. ORG001)", c.code));
    }
    let kebab = !c.name.is_empty()
        && c.name
            .split('-')
            .all(|w| !w.is_empty() && w.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()));
    if !kebab {
        return bad(format!("name {:?} must be kebab-case (lower-case words joined by '-')", c.name));
    }
    for (what, text) in [
        ("title", &meta.title),
        ("description", &meta.description),
        ("ja.title", &c.ja.title),
        ("ja.description", &c.ja.description),
        ("remediation.en", &c.remediation.en),
        ("remediation.ja", &c.remediation.ja),
    ] {
        if text.trim().is_empty() {
            return bad(format!("{what} is empty"));
        }
    }
    for (id, texts) in &c.messages {
        if texts.en.trim().is_empty() || texts.ja.trim().is_empty() {
            return bad(format!("message {id} needs both en and ja text"));
        }
    }
    Ok(())
}
