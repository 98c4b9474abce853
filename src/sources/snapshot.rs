//! Offline inputs: acr-audit's own snapshot format, and plain ARM JSON as Azure prints it (an array of
//! resources, a list response `{"value": [...]}`, a Resource Graph result `{"data": [...]}`, or one
//! resource).

use crate::error::Error;
use crate::estate::{Coverage, RawEstate, RawResource};
use crate::inventory::{Gap, Origin};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// The `schema_version` this build writes and reads.
pub const SNAPSHOT_VERSION: &str = "acr-audit.snapshot/v1";

/// acr-audit's own snapshot format (`docs/snapshot-format.md`): what a live collection saw.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<Value>,
    pub resources: Vec<Value>,
    #[serde(default)]
    pub not_found: Vec<String>,
    #[serde(default)]
    pub gaps: Vec<SnapshotGap>,
    #[serde(default)]
    pub coverage: Coverage,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotGap {
    pub scope: String,
    pub reason: String,
}

pub fn load_file(path: &Path) -> Result<RawEstate, Error> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(format!("cannot read snapshot {shown}: {e}"), "check the path given to --snapshot")
    })?;
    parse(&text, &shown)
}

pub fn parse(text: &str, file: &str) -> Result<RawEstate, Error> {
    if text.trim().is_empty() {
        return Err(Error::usage(
            format!("{file} is empty"),
            "give a file with ARM resource JSON (e.g. `az acr list -o json > acr.json`) or an acr-audit snapshot",
        ));
    }
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        Error::usage(
            format!("{file}:{}:{}: invalid JSON: {e}", e.line(), e.column()),
            "fix the JSON at that position, or re-export the file (`az ... -o json`)",
        )
    })?;
    let lines = id_lines(text);
    let origin = |v: &Value| -> Option<Origin> {
        let line = v
            .get("id")
            .or_else(|| v.get("key").and_then(|k| k.get("kid")))
            .and_then(Value::as_str)
            .and_then(|id| lines.get(&id.to_ascii_lowercase()).copied());
        Some(Origin { file: file.to_string(), line, property_lines: Default::default() })
    };
    let mut estate = RawEstate::default();
    let resources: Vec<Value> = match doc {
        Value::Object(ref obj) if obj.contains_key("schema_version") => {
            let snap: Snapshot = serde_json::from_value(doc).map_err(|e| {
                Error::usage(
                    format!("{file}: not a valid acr-audit snapshot: {e}"),
                    "compare the file with docs/snapshot-format.md, or collect it again with `acr-audit collect`",
                )
            })?;
            if snap.schema_version != SNAPSHOT_VERSION {
                return Err(Error::usage(
                    format!(
                        "{file}: snapshot schema_version {:?} is not supported (this build reads {SNAPSHOT_VERSION})",
                        snap.schema_version
                    ),
                    "collect the snapshot again with this version of acr-audit",
                ));
            }
            estate.not_found = snap.not_found;
            estate.gaps = snap.gaps.into_iter().map(|g| Gap { scope: g.scope, reason: g.reason }).collect();
            estate.coverage = snap.coverage;
            snap.resources
        }
        Value::Array(items) => items,
        Value::Object(mut obj) if obj.get("value").is_some_and(Value::is_array) => {
            if let Some(next) = obj.get("nextLink").and_then(Value::as_str) {
                estate.gaps.push(Gap {
                    scope: file.to_string(),
                    reason: format!("this is one page of a list: the pages after it ({next}) are not in the file"),
                });
            }
            take_array(&mut obj, "value")
        }
        Value::Object(mut obj) if obj.contains_key("data") => graph_rows(&mut obj, file)?,
        Value::Object(ref obj)
            if obj.contains_key("type")
                || obj.contains_key("id")
                || obj.contains_key("key")
                || obj.contains_key("lifetimeActions") =>
        {
            vec![doc]
        }
        other => {
            return Err(Error::usage(
                format!("{file}: not an input acr-audit understands (found {})", kind_of(&other)),
                "give ARM resource JSON: an array of resources, a list response {\"value\": [...]}, a Resource Graph result {\"data\": [...]}, one resource, or an acr-audit snapshot",
            ));
        }
    };
    for (i, value) in resources.into_iter().enumerate() {
        if !value.is_object() {
            return Err(Error::usage(
                format!("{file}: resource #{} is {}, not a JSON object", i + 1, kind_of(&value)),
                "each resource must be an object as ARM returns it",
            ));
        }
        check_identified(&value, file, i)?;
        estate.resources.push(RawResource { origin: origin(&value), value });
    }
    Ok(estate)
}

/// A registry or vault without an ID cannot be reported on or joined: that is an error, not a skip.
fn check_identified(v: &Value, file: &str, i: usize) -> Result<(), Error> {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    let needs_id = kind == crate::normalise::types::REGISTRY || kind == crate::normalise::types::VAULT;
    if needs_id && v.get("id").and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("(no name)");
        return Err(Error::usage(
            format!("{file}: resource #{} ({kind} {name}) has no \"id\"", i + 1),
            "export the resource with its ARM ID (az ... -o json prints it)",
        ));
    }
    Ok(())
}

fn take_array(obj: &mut serde_json::Map<String, Value>, key: &str) -> Vec<Value> {
    match obj.remove(key) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    }
}

/// Resource Graph answers rows as objects (`objectArray`) or as a table of columns and rows.
fn graph_rows(obj: &mut serde_json::Map<String, Value>, file: &str) -> Result<Vec<Value>, Error> {
    match obj.remove("data") {
        Some(Value::Array(rows)) => Ok(rows),
        Some(Value::Object(mut table)) => {
            let columns: Vec<String> = take_array(&mut table, "columns")
                .iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
            Ok(take_array(&mut table, "rows")
                .into_iter()
                .map(|row| match row {
                    Value::Array(cells) => Value::Object(columns.iter().cloned().zip(cells).collect()),
                    other => other,
                })
                .collect())
        }
        _ => Err(Error::usage(
            format!("{file}: \"data\" is neither an array of rows nor a table"),
            "export the Resource Graph result as JSON (az graph query -q ... -o json)",
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object without a type, id, value or data",
    }
}

/// Line numbers of `"id": "..."` values, by lower-case ID, in one pass over the text: where each
/// resource stands in the file, for reports that point into it.
fn id_lines(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut line = 1;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'"' if bytes[i..].starts_with(b"\"id\"") || bytes[i..].starts_with(b"\"kid\"") => {
                let key_len = if bytes[i + 1] == b'k' { 5 } else { 4 };
                let mut j = i + key_len;
                while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b':' || bytes[j] == b'\t') {
                    j += 1;
                }
                if j < bytes.len()
                    && bytes[j] == b'"'
                    && let Some(end) = text[j + 1..].find('"')
                {
                    out.entry(text[j + 1..j + 1 + end].to_ascii_lowercase()).or_insert(line);
                    i = j + 1 + end;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_names_file_line_and_column() {
        let err = parse("[\n  {\"id\": 1,,}\n]", "bad.json").unwrap_err().to_string();
        assert!(err.starts_with("bad.json:2:"), "{err}");
    }

    #[test]
    fn list_response_with_next_link_records_the_missing_pages() {
        let e = parse(r#"{"value": [], "nextLink": "https://management.azure.com/next"}"#, "page.json").unwrap();
        assert_eq!(e.gaps.len(), 1);
        assert!(e.gaps[0].reason.contains("pages after it"));
    }

    #[test]
    fn resource_graph_tables_become_objects() {
        let e = parse(r#"{"data": {"columns": [{"name": "id"}, {"name": "type"}], "rows": [["/x", "t"]]}}"#, "g.json")
            .unwrap();
        assert_eq!(e.resources[0].value["type"], "t");
    }

    #[test]
    fn origins_carry_the_line_of_each_resource() {
        let e = parse("[\n{\"type\": \"a\",\n \"id\": \"/subscriptions/S/x\"}\n]", "f.json").unwrap();
        assert_eq!(e.resources[0].origin.as_ref().unwrap().line, Some(3));
    }

    #[test]
    fn a_registry_without_an_id_is_an_error() {
        let err = parse(r#"[{"type": "Microsoft.ContainerRegistry/registries", "name": "r"}]"#, "f.json").unwrap_err();
        assert!(err.to_string().contains("has no \"id\""));
    }
}
