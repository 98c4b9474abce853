//! What every source hands to the normaliser: raw ARM resources exactly as they were read, where each
//! came from, and what the source established could not be read or does not exist.
//!
//! acr-audit's own snapshot format (`collect -o FILE`) is this structure serialised, so scanning a
//! snapshot replays exactly what the live scan saw.

use crate::inventory::{Gap, Origin};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The marker a template source puts in place of a value it could not resolve statically. The
/// normaliser turns a field holding it into an unknown, never into a value.
pub const UNRESOLVED_KEY: &str = "$unresolved";

#[derive(Debug, Default)]
pub struct RawEstate {
    pub resources: Vec<RawResource>,
    /// Resources a source looked up and ARM answered 404 for (lower-case ARM ID or key URI).
    pub not_found: Vec<String>,
    pub gaps: Vec<Gap>,
    pub coverage: Coverage,
}

#[derive(Debug)]
pub struct RawResource {
    pub value: Value,
    pub origin: Option<Origin>,
}

/// Lists a source read in full, so that "none found" means "there are none" rather than "not looked".
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Coverage {
    /// Resources whose diagnostic settings were listed.
    pub diagnostic_settings: Vec<String>,
    /// Vaults whose role assignments (at and above the vault) were listed.
    pub role_assignments: Vec<String>,
    /// Private endpoints whose private DNS zone groups were listed.
    pub dns_zone_groups: Vec<String>,
}

impl RawEstate {
    pub fn merge(&mut self, other: RawEstate) {
        self.resources.extend(other.resources);
        self.not_found.extend(other.not_found);
        self.gaps.extend(other.gaps);
        self.coverage.diagnostic_settings.extend(other.coverage.diagnostic_settings);
        self.coverage.role_assignments.extend(other.coverage.role_assignments);
        self.coverage.dns_zone_groups.extend(other.coverage.dns_zone_groups);
    }
}
