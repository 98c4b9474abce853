//! ARM templates (and Bicep through its compiled JSON, `az bicep build`) → the resources their
//! deployment would create, as the other sources give them, each with the template line it comes from.

mod deploy;
mod expr;

use crate::error::Error;
use crate::estate::{Body, Coverage, RawEstate, RawResource};
use crate::sources::located::{self, Located};
use expr::V;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What the templates hold, and the template files read (a folder expands to its templates).
pub struct Templates {
    pub estate: RawEstate,
    pub files: Vec<String>,
}

/// `now`: the moment the deployments are taken to happen (the scan's `--as-of`).
pub fn load(paths: &[PathBuf], parameters: &[PathBuf], now: i64) -> Result<Templates, Error> {
    let mut templates: Vec<(PathBuf, Located)> = Vec::new();
    let mut beside: HashMap<PathBuf, PathBuf> = HashMap::new();
    for path in paths {
        if path.is_dir() {
            for file in files_in(path)? {
                let located = read(&file)?;
                if is_parameters_file(&located.value) {
                    continue;
                }
                if is_template(&located.value) {
                    // `main.parameters.json` next to `main.json` is its parameters file.
                    let params = parameters_path(&file);
                    if params.is_file() {
                        beside.insert(file.clone(), params);
                    }
                    templates.push((file, located));
                }
            }
        } else {
            if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("bicep")) {
                return Err(Error::usage(
                    format!("{} is Bicep source", path.display()),
                    format!(
                        "compile it first: `az bicep build --file {}`, then scan the .json it writes",
                        path.display()
                    ),
                ));
            }
            let located = read(path)?;
            if !is_template(&located.value) {
                return Err(Error::usage(
                    format!(
                        "{}:1: not an ARM template (no `$schema` of a deployment template, no `resources`)",
                        path.display()
                    ),
                    "give an ARM template (Bicep: `az bicep build` writes one), or use --snapshot for ARM resource JSON",
                ));
            }
            templates.push((path.clone(), located));
        }
    }
    let mut explicit: Vec<(PathBuf, HashMap<String, V>)> = Vec::new();
    for p in parameters {
        explicit.push((p.clone(), read_parameters(p)?));
    }

    let mut estate = RawEstate::default();
    let mut files = Vec::new();
    for (path, doc) in &templates {
        let shown = path.display().to_string();
        let values = match (matching(path, &explicit, templates.len()), beside.get(path)) {
            (Some(v), _) => v,
            (None, Some(p)) => read_parameters(p)?,
            (None, None) => HashMap::new(),
        };
        let mut outcome = deploy::deploy(doc, &shown, values, now)?;
        connect_private_endpoints(&mut outcome.resources);
        for d in outcome.resources {
            cover(&mut estate.coverage, &d.value);
            estate.resources.push(RawResource { body: Body::Parsed(d.value), origin: Some(d.origin) });
        }
        estate.gaps.extend(outcome.gaps);
        files.push(shown);
    }
    if templates.is_empty() {
        return Err(Error::usage(
            format!(
                "no ARM template found in {}",
                paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
            "give template files (.json) or folders that hold them",
        ));
    }
    Ok(Templates { estate, files })
}

/// A private endpoint deployed to a registry or vault of the same template appears on that resource as
/// a private endpoint connection, as ARM shows it once deployed: approved for an automatic connection,
/// pending for a manual one.
fn connect_private_endpoints(resources: &mut [deploy::Deployed]) {
    let mut links: Vec<(String, String, &'static str)> = Vec::new();
    for r in resources.iter() {
        let v = &r.value;
        if !v["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Network/privateEndpoints")) {
            continue;
        }
        let pe = v["id"].as_str().unwrap_or_default().to_string();
        for (list, status) in
            [("privateLinkServiceConnections", "Approved"), ("manualPrivateLinkServiceConnections", "Pending")]
        {
            for c in v["properties"][list].as_array().into_iter().flatten() {
                if let Some(target) = c["properties"]["privateLinkServiceId"].as_str() {
                    links.push((target.to_ascii_lowercase(), pe.clone(), status));
                }
            }
        }
    }
    for (target, pe, status) in links {
        let Some(r) =
            resources.iter_mut().find(|r| r.value["id"].as_str().is_some_and(|id| id.eq_ignore_ascii_case(&target)))
        else {
            continue;
        };
        let Some(props) = r.value.get_mut("properties").and_then(Value::as_object_mut) else { continue };
        let connections = props.entry("privateEndpointConnections").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = connections {
            list.push(serde_json::json!({
                "properties": {
                    "privateEndpoint": {"id": pe},
                    "privateLinkServiceConnectionState": {"status": status}
                }
            }));
        }
    }
}

/// A template declares everything it deploys together: a registry or vault without a diagnostic
/// setting in it has none, an RBAC vault's role assignments are those beside it, a private endpoint's
/// zone groups are its children.
fn cover(coverage: &mut Coverage, resource: &Value) {
    // A resource that may not be deployed at all (a condition that cannot be evaluated) says nothing.
    if resource["properties"].get(crate::estate::UNRESOLVED_KEY).is_some() {
        return;
    }
    let (id, kind) = (
        resource["id"].as_str().unwrap_or_default().to_string(),
        resource["type"].as_str().unwrap_or_default().to_ascii_lowercase(),
    );
    match kind.as_str() {
        "microsoft.containerregistry/registries" => coverage.diagnostic_settings.push(id),
        "microsoft.keyvault/vaults" => {
            coverage.diagnostic_settings.push(id.clone());
            coverage.role_assignments.push(id);
        }
        "microsoft.network/privateendpoints" => coverage.dns_zone_groups.push(id),
        _ => {}
    }
}

fn read(path: &Path) -> Result<Located, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(
            format!("cannot read {}: {e}", path.display()),
            "check the path given to --template or --parameters",
        )
    })?;
    located::parse(&text, &path.display().to_string())
}

/// The `.json` files of a folder and its subfolders, in a stable order.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| {
            Error::usage(format!("cannot read folder {}: {e}", d.display()), "check the path given to --template")
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn schema(v: &Value) -> String {
    v.get("$schema").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase()
}

fn is_template(v: &Value) -> bool {
    let s = schema(v);
    s.contains("deploymenttemplate.json")
        || (s.is_empty() && v.get("resources").is_some() && v.get("contentVersion").is_some())
}

fn is_parameters_file(v: &Value) -> bool {
    schema(v).contains("deploymentparameters.json")
}

/// `main.parameters.json` for `main.json`.
fn parameters_path(template: &Path) -> PathBuf {
    let stem = template.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    template.with_file_name(format!("{stem}.parameters.json"))
}

/// The `--parameters` file for a template: the one named after it, else the only one when there is a
/// single template.
fn matching(
    template: &Path,
    explicit: &[(PathBuf, HashMap<String, V>)],
    templates: usize,
) -> Option<HashMap<String, V>> {
    let wanted = parameters_path(template);
    let name = wanted.file_name();
    explicit
        .iter()
        .find(|(p, _)| p.file_name() == name)
        .or_else(|| (templates == 1 && explicit.len() == 1).then(|| &explicit[0]))
        .map(|(_, v)| v.clone())
}

/// A deployment parameters file: `{"parameters": {"name": {"value": …}}}`; a Key Vault `reference`
/// is a secret only the deployment reads.
fn read_parameters(path: &Path) -> Result<HashMap<String, V>, Error> {
    let doc = read(path)?;
    let shown = path.display();
    let Some(params) = doc.value.get("parameters").and_then(Value::as_object) else {
        return Err(Error::usage(
            format!("{shown}:1: not a parameters file (no `parameters` object)"),
            "give a deployment parameters file: {\"$schema\": \"…deploymentParameters.json#\", \"parameters\": {\"name\": {\"value\": …}}}",
        ));
    };
    let mut out = HashMap::new();
    for (name, p) in params {
        let line = doc.line(&format!("/parameters/{name}")).unwrap_or(1);
        let v = match p.as_object() {
            Some(o) if o.contains_key("value") => V::Known(o["value"].clone()),
            Some(o) if o.contains_key("reference") => V::Unknown(format!("parameter {name} is a Key Vault reference")),
            _ => {
                return Err(Error::usage(
                    format!("{shown}:{line}: parameter {name} has neither `value` nor `reference`"),
                    "write it as \"name\": {\"value\": …}",
                ));
            }
        };
        out.insert(name.to_ascii_lowercase(), v);
    }
    Ok(out)
}
