//! `--format table`: what a person at a terminal reads. Failures and unknowns, most severe first,
//! then a footer with the counts and the gate's verdict.

use crate::engine::Status;
use crate::i18n::{Lang, Ui};
use crate::report::{Finding, Report};
use crate::severity::Severity;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::fmt::Write;

pub struct Style {
    pub color: bool,
    /// Printing to a terminal: the table fits its width. Elsewhere (CI logs, files) it is 160 wide.
    pub terminal: bool,
}

pub fn render(report: &Report, style: &Style) -> String {
    let lang = report.lang;
    let mut out = String::new();
    let shown: Vec<&Finding> =
        report.findings.iter().filter(|f| matches!(f.status, Status::Fail | Status::Unknown)).collect();
    if shown.is_empty() {
        writeln!(out, "{}", lang.t(Ui::NoFindings)).ok();
    } else {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
        if !style.terminal {
            table.force_no_tty().set_width(160);
        }
        table.set_header(
            [Ui::Severity, Ui::Rule, Ui::Status, Ui::Resource, Ui::Message]
                .map(|h| Cell::new(lang.t(h)).add_attribute(Attribute::Bold)),
        );
        for f in shown {
            table.add_row(vec![
                paint(Cell::new(f.severity.as_str()), severity_color(f.severity), style.color),
                Cell::new(&f.rule),
                paint(Cell::new(status_text(f, lang)), status_color(f), style.color),
                Cell::new(resource_text(f)),
                Cell::new(&f.message),
            ]);
        }
        writeln!(out, "{table}").ok();
    }
    out.push_str(&footer(report));
    out
}

fn paint(cell: Cell, color: Color, on: bool) -> Cell {
    if on { cell.fg(color) } else { cell }
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

fn status_color(f: &Finding) -> Color {
    match (f.status, f.suppressed.is_some()) {
        (_, true) => Color::Grey,
        (Status::Fail, _) => Color::Red,
        _ => Color::Yellow,
    }
}

fn status_text(f: &Finding, lang: Lang) -> String {
    let s = match f.status {
        Status::Fail => lang.t(Ui::Fail),
        Status::Unknown => lang.t(Ui::Unknown),
        Status::Pass => lang.t(Ui::Pass),
        Status::NotApplicable => lang.t(Ui::NotApplicable),
    };
    match f.suppressed {
        Some(_) => format!("{s} ({})", lang.t(Ui::Suppressed)),
        None => s.to_string(),
    }
}

/// The resource's name, and where it was declared when it came from a file.
fn resource_text(f: &Finding) -> String {
    match &f.resource.location {
        Some(loc) => match f.line {
            Some(line) => format!("{}\n{}:{line}", f.resource.name, loc.file),
            None => format!("{}\n{}", f.resource.name, loc.file),
        },
        None => f.resource.name.clone(),
    }
}

fn footer(report: &Report) -> String {
    let lang = report.lang;
    let mut out = String::new();
    let inputs = &report.inputs;
    writeln!(
        out,
        "{}: {} {}, {} {}",
        lang.t(Ui::Scanned),
        inputs.registries,
        lang.t(Ui::Registries),
        inputs.vaults_audited,
        lang.t(Ui::Vaults)
    )
    .ok();
    let s = &report.summary;
    let count = |k: &str| s.by_status.get(k).copied().unwrap_or(0);
    writeln!(
        out,
        "{}: {} {}, {} {}, {} {}, {} {} ({} {})",
        lang.t(Ui::Results),
        count("fail"),
        lang.t(Ui::Fail),
        count("unknown"),
        lang.t(Ui::Unknown),
        count("pass"),
        lang.t(Ui::Pass),
        count("n/a"),
        lang.t(Ui::NotApplicable),
        s.suppressed,
        lang.t(Ui::Suppressed),
    )
    .ok();
    let sev: Vec<String> = Severity::ALL
        .iter()
        .map(|sv| format!("{} {}", sv, s.failures_by_severity.get(sv.as_str()).copied().unwrap_or(0)))
        .collect();
    writeln!(out, "{}: {}", lang.t(Ui::Failures), sev.join(", ")).ok();
    for gap in &inputs.gaps {
        writeln!(out, "{}: {} ({})", lang.t(Ui::NotSeen), gap.scope, gap.reason).ok();
    }
    let verdict = if report.gate.tripped { lang.t(Ui::GateTripped) } else { lang.t(Ui::GatePassed) };
    writeln!(
        out,
        "{} (--fail-on {}{}): {verdict}",
        lang.t(Ui::Gate),
        report.gate.fail_on,
        if report.gate.fail_on_unknown { ", --fail-on-unknown" } else { "" }
    )
    .ok();
    out
}
