//! `azurerm_key_vault_key` → `Microsoft.KeyVault/vaults/keys`, shaped as ARM's full key read (with
//! `kty`), so that a missing `rotationPolicy` means the key has none.
//!
//! A key the plan creates gets the URIs `https://{vault}.vault.azure.net/keys/{name}[/{KEY_VERSION}]`
//! (the same ones references to its `id` / `versionless_id` resolve to) and, as its creation time,
//! the time the plan was made (it is created at apply, not earlier). A key the plan keeps has its
//! real URIs and no creation time (the provider does not expose it).

use super::arm::{Arm, Block, Mapper, same};
use super::plan::Resource;
use super::references::{Accept, Resolver, marker};
use serde_json::{Value, json};

pub const TYPE: &str = "Microsoft.KeyVault/vaults/keys";

/// The key, or why it cannot be placed in a vault (its vault is known only after apply).
pub fn map(rs: &Resolver, r: &Resource) -> Result<Arm, String> {
    let id = rs.arm_id(r)?;
    let name = rs.name(r);
    let mut m = Mapper::new(rs, r, &id, &name, TYPE);
    m.field("properties.kty", "key_type", same, None);
    m.field("properties.keySize", "key_size", same, None);
    m.field("properties.curveName", "curve", same, None);
    m.field("properties.keyOps", "key_opts", same, None);
    m.arm.set("properties.attributes.enabled", json!(true));
    m.field("properties.attributes.enabled", "enabled", same, None);
    m.field("properties.attributes.exp", "expiration_date", unix, None);
    m.field("properties.attributes.nbf", "not_before_date", unix, None);
    if r.creates
        && let Some(t) = rs.plan.timestamp
    {
        m.arm.set("properties.attributes.created", json!(t));
    }
    for (arm, attr) in [("properties.keyUri", "versionless_id"), ("properties.keyUriWithVersion", "id")] {
        match rs.attribute(r, attr) {
            Ok(uri) => m.arm.set(arm, uri),
            Err(why) => m.arm.set(arm, marker(&why)),
        }
    }
    rotation_policy(&mut m);
    Ok(m.arm)
}

/// `rotation_policy { expire_after, notify_before_expiry, automatic { time_after_creation,
/// time_before_expiry } }` → `rotationPolicy {attributes {expiryTime}, lifetimeActions [Rotate, Notify]}`.
fn rotation_policy(m: &mut Mapper) {
    let path = "properties.rotationPolicy";
    match m.block("rotation_policy") {
        Block::Absent => {}
        Block::Unresolved(why) => m.arm.set(path, marker(&why)),
        Block::Entries(_) => {
            let line = m.line_of("rotation_policy");
            m.arm.line(path, line);
            let get = |attr: &str| m.value(&format!("rotation_policy.0.{attr}"), Accept::NONE).into_arm(same);
            let mut actions = Vec::new();
            match m.block("rotation_policy.0.automatic") {
                Block::Entries(_) => {
                    let mut trigger = json!({});
                    for (tf, arm) in
                        [("time_after_creation", "timeAfterCreate"), ("time_before_expiry", "timeBeforeExpiry")]
                    {
                        if let Some(v) =
                            m.value(&format!("rotation_policy.0.automatic.0.{tf}"), Accept::NONE).into_arm(same)
                        {
                            trigger[arm] = v;
                        }
                    }
                    actions.push(json!({"trigger": trigger, "action": {"type": "Rotate"}}));
                }
                Block::Unresolved(why) => {
                    m.arm.set(path, marker(&why));
                    return;
                }
                Block::Absent => {}
            }
            if let Some(notify) = get("notify_before_expiry") {
                actions.push(json!({"trigger": {"timeBeforeExpiry": notify}, "action": {"type": "Notify"}}));
            }
            let mut policy = json!({"lifetimeActions": actions});
            if let Some(expiry) = get("expire_after") {
                policy["attributes"] = json!({"expiryTime": expiry});
            }
            m.arm.set(path, policy);
            let line = m.line_of("rotation_policy.0.automatic");
            m.arm.line(&format!("{path}.lifetimeActions"), line);
        }
    }
}

/// RFC 3339 text (`expiration_date`) → Unix seconds; anything else as given (the normaliser then
/// reports it as not a time).
fn unix(v: Value) -> Value {
    match v.as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) {
        Some(t) => json!(t.timestamp()),
        None => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::terraform::references::Resolved;

    #[test]
    fn expiry_dates_become_unix_seconds() {
        assert_eq!(unix(json!("2027-06-30T00:00:00Z")), json!(1_814_313_600));
        assert_eq!(unix(json!("next year")), json!("next year"));
    }

    #[test]
    fn resolved_values_keep_markers() {
        assert_eq!(Resolved::Absent.into_arm(same), None);
        assert!(super::super::references::is_marker(&Resolved::Unresolved("x".into()).into_arm(same).unwrap()));
    }
}
