//! ARM resource IDs and Key Vault key URIs: the identifiers every join goes through.

use crate::inventory::KeyRef;

/// The subscription GUID of an ARM ID, lower-case.
pub fn subscription_of(id: &str) -> Option<String> {
    segment_after(id, "subscriptions").map(|s| s.to_ascii_lowercase())
}

/// The segment that follows `name` (case-insensitively) in an ARM ID.
pub fn segment_after<'a>(id: &'a str, name: &str) -> Option<&'a str> {
    let mut parts = id.split('/').filter(|s| !s.is_empty());
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case(name) {
            return parts.next();
        }
    }
    None
}

/// The ID of the resource a `/providers/...` extension resource (diagnostic setting, role assignment)
/// hangs off: everything before the last `/providers/{namespace}` naming `namespace`.
pub fn extension_parent(id: &str, namespace: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let marker = format!("/providers/{}/", namespace.to_ascii_lowercase());
    lower.rfind(&marker).map(|i| lower[..i].to_string())
}

/// Whether `scope` is `target` or one of its ancestors in the ARM hierarchy (both lower-case).
pub fn scope_covers(scope: &str, target: &str) -> bool {
    let scope = scope.trim_end_matches('/');
    scope.is_empty()
        || scope == "/"
        || target == scope
        || (target.starts_with(scope) && target.as_bytes().get(scope.len()) == Some(&b'/'))
}

/// Splits a Key Vault (or Managed HSM) key URI: `https://{vault}.vault.azure.net[:443]/keys/{name}[/{version}]`.
pub fn parse_key_uri(uri: &str) -> Option<KeyRef> {
    let rest = uri.trim().strip_prefix("https://").or_else(|| uri.trim().strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let host = host.split(':').next()?.to_ascii_lowercase();
    let vault = host.split('.').next()?.to_string();
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    if !segs.next()?.eq_ignore_ascii_case("keys") {
        return None;
    }
    let name = segs.next()?.to_ascii_lowercase();
    let version = segs.next().map(|v| v.to_ascii_lowercase());
    if vault.is_empty() || segs.next().is_some() {
        return None;
    }
    Some(KeyRef { vault, host, name, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_uris_with_port_version_and_sovereign_hosts() {
        let k = parse_key_uri("https://KV-Prod.vault.azure.net:443/keys/AcrKey/ABC123").unwrap();
        assert_eq!((k.vault.as_str(), k.name.as_str(), k.version.as_deref()), ("kv-prod", "acrkey", Some("abc123")));
        let k = parse_key_uri("https://kv.vault.azure.cn/keys/k/").unwrap();
        assert_eq!(k.version, None);
        assert!(parse_key_uri("https://kv.vault.azure.net/secrets/s").is_none());
        assert!(parse_key_uri("not a uri").is_none());
    }

    #[test]
    fn scopes_cover_descendants_only_at_segment_boundaries() {
        let vault = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv";
        assert!(scope_covers("/subscriptions/s", vault));
        assert!(scope_covers("/subscriptions/s/resourcegroups/rg", vault));
        assert!(scope_covers(vault, vault));
        assert!(!scope_covers("/subscriptions/s/resourcegroups/r", vault));
        assert!(!scope_covers(&format!("{vault}/keys/k"), vault));
    }

    #[test]
    fn extension_resources_name_their_parent() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/microsoft.insights/diagnosticSettings/d";
        assert_eq!(
            extension_parent(id, "Microsoft.Insights").unwrap(),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerregistry/registries/r"
        );
    }
}
