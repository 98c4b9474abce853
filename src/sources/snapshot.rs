//! Offline inputs: acr-audit's own snapshot format, and plain ARM JSON as Azure prints it (an array of
//! resources, a list response `{"value": [...]}`, a Resource Graph result `{"data": [...]}`, or one
//! resource).

use crate::error::Error;
use crate::estate::{Body, Coverage, Peek, RawEstate, RawResource};
use crate::inventory::{Gap, Origin};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
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
    pub resources: Vec<Box<RawValue>>,
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

/// What `collect` writes: the estate as read, with its provenance.
#[derive(Serialize)]
struct SnapshotOut<'a> {
    schema_version: &'static str,
    collected_at: String,
    cloud: &'a str,
    subscriptions: &'a [Value],
    resources: Vec<&'a Body>,
    not_found: &'a [String],
    gaps: &'a [Gap],
    coverage: &'a Coverage,
}

/// Writes an estate in the snapshot format (`docs/snapshot-format.md`), one resource after another.
pub fn write(
    estate: &RawEstate,
    subscriptions: &[Value],
    cloud: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let snapshot = SnapshotOut {
        schema_version: SNAPSHOT_VERSION,
        collected_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        cloud,
        subscriptions,
        resources: estate.resources.iter().map(|r| &r.body).collect(),
        not_found: &estate.not_found,
        gaps: &estate.gaps,
        coverage: &estate.coverage,
    };
    serde_json::to_writer_pretty(&mut *out, &snapshot)?;
    out.write_all(b"\n")
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
    let text = text.trim_start_matches('\u{feff}');
    let invalid = |e: serde_json::Error| {
        Error::usage(
            format!("{file}:{}:{}: invalid JSON: {e}", e.line(), e.column()),
            "fix the JSON at that position, or re-export the file (`az ... -o json`)",
        )
    };
    // Resources stay raw text until the normaliser reads them, one at a time: a large snapshot is
    // never held as one parsed tree.
    let mut estate = RawEstate::default();
    let resources: Vec<Body> = match text.trim_start().as_bytes().first() {
        Some(b'[') => {
            serde_json::from_str::<Vec<Box<RawValue>>>(text).map_err(invalid)?.into_iter().map(Body::Raw).collect()
        }
        Some(b'{') => {
            // The top level borrows from the text: nothing is copied to find out what the file is.
            let top: HashMap<&str, &RawValue> = serde_json::from_str(text).map_err(invalid)?;
            if top.contains_key("schema_version") {
                let snap: Snapshot = serde_json::from_str(text).map_err(|e| {
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
                snap.resources.into_iter().map(Body::Raw).collect()
            } else if let Some(list) = top.get("value").filter(|v| v.get().trim_start().starts_with('[')) {
                if let Some(next) = top.get("nextLink").and_then(|n| serde_json::from_str::<String>(n.get()).ok()) {
                    estate.gaps.push(Gap {
                        scope: file.to_string(),
                        reason: format!("this is one page of a list: the pages after it ({next}) are not in the file"),
                    });
                }
                serde_json::from_str::<Vec<Box<RawValue>>>(list.get())
                    .map_err(invalid)?
                    .into_iter()
                    .map(Body::Raw)
                    .collect()
            } else if let Some(data) = top.get("data") {
                graph_rows(serde_json::from_str(data.get()).map_err(invalid)?, file)?
                    .into_iter()
                    .map(Body::Parsed)
                    .collect()
            } else if ["type", "id", "key", "lifetimeActions"].iter().any(|k| top.contains_key(*k)) {
                vec![Body::Raw(serde_json::from_str(text).map_err(invalid)?)]
            } else {
                return Err(not_understood(file, "an object without a type, id, value or data"));
            }
        }
        _ => {
            let doc: Value = serde_json::from_str(text).map_err(invalid)?;
            return Err(not_understood(file, kind_of(&doc)));
        }
    };
    let lines = id_lines(text);
    for (i, body) in resources.into_iter().enumerate() {
        let object = match &body {
            Body::Raw(raw) => raw.get().trim_start().starts_with('{'),
            Body::Parsed(v) => v.is_object(),
        };
        if !object {
            let shown = match &body {
                Body::Raw(raw) => serde_json::from_str::<Value>(raw.get()).unwrap_or(Value::Null),
                Body::Parsed(v) => v.clone(),
            };
            return Err(Error::usage(
                format!("{file}: resource #{} is {}, not a JSON object", i + 1, kind_of(&shown)),
                "each resource must be an object as ARM returns it",
            ));
        }
        let mut resource = RawResource { body, origin: None };
        let peek = resource.peek();
        check_identified(&peek, file, i)?;
        let line = peek.id.or(peek.kid).and_then(|id| lines.get(&id.to_ascii_lowercase()).copied());
        resource.origin = Some(Origin { file: file.to_string(), line, property_lines: Default::default() });
        estate.resources.push(resource);
    }
    Ok(estate)
}

fn not_understood(file: &str, found: &str) -> Error {
    Error::usage(
        format!("{file}: not an input acr-audit understands (found {found})"),
        "give ARM resource JSON: an array of resources, a list response {\"value\": [...]}, a Resource Graph result {\"data\": [...]}, one resource, or an acr-audit snapshot",
    )
}

/// A registry or vault without an ID cannot be reported on or joined: that is an error, not a skip.
fn check_identified(peek: &Peek, file: &str, i: usize) -> Result<(), Error> {
    let kind = peek.kind.as_deref().unwrap_or_default().to_ascii_lowercase();
    let needs_id = kind == crate::normalise::types::REGISTRY || kind == crate::normalise::types::VAULT;
    if needs_id && peek.id.as_deref().is_none_or(|s| s.trim().is_empty()) {
        let name = peek.name.as_deref().unwrap_or("(no name)");
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
fn graph_rows(data: Value, file: &str) -> Result<Vec<Value>, Error> {
    match data {
        Value::Array(rows) => Ok(rows),
        Value::Object(mut table) => {
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
        assert_eq!(e.resources[0].value()["type"], "t");
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
