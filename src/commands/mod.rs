//! One module per subcommand.

mod explain;
mod list_rules;
mod scan;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::i18n::Lang;

pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(args) => list_rules::run(args),
        Command::Explain(args) => explain::run(args),
    }
}

/// `--lang`, else the config's `lang`, else the locale.
fn resolve_lang(flag: Option<Lang>, config: Option<Lang>) -> Lang {
    flag.or(config).unwrap_or_else(|| Lang::from_locale(|k| std::env::var(k).ok()))
}

/// Writes a report to `-o FILE` or standard output.
fn emit(text: &str, output: Option<&std::path::Path>) -> Result<(), Error> {
    use std::io::Write;
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Error::usage(format!("cannot write {}: {e}", path.display()), "check that the folder exists and is writable")),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|_| out.flush()).or_else(|e| {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(Error::usage(format!("cannot write to standard output: {e}"), "check where the output goes")) }
            })
        }
    }
}
