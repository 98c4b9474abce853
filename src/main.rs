//! acr-audit: parse the command line, run it, map the outcome to an exit code
//! (0 = gate passed, 1 = gate tripped, 2 = error).

use acr_audit::{cli, commands, error};
use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", error::Report(&e));
            2
        }
    };
    std::process::exit(code);
}
