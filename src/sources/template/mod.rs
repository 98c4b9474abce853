//! ARM templates (and Bicep through its compiled JSON) → ARM-shaped resources.

use crate::error::Error;
use crate::estate::RawEstate;
use std::path::PathBuf;

/// What the templates hold, and the template files read (a folder expands to its templates).
pub struct Templates {
    pub estate: RawEstate,
    pub files: Vec<String>,
}

pub fn load(paths: &[PathBuf], parameters: &[PathBuf]) -> Result<Templates, Error> {
    let _ = parameters;
    Err(Error::usage(
        format!("{}: templates are not read yet", paths.first().map(|p| p.display().to_string()).unwrap_or_default()),
        "scan the deployed estate instead",
    ))
}
