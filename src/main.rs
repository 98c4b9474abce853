//! acr-audit: parse the command line, run it, map the outcome to an exit code
//! (0 = gate passed, 1 = gate tripped, 2 = error).

use acr_audit::{cli, commands, error};
use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // regorus reports every undefined lookup as an `anyhow` error. With RUST_BACKTRACE set (as it
    // often is in CI), each would capture a backtrace, which makes evaluating the rules several times
    // slower; library backtraces are turned off unless the user asked for them explicitly.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: the first statement of main, before any thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
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
