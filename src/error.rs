//! Errors that stop a run with exit code 2. Each says what went wrong and where, and ends with a
//! `help:` line that says what to do. "The tool failed" lives here; "the policy failed" is a finding.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command line, config file or input file.
    #[error("{what}")]
    Input { what: String, help: String },
    /// A rule that does not load or does not evaluate.
    #[error("{path}:{line}: {what}")]
    Rule { path: String, line: usize, what: String },
}

impl Error {
    pub fn usage(what: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Input { what: what.into(), help: help.into() }
    }

    pub fn rule(path: &str, line: usize, what: String) -> Self {
        Error::Rule { path: path.to_string(), line, what }
    }

    pub fn help(&self) -> &str {
        match self {
            Error::Input { help, .. } => help,
            Error::Rule { .. } => "fix the rule file (its contract is in rules/README.md), or leave it out of --rules",
        }
    }
}

/// How an error is printed on stderr: `error: …` then `help: …`.
pub struct Report<'a>(pub &'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\nhelp: {}", self.0, self.0.help())
    }
}
