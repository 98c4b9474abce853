//! One module per subcommand.

mod collect;
mod explain;
mod list_rules;
mod live;
mod scan;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::i18n::Lang;
use std::io::Write;

pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Rules(args) => list_rules::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Collect(args) => collect::run(args),
    }
}

/// `--lang`, else the config's `lang`, else the locale.
fn resolve_lang(flag: Option<Lang>, config: Option<Lang>) -> Lang {
    flag.or(config).unwrap_or_else(|| Lang::from_locale(|k| std::env::var(k).ok()))
}

/// Writes a report to `-o FILE` or standard output, streaming (a large estate's JSON report is
/// hundreds of megabytes: it is never held in memory whole).
fn emit_with(
    output: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let result = match output {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            write(&mut w)?;
            w.flush()
        }),
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut w).and_then(|_| w.flush())
        }
    };
    match (result, output) {
        (Ok(()), _) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error.
        (Err(e), None) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        (Err(e), Some(path)) => Err(Error::usage(
            format!("cannot write {}: {e}", path.display()),
            "check that the folder exists and is writable",
        )),
        (Err(e), None) => {
            Err(Error::usage(format!("cannot write to standard output: {e}"), "check where the output goes"))
        }
    }
}

/// Prints a short text (a rule list, a rule's explanation) on standard output.
fn emit(text: &str) -> Result<(), Error> {
    emit_with(None, |w| w.write_all(text.as_bytes()))
}
