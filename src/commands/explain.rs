//! `acr-audit explain CODE`: a rule's whole text, the same text SARIF carries as its help.

use super::{emit, resolve_lang};
use crate::cli::ExplainArgs;
use crate::error::Error;
use crate::i18n::Ui;
use crate::output::sarif;
use crate::rules;
use std::fmt::Write;

pub fn run(args: ExplainArgs) -> Result<i32, Error> {
    let set = rules::load(&args.rules)?;
    let lang = resolve_lang(args.lang, None);
    let wanted = args.rule.trim();
    let rule = set
        .rules
        .iter()
        .find(|r| r.code().eq_ignore_ascii_case(wanted) || r.meta.custom.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            Error::usage(format!("there is no rule {wanted:?}"), "`acr-audit rules` lists every rule code and name")
        })?;
    let c = &rule.meta.custom;
    let mut out = String::new();
    writeln!(out, "{} {} ({})", c.code, rule.meta.title(lang), c.name).ok();
    writeln!(out, "{}: {}", lang.t(Ui::Severity), c.severity).ok();
    writeln!(out, "{}: {}", lang.t(Ui::LiveOnly), if c.live_only { lang.t(Ui::Yes) } else { lang.t(Ui::No) }).ok();
    if !c.inputs.is_empty() {
        writeln!(out, "{}: {}", lang.t(Ui::UnknownWhen), c.inputs.join(", ")).ok();
    }
    if !c.parameters.is_empty() {
        let params: Vec<String> = c.parameters.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        writeln!(out, "{}: {}", lang.t(Ui::Parameters), params.join(", ")).ok();
    }
    writeln!(out).ok();
    out.push_str(&sarif::help(rule, lang).markdown);
    if !c.xref.is_empty() {
        writeln!(out, "\n## {}\n", lang.t(Ui::CrossReferences)).ok();
        for (k, ids) in &c.xref {
            writeln!(out, "- {k}: {}", ids.join(", ")).ok();
        }
    }
    emit(&out)?;
    Ok(0)
}
