//! `azurerm_user_assigned_identity` → `Microsoft.ManagedIdentity/userAssignedIdentities` and
//! `azurerm_role_assignment` → `Microsoft.Authorization/roleAssignments`.
//!
//! An identity the plan creates has no principal or client ID before apply: it carries the symbols
//! `tf:<address>.principal_id` / `.client_id`, which are also what references to them resolve to, so
//! that the registry → identity → access policy / role assignment joins hold.
//!
//! A role assignment given by `role_definition_name` gets the built-in role's definition ID
//! (`/providers/Microsoft.Authorization/roleDefinitions/<GUID>`) for the roles below; any other name
//! is unresolved (its GUID is not in the plan), and so is a definition ID known only after apply.

use super::arm::{Arm, Mapper, same};
use super::plan::Resource;
use super::references::{ANY_ID, PRINCIPAL, Resolved, Resolver, marker, stand_in};
use serde_json::json;

pub const TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
pub const ROLE_ASSIGNMENT_TYPE: &str = "Microsoft.Authorization/roleAssignments";

/// Built-in roles by name (as `role_definition_name` gives them) → role definition GUID.
pub const BUILTIN_ROLES: [(&str, &str); 8] = [
    ("Key Vault Crypto Service Encryption User", "e147488a-f6f5-4113-8e2d-b22465e65bf6"),
    ("Key Vault Crypto Officer", "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"),
    ("Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483"),
    ("Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424"),
    ("Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2"),
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
];

pub fn map(rs: &Resolver, r: &Resource) -> Arm {
    let mut m = Mapper::top_level(rs, r, TYPE);
    for (attr, arm) in [("principal_id", "properties.principalId"), ("client_id", "properties.clientId")] {
        match rs.attribute(r, attr) {
            Ok(v) => m.arm.set(arm, v),
            Err(why) => m.arm.set(arm, marker(&why)),
        }
    }
    if let Resolved::Value(t) = m.value("tenant_id", super::references::Accept::NONE) {
        m.arm.set("properties.tenantId", t);
    }
    m.arm
}

/// A role assignment. Its ID hangs off its scope; when the scope is known only after apply, the ID
/// names the Terraform address instead (the assignment then applies nowhere).
pub fn role_assignment(rs: &Resolver, r: &Resource) -> Arm {
    let id = rs.arm_id(r).unwrap_or_else(|_| format!("tf:{}", stand_in(&r.address)));
    let name = id.rsplit('/').next().unwrap_or_default().to_string();
    let mut m = Mapper::new(rs, r, &id, &name, ROLE_ASSIGNMENT_TYPE);
    let scope = m.value("scope", ANY_ID);
    m.put("properties.scope", "scope", scope, same, None);
    let principal = m.value("principal_id", PRINCIPAL);
    m.put("properties.principalId", "principal_id", principal, same, None);
    m.field("properties.principalType", "principal_type", same, None);
    match m.value("role_definition_id", super::references::Accept::NONE) {
        Resolved::Absent => {
            let role = m.value("role_definition_name", super::references::Accept::NONE);
            let line = m.line_of("role_definition_name");
            let v = match role {
                Resolved::Value(name) => match builtin(name.as_str().unwrap_or_default()) {
                    Some(guid) => json!(format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}")),
                    None => marker(&format!(
                        "{}.role_definition_name {name} is not a built-in role acr-audit knows the ID of: give role_definition_id",
                        r.address
                    )),
                },
                Resolved::Absent => marker(&format!("{} names no role", r.address)),
                Resolved::Unresolved(why) => marker(&why),
            };
            m.arm.set("properties.roleDefinitionId", v);
            m.arm.line("properties.roleDefinitionId", line);
        }
        other => m.put("properties.roleDefinitionId", "role_definition_id", other, same, None),
    }
    m.arm
}

/// The GUID of a built-in role by name (role names compare case-insensitively, as Azure's do).
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN_ROLES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.trim())).map(|(_, g)| *g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_roles_are_found_by_name() {
        assert_eq!(builtin("Key Vault Crypto Service Encryption User"), Some("e147488a-f6f5-4113-8e2d-b22465e65bf6"));
        assert_eq!(builtin("key vault administrator"), Some("00482a5a-887f-4fb3-b363-3b7fe8e74483"));
        assert_eq!(builtin("Storage Blob Data Reader"), None);
    }
}
