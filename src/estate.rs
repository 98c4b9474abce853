//! What every source hands to the normaliser: raw ARM resources exactly as they were read, where each
//! came from, and what the source established could not be read or does not exist.
//!
//! acr-audit's own snapshot format (`collect -o FILE`) is this structure serialised, so scanning a
//! snapshot replays exactly what the live scan saw.

use crate::inventory::{Gap, Origin};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

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
    pub body: Body,
    pub origin: Option<Origin>,
}

/// A resource's JSON: parsed already (sources that build it), or still text (snapshot files, so that a
/// large file is never held as one parsed tree: each resource is parsed when the normaliser reads it).
#[derive(Debug)]
pub enum Body {
    Parsed(Value),
    Raw(Box<serde_json::value::RawValue>),
}

/// Written out as the JSON it holds (the snapshot `collect` writes).
impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Parsed(v) => v.serialize(s),
            Body::Raw(raw) => raw.serialize(s),
        }
    }
}

impl RawResource {
    /// The resource as JSON. Raw text was validated when it was read, so parsing it cannot fail.
    pub fn value(&self) -> Cow<'_, Value> {
        match &self.body {
            Body::Parsed(v) => Cow::Borrowed(v),
            Body::Raw(raw) => Cow::Owned(serde_json::from_str(raw.get()).unwrap_or(Value::Null)),
        }
    }

    /// The resource's `type`, `id` and the markers of the CLI's data-plane shapes, without parsing
    /// (or copying) the rest of it.
    pub fn peek(&self) -> Peek {
        match &self.body {
            Body::Parsed(v) => Peek::of_value(v),
            Body::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or_default(),
        }
    }
}

/// The few top-level fields that say what a resource is. Field names match case-insensitively.
#[derive(Debug, Default)]
pub struct Peek {
    pub kind: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    /// `key.kid` of a data-plane key (`az keyvault key show`).
    pub kid: Option<String>,
    /// A data-plane rotation policy (`az keyvault key rotation-policy show`) has `lifetimeActions`.
    pub lifetime_actions: bool,
    /// Whether it carries a `properties` object (a generic resource listing does not).
    pub has_properties: bool,
}

impl Peek {
    fn of_value(v: &Value) -> Peek {
        let top =
            |k: &str| v.as_object().and_then(|o| o.iter().find(|(n, _)| n.eq_ignore_ascii_case(k))).map(|(_, v)| v);
        let text = |k: &str| top(k).and_then(Value::as_str).map(str::to_string);
        Peek {
            kind: text("type"),
            id: text("id"),
            name: text("name"),
            kid: top("key").and_then(|k| k.get("kid")).and_then(Value::as_str).map(str::to_string),
            lifetime_actions: top("lifetimeActions").is_some(),
            has_properties: top("properties").is_some_and(Value::is_object),
        }
    }
}

impl<'de> Deserialize<'de> for Peek {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Peek;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a resource object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Peek, A::Error> {
                let mut peek = Peek::default();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let text = |v: Value| v.as_str().map(str::to_string);
                    if key.eq_ignore_ascii_case("type") {
                        peek.kind = text(map.next_value()?);
                    } else if key.eq_ignore_ascii_case("id") {
                        peek.id = text(map.next_value()?);
                    } else if key.eq_ignore_ascii_case("name") {
                        peek.name = text(map.next_value()?);
                    } else if key.eq_ignore_ascii_case("key") {
                        let v: Value = map.next_value()?;
                        peek.kid = v.get("kid").and_then(Value::as_str).map(str::to_string);
                    } else if key.eq_ignore_ascii_case("properties") {
                        peek.has_properties = map.next_value::<Option<serde::de::IgnoredAny>>()?.is_some();
                    } else {
                        peek.lifetime_actions |= key.eq_ignore_ascii_case("lifetimeActions");
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(peek)
            }
        }
        d.deserialize_map(Visit)
    }
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
