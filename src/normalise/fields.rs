//! Reading properties out of raw ARM JSON the way ARM itself does: property names case-insensitively,
//! enum values case-insensitively, `null` as absent, and a template's unresolved marker as unknown.

use crate::estate::UNRESOLVED_KEY;
use crate::inventory::Unknowns;
use serde_json::Value;

/// A property as found in the raw JSON.
pub enum Field<'a> {
    Value(&'a Value),
    Absent,
    /// The source could not determine the value (a template expression); the reason says which.
    Unresolved(String),
}

/// Follows `path` from `v`, matching property names case-insensitively (ARM does).
pub fn field<'a>(v: &'a Value, path: &[&str]) -> Field<'a> {
    let mut cur = v;
    for seg in path {
        if let Some(reason) = unresolved(cur) {
            return Field::Unresolved(reason);
        }
        match get_ci(cur, seg) {
            Some(next) => cur = next,
            None => return Field::Absent,
        }
    }
    if let Some(reason) = unresolved(cur) {
        return Field::Unresolved(reason);
    }
    if cur.is_null() { Field::Absent } else { Field::Value(cur) }
}

/// The value of `key` in an object, matching the key case-insensitively.
pub fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

pub fn unresolved(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    let expr = obj.get(UNRESOLVED_KEY)?;
    Some(match expr.as_str() {
        Some(s) => format!("not known before deployment: {s}"),
        None => "not known before deployment".to_string(),
    })
}

/// A string property, if present and a string.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    match field(v, path) {
        Field::Value(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// ARM resources from the REST API nest their settings under `properties`; the Azure CLI prints many
/// of them flattened. Both shapes are read through this.
pub fn props(v: &Value) -> &Value {
    match get_ci(v, "properties") {
        Some(p) if p.is_object() => p,
        _ => v,
    }
}

/// Whether a resource's own settings are in the input: its `properties` object (REST shape), or, in the
/// Azure CLI's flattened shape, one of the `markers` at the top level. A generic resource listing
/// (`az resource list`, ARM's Resources_List) carries neither: its settings were not read, and
/// defaulting them would invent a verdict.
pub fn described(v: &Value, markers: &[&str]) -> bool {
    match get_ci(v, "properties") {
        Some(Value::Object(_)) => true,
        Some(Value::Null) | None => markers.iter().any(|m| get_ci(v, m).is_some_and(|x| !x.is_null())),
        Some(_) => false,
    }
}

/// Why a resource's settings count as unknown when [`described`] says they were not read.
pub const NOT_DESCRIBED: &str = "the resource's properties are not in the input (a generic resource list omits them: export it with `az … show` or `az … list` for its type)";

/// Reads typed properties of one resource, recording in `unknown` every field that could not be read.
pub struct Reader<'a, 'u> {
    pub props: &'a Value,
    pub unknown: &'u mut Unknowns,
}

impl Reader<'_, '_> {
    /// A boolean property with its service default. Strings `"true"`/`"false"` are accepted (the CLI and
    /// PowerShell print some booleans that way).
    pub fn boolean(&mut self, name: &str, path: &[&str], default: bool) -> bool {
        match field(self.props, path) {
            Field::Absent => default,
            Field::Unresolved(reason) => self.unknown(name, reason, default),
            Field::Value(Value::Bool(b)) => *b,
            Field::Value(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
            Field::Value(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
            Field::Value(other) => self.unknown(name, format!("{} is not a boolean: {other}", path.join(".")), default),
        }
    }

    /// An enum-like string property, returned in its canonical spelling when it matches one of
    /// `canonical` case-insensitively, as given otherwise.
    pub fn enum_str(&mut self, name: &str, path: &[&str], default: &str, canonical: &[&str]) -> String {
        match field(self.props, path) {
            Field::Absent => default.to_string(),
            Field::Unresolved(reason) => self.unknown(name, reason, default.to_string()),
            Field::Value(Value::String(s)) => {
                canonical.iter().find(|c| c.eq_ignore_ascii_case(s)).map(|c| c.to_string()).unwrap_or_else(|| s.clone())
            }
            Field::Value(other) => {
                self.unknown(name, format!("{} is not a string: {other}", path.join(".")), default.to_string())
            }
        }
    }

    /// The network settings registries and vaults share: public network access (absent ⇒ `Enabled`),
    /// the firewall's default action (absent ⇒ `Allow`) and the trusted-services bypass (absent ⇒
    /// `AzureServices`), each at its own path.
    pub fn network(&mut self, default_action: &[&str], bypass: &[&str]) -> (String, String, String) {
        (
            self.enum_str("public_network_access", &["publicNetworkAccess"], "Enabled", &["Enabled", "Disabled"]),
            self.enum_str("network_default_action", default_action, "Allow", &["Allow", "Deny"]),
            self.enum_str("network_bypass", bypass, "AzureServices", &["AzureServices", "None"]),
        )
    }

    /// An optional string, lower-cased for joins.
    pub fn lower_str(&mut self, name: &str, path: &[&str]) -> Option<String> {
        match field(self.props, path) {
            Field::Absent => None,
            Field::Unresolved(reason) => self.unknown(name, reason, None),
            Field::Value(Value::String(s)) if s.trim().is_empty() => None,
            Field::Value(Value::String(s)) => Some(s.trim().to_ascii_lowercase()),
            Field::Value(other) => self.unknown(name, format!("{} is not a string: {other}", path.join(".")), None),
        }
    }

    /// A time as Unix seconds: ARM's control plane gives integers, the CLI's data plane ISO 8601 text.
    pub fn time(&mut self, name: &str, path: &[&str]) -> Option<i64> {
        match field(self.props, path) {
            Field::Absent => None,
            Field::Unresolved(reason) => self.unknown(name, reason, None),
            Field::Value(v) => match parse_time(v) {
                Some(t) => Some(t),
                None => self.unknown(name, format!("{} is not a time: {v}", path.join(".")), None),
            },
        }
    }

    pub fn int(&mut self, name: &str, path: &[&str]) -> Option<i64> {
        match field(self.props, path) {
            Field::Absent => None,
            Field::Unresolved(reason) => self.unknown(name, reason, None),
            Field::Value(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Field::Value(Value::String(s)) if s.parse::<i64>().is_ok() => s.parse().ok(),
            Field::Value(other) => self.unknown(name, format!("{} is not an integer: {other}", path.join(".")), None),
        }
    }

    fn unknown<T>(&mut self, name: &str, reason: String, fallback: T) -> T {
        self.unknown.insert(name.to_string(), reason);
        fallback
    }
}

/// Unix seconds from an integer, or from RFC 3339 text.
pub fn parse_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp()).or_else(|| {
            // ARM sometimes prints times without an offset; they are UTC.
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|d| d.and_utc().timestamp())
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn property_names_match_case_insensitively_and_null_is_absent() {
        let v = json!({"Properties": {"AdminUserEnabled": true, "status": null}});
        assert!(matches!(field(&v, &["properties", "adminUserEnabled"]), Field::Value(Value::Bool(true))));
        assert!(matches!(field(&v, &["properties", "status"]), Field::Absent));
    }

    #[test]
    fn unresolved_marker_becomes_an_unknown_not_a_default() {
        let v = json!({"adminUserEnabled": {"$unresolved": "[parameters('x')]"}});
        let mut unknown = Unknowns::new();
        let b = Reader { props: &v, unknown: &mut unknown }.boolean("admin", &["adminUserEnabled"], false);
        assert!(!b);
        assert!(unknown["admin"].contains("parameters('x')"));
    }

    #[test]
    fn enum_values_are_canonicalised() {
        let v = json!({"a": "eNaBlEd"});
        let mut unknown = Unknowns::new();
        let s = Reader { props: &v, unknown: &mut unknown }.enum_str("a", &["a"], "x", &["Enabled", "Disabled"]);
        assert_eq!(s, "Enabled");
    }

    #[test]
    fn times_parse_from_integers_and_text() {
        assert_eq!(parse_time(&json!(1598533051)), Some(1598533051));
        assert_eq!(parse_time(&json!("2020-08-27T12:57:31Z")), Some(1598533051));
        assert_eq!(parse_time(&json!("2020-08-27T12:57:31.5")), Some(1598533051));
        assert_eq!(parse_time(&json!("soon")), None);
    }
}
