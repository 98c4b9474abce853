//! `acr-audit rules`: every rule with its code, name, severity and what it reads.

use super::{emit, resolve_lang};
use crate::cli::RulesArgs;
use crate::error::Error;
use crate::i18n::Ui;
use crate::output::Format;
use crate::rules;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

pub fn run(args: RulesArgs) -> Result<i32, Error> {
    let set = rules::load(&args.rules)?;
    let lang = resolve_lang(args.lang, None);
    let text = match args.format {
        Format::Json => {
            let list: Vec<serde_json::Value> = set
                .rules
                .iter()
                .map(|r| {
                    let c = &r.meta.custom;
                    serde_json::json!({
                        "code": c.code, "name": c.name, "severity": c.severity, "resource": c.resource,
                        "title": r.meta.title(lang), "inputs": c.inputs, "parameters": c.parameters,
                        "live_only": c.live_only, "builtin": r.builtin, "xref": c.xref,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
        }
        Format::Table | Format::Sarif => {
            let mut table = Table::new();
            table
                .load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(160)
                .force_no_tty();
            table.set_header(vec![
                lang.t(Ui::Code),
                lang.t(Ui::Severity),
                lang.t(Ui::Name),
                lang.t(Ui::Title),
                lang.t(Ui::LiveOnly),
            ]);
            for r in &set.rules {
                let c = &r.meta.custom;
                let live = if c.live_only { lang.t(Ui::Yes) } else { lang.t(Ui::No) };
                table.add_row(vec![c.code.as_str(), c.severity.as_str(), c.name.as_str(), r.meta.title(lang), live]);
            }
            format!("{table}\n")
        }
    };
    emit(&text)?;
    Ok(0)
}
