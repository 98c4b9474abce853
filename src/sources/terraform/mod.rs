//! Terraform plans (`terraform show -json plan.out`) → ARM-shaped resources.

use crate::error::Error;
use crate::estate::RawEstate;
use std::path::Path;

pub fn load_file(path: &Path) -> Result<RawEstate, Error> {
    Err(Error::usage(format!("{}: Terraform plans are not read yet", path.display()), "scan the deployed estate instead"))
}
