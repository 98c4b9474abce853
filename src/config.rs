//! `acr-audit.toml`: rule selection, per-rule severity and parameters, and suppressions. Parsed into a
//! validated [`Config`]; every error names the file and line. Reference: README, "Configuration".

use crate::error::Error;
use crate::rules::RuleSet;
use crate::severity::Severity;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const DEFAULT_FILE: &str = "acr-audit.toml";

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    fail_on: Option<Severity>,
    fail_on_unknown: Option<bool>,
    all_vaults: Option<bool>,
    lang: Option<crate::i18n::Lang>,
    #[serde(default)]
    rules: Vec<PathBuf>,
    #[serde(default)]
    rule: BTreeMap<Spanned<String>, RawRuleConfig>,
    #[serde(default)]
    suppress: Vec<RawSuppression>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleConfig {
    severity: Option<Severity>,
    #[serde(default)]
    parameters: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    rule: Spanned<String>,
    resource: Spanned<String>,
    reason: Spanned<String>,
    expires: Option<Spanned<String>>,
}

/// The validated configuration.
#[derive(Debug, Default)]
pub struct Config {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub fail_on_unknown: Option<bool>,
    pub all_vaults: Option<bool>,
    pub lang: Option<crate::i18n::Lang>,
    /// Folders of custom rules, relative to the config file.
    pub rules: Vec<PathBuf>,
    pub severity: BTreeMap<String, Severity>,
    pub parameters: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub suppressions: Vec<Suppression>,
    /// Where `[rule.CODE]` tables and suppressions stand in the file, for errors found later.
    spans: BTreeMap<String, std::ops::Range<usize>>,
    text_path: String,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    /// A rule code or code prefix.
    pub rule: String,
    /// A glob over resource IDs, matched case-insensitively.
    pub resource: String,
    pub matcher: globset::GlobMatcher,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    /// Where it was written, for warnings: `acr-audit.toml:12`.
    pub at: String,
}

/// Reads `--config FILE`, else `acr-audit.toml` in the working directory if there is one.
pub fn find_and_read(explicit: Option<&Path>) -> Result<(Config, String), Error> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok((Config::default(), String::new())),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::usage(format!("cannot read config {}: {e}", path.display()), "check the path given to --config")
    })?;
    Ok((parse_syntax(&text, &path)?, text))
}

/// Parses the TOML and checks what needs no rules (dates, globs, shapes).
pub fn parse_syntax(text: &str, path: &Path) -> Result<Config, Error> {
    let shown = path.display().to_string();
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        Error::usage(
            format!("{shown}:{line}: {}", e.message()),
            "fix that line; the keys acr-audit.toml accepts are listed in the README under \"Configuration\"",
        )
    })?;
    let at = |span: std::ops::Range<usize>| format!("{shown}:{}", line_of(text, span.start));
    let bad =
        |span: std::ops::Range<usize>, what: String, help: &str| Error::usage(format!("{}: {what}", at(span)), help);
    let base = path.parent().unwrap_or(Path::new("."));

    let mut cfg = Config {
        select: raw.select.iter().map(|s| s.get_ref().clone()).collect(),
        ignore: raw.ignore.iter().map(|s| s.get_ref().clone()).collect(),
        fail_on: raw.fail_on,
        fail_on_unknown: raw.fail_on_unknown,
        all_vaults: raw.all_vaults,
        lang: raw.lang,
        rules: raw.rules.iter().map(|p| base.join(p)).collect(),
        ..Default::default()
    };
    for (code, rc) in raw.rule {
        let code_span = code.span();
        let code = code.into_inner();
        if let Some(sev) = rc.severity {
            cfg.severity.insert(code.clone(), sev);
        }
        let params = cfg.parameters.entry(code.clone()).or_default();
        for (name, value) in rc.parameters {
            let json = serde_json::to_value(value.get_ref()).map_err(|e| {
                bad(
                    value.span(),
                    format!("parameter {} cannot be used: {e}", name.get_ref()),
                    "use a number, string or boolean",
                )
            })?;
            params.insert(name.into_inner(), json);
        }
        cfg.spans.insert(code, code_span);
    }
    for s in raw.suppress {
        let reason = s.reason.get_ref().trim().to_string();
        if reason.is_empty() {
            return Err(bad(
                s.reason.span(),
                "a suppression needs a reason".into(),
                "say why the finding is accepted, for the audit trail",
            ));
        }
        let expires = match &s.expires {
            Some(d) => Some(NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d").map_err(|_| {
                bad(d.span(), format!("expires {:?} is not a date", d.get_ref()), "write the date as YYYY-MM-DD")
            })?),
            None => None,
        };
        let matcher = globset::GlobBuilder::new(s.resource.get_ref())
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                bad(
                    s.resource.span(),
                    format!("resource glob is invalid: {e}"),
                    "use * and ? wildcards over ARM resource IDs",
                )
            })?
            .compile_matcher();
        cfg.suppressions.push(Suppression {
            rule: s.rule.get_ref().clone(),
            resource: s.resource.get_ref().clone(),
            matcher,
            reason,
            expires,
            at: at(s.rule.span()),
        });
        cfg.spans.insert(format!("suppress:{}", cfg.suppressions.len() - 1), s.rule.span());
    }
    cfg.text_path = shown;
    Ok(cfg)
}

impl Config {
    /// Checks what needs the rule set: rule codes and parameter names and types.
    pub fn validate(&self, rules: &RuleSet, text: &str) -> Result<(), Error> {
        let line = |key: &str| self.spans.get(key).map(|s| line_of(text, s.start)).unwrap_or(1);
        let help = "`acr-audit rules` lists every rule code and its parameters";
        let known = |code_or_prefix: &str| rules.rules.iter().any(|r| r.code().starts_with(code_or_prefix));
        for code in self.select.iter().chain(&self.ignore) {
            if !known(code) {
                return Err(Error::usage(
                    format!("{}: no rule code starts with {code:?} (select/ignore)", self.text_path),
                    help,
                ));
            }
        }
        for (code, params) in &self.parameters {
            let Some(rule) = rules.rules.iter().find(|r| r.code() == code) else {
                return Err(Error::usage(
                    format!("{}:{}: [rule.{code}]: there is no rule {code}", self.text_path, line(code)),
                    help,
                ));
            };
            for (name, value) in params {
                let Some(default) = rule.meta.custom.parameters.get(name) else {
                    return Err(Error::usage(
                        format!("{}:{}: rule {code} has no parameter {name:?}", self.text_path, line(code)),
                        help,
                    ));
                };
                if std::mem::discriminant(default) != std::mem::discriminant(value)
                    || (default.is_number() && !value.is_number())
                {
                    return Err(Error::usage(
                        format!(
                            "{}:{}: parameter {name} of rule {code} must be like its default {default}, found {value}",
                            self.text_path,
                            line(code)
                        ),
                        help,
                    ));
                }
            }
        }
        for (i, s) in self.suppressions.iter().enumerate() {
            if !known(&s.rule) {
                let l = line(&format!("suppress:{i}"));
                return Err(Error::usage(
                    format!("{}:{l}: suppression names rule {:?}, which does not exist", self.text_path, s.rule),
                    help,
                ));
            }
        }
        Ok(())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}
