# METADATA
# title: CMK identity has more vault access than it needs
# description: |-
#   The registry's CMK identity needs only get, wrapKey and unwrapKey on keys. Any further key permission
#   (delete, purge, create, all, ...) or any secret or certificate permission means that whoever can use
#   the identity, or any workload that shares it, can read secrets or destroy the key that protects the
#   registry's data. Reduce the identity's access to get, wrapKey and unwrapKey (access policies) or to the
#   Key Vault Crypto Service Encryption User role (Azure RBAC).
# custom:
#   code: CMK013
#   name: cmk-key-access-excessive
#   severity: low
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier, encryption.identity, identity]
#   reads: [encryption.status, encryption.identity_client_id, encryption.key, chain.identity.state, chain.identity.reason, chain.identity.identity.principal_id, chain.vault, chain.principal_id]
#   live_only: false
#   ja:
#     title: CMK の ID に必要以上のコンテナーへのアクセス権がある
#     description: |-
#       レジストリの CMK の ID に必要なのは、キーの get、wrapKey、unwrapKey だけです。それ以外のキーのアクセス許可
#       (delete、purge、create、all など) やシークレット、証明書のアクセス許可があると、その ID を使える者や ID を
#       共有するワークロードが、シークレットを読み取ったり、レジストリのデータを保護するキーを破棄したりできます。
#       ID のアクセス権を get、wrapKey、unwrapKey (アクセス ポリシー) または Key Vault Crypto Service Encryption User
#       ロール (Azure RBAC) に絞ってください。
#   messages:
#     pass:
#       en: 'The CMK identity has no vault access beyond get, wrapKey and unwrapKey on vault {vault}'
#       ja: 'CMK の ID にはコンテナー {vault} で get、wrapKey、unwrapKey を超えるアクセス権はありません'
#     fail-policy:
#       en: 'The access policy of the CMK identity on vault {vault} also grants: {excess}'
#       ja: 'コンテナー {vault} の CMK の ID のアクセス ポリシーは次も許可しています: {excess}'
#     fail-role:
#       en: 'The CMK identity holds broader Key Vault roles on vault {vault}: {roles}'
#       ja: 'CMK の ID はコンテナー {vault} でより広い Key Vault ロールを持っています: {roles}'
#     unknown:
#       en: 'Cannot check the access of the CMK identity: {reason}'
#       ja: 'CMK の ID のアクセス権を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal, access-policy vault: open the key vault, select Access policies, edit the entry of the
#       registry's identity, keep only Get, Wrap Key and Unwrap Key under Key permissions, clear all secret
#       and certificate permissions, and Save.
#       Azure RBAC vault: first assign "Key Vault Crypto Service Encryption User" to the identity on the
#       vault or key (if it does not have it), then under Access control (IAM) > Role assignments remove its
#       broader roles (Key Vault Administrator, Crypto Officer, Secrets or Certificates roles, custom roles).
#       If other workloads need those rights, give them their own identity.
#     ja: |-
#       Azure portal (アクセス ポリシーのコンテナー): キー コンテナーを開き、[アクセス ポリシー] でレジストリの ID の
#       エントリを編集し、キーのアクセス許可を「取得」「キーを折り返す」「キーの折り返しを解除」だけにして、
#       シークレットと証明書のアクセス許可をすべて外し、保存します。
#       Azure RBAC のコンテナー: まず (まだなければ) コンテナーまたはキーで「Key Vault Crypto Service Encryption User」を
#       ID に割り当て、次に [アクセス制御 (IAM)] > [ロールの割り当て] でより広いロール (Key Vault Administrator、
#       Crypto Officer、シークレットや証明書のロール、カスタム ロール) を削除します。他のワークロードがその権限を
#       必要とする場合は、専用の ID を用意してください。
#     cli: |-
#       # access-policy vault: replace the identity's entry (run both commands back to back; the policy is
#       # briefly absent in between, so prefer the portal or IaC for a single-step change)
#       az keyvault delete-policy --name <vault> --object-id <identityPrincipalId>
#       az keyvault set-policy --name <vault> --object-id <identityPrincipalId> \
#         --key-permissions get wrapKey unwrapKey
#       # Azure RBAC vault: grant the narrow role first, then remove the broad one
#       az role assignment create --role "Key Vault Crypto Service Encryption User" \
#         --assignee-object-id <identityPrincipalId> --assignee-principal-type ServicePrincipal --scope <vaultResourceId>
#       az role assignment delete --assignee <identityPrincipalId> --role "Key Vault Crypto Officer" --scope <scope>
#     terraform: |-
#       resource "azurerm_key_vault_access_policy" "acr_cmk" {
#         key_vault_id            = azurerm_key_vault.kv.id
#         tenant_id               = azurerm_user_assigned_identity.acr.tenant_id
#         object_id               = azurerm_user_assigned_identity.acr.principal_id
#         key_permissions         = ["Get", "WrapKey", "UnwrapKey"]
#         secret_permissions      = []
#         certificate_permissions = []
#       }
#
#       # Azure RBAC vault: only this role for the identity
#       resource "azurerm_role_assignment" "acr_cmk" {
#         scope                = azurerm_key_vault.kv.id
#         role_definition_name = "Key Vault Crypto Service Encryption User"
#         principal_id         = azurerm_user_assigned_identity.acr.principal_id
#       }
#     bicep: |-
#       resource cmkPolicy 'Microsoft.KeyVault/vaults/accessPolicies@2023-07-01' = {
#         parent: kv
#         name: 'replace'   // replaces all access policies of the vault: list every entry you keep
#         properties: {
#           accessPolicies: [
#             {
#               tenantId: uami.properties.tenantId
#               objectId: uami.properties.principalId
#               permissions: { keys: [ 'get', 'wrapKey', 'unwrapKey' ], secrets: [], certificates: [] }
#             }
#             // ... the vault's other entries
#           ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/general/rbac-guide
#     - https://learn.microsoft.com/azure/key-vault/general/assign-access-policy
#     - https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys
#   xref:
#     mcsb: [PA-7, DP-6]
package acr_audit.rules.cmk013

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.identity"

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := unknown(reg, lib.link_reason(il, "CMK002")) if {
	il := reg.chain.identity
	il.state != "ok"
} else := unknown(reg, lib.link_reason(vl, "CMK004")) if {
	vl := reg.chain.vault
	vl.state != "ok"
} else := unknown(reg, "the principalId of the CMK identity is not in the input") if {
	reg.chain.principal_id == null
} else := unknown(reg, sprintf("vault %s: %s", [reg.encryption.key.vault, reason])) if {
	some f in ["rbac", "access_policies"]
	reason := input.vaults[reg.encryption.key.vault].unknown[f]
} else := policy_verdict(reg, input.vaults[reg.encryption.key.vault], reg.chain.principal_id) if {
	not input.vaults[reg.encryption.key.vault].rbac
} else := rbac_verdict(reg, input.vaults[reg.encryption.key.vault], reg.chain.principal_id)

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.identity_client_id, {"reason": reason})

# ---- access-policy vaults ------------------------------------------------------------------------

policy_verdict(reg, vault, principal) := lib.result_args(reg, "fail", "fail-policy", "properties.accessPolicies", excess, {"vault": vault.name, "excess": concat(", ", excess)}) if {
	excess := excess_permissions(vault, principal)
	count(excess) > 0
} else := lib.result_args(reg, "pass", "pass", "properties.accessPolicies", null, {"vault": vault.name})

excess_permissions(vault, principal) := sort([sprintf("%s:%s", [kind, p]) |
	some ap in vault.access_policies
	ap.object_id == principal
	some kind in ["keys", "secrets", "certificates"]
	some p in ap[kind]
	not allowed(kind, p)
])

allowed("keys", p) if p in lib.cmk_key_permissions

# ---- Azure RBAC vaults ---------------------------------------------------------------------------

rbac_verdict(reg, vault, principal) := unknown(reg, sprintf("vault %s uses Azure RBAC and its role assignments were not collected (a live scan lists them)", [vault.name])) if {
	vault.role_assignments == null
} else := lib.result_args(reg, "fail", "fail-role", "properties.enableRbacAuthorization", broad, {"vault": vault.name, "roles": concat(", ", broad)}) if {
	broad := sort({role_name(a.role_definition) |
		some a in vault.role_assignments
		a.principal_id == principal
		lib.assignment_applies(a, vault, reg)
		excessive(a.role_definition)
	})
	count(broad) > 0
} else := unknown(reg, sprintf("the definition of role %s assigned to the CMK identity was not read", [a.role_definition])) if {
	some a in vault.role_assignments
	a.principal_id == principal
	lib.assignment_applies(a, vault, reg)
	not known_role(a.role_definition)
} else := lib.result_args(reg, "pass", "pass", "properties.enableRbacAuthorization", null, {"vault": vault.name})

# Built-in Key Vault data-plane roles broader than Key Vault Crypto Service Encryption User.
broad_builtin := {
	"00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
	"14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
	"12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
	"08bbd89e-9f13-488c-ac41-acfcb10c90ab": "Key Vault Crypto Service Release User",
	"b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
	"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
	"a4417e6f-fecd-4de8-b567-7b0420556985": "Key Vault Certificates Officer",
	"db79e9a7-68ee-4b58-9aeb-b90e7c24fcba": "Key Vault Certificate User",
	"8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
}

# Built-in roles known to grant no Key Vault data access beyond what CMK needs (control-plane roles
# commonly held by the same identity, and the CMK role itself).
narrow_builtin := {
	"e147488a-f6f5-4113-8e2d-b22465e65bf6", # Key Vault Crypto Service Encryption User
	"acdd72a7-3385-48ef-bd42-f606fba81ae7", # Reader
	"7f951dda-4ed3-4680-a7ca-43fe172d538d", # AcrPull
	"8311e382-0749-4cb8-b61a-304f252e45ec", # AcrPush
}

excessive(role) if broad_builtin[role]

excessive(role) if {
	not broad_builtin[role]
	not role in narrow_builtin
	def := input.role_definitions[role]
	some a in def.data_actions
	keyvault_action(a)
	not a in lib.cmk_data_actions
}

# A data action (pattern) that reaches Key Vault data: one of its own, or a wildcard that covers them.
keyvault_action(a) if startswith(a, "microsoft.keyvault/")

keyvault_action(a) if {
	contains(a, "*")
	glob.match(a, [], "microsoft.keyvault/vaults/keys/delete")
}

known_role(role) if broad_builtin[role]

known_role(role) if role in narrow_builtin

known_role(role) if input.role_definitions[role]

role_name(role) := n if {
	n := broad_builtin[role]
} else := n if {
	n := input.role_definitions[role].name
	n != ""
} else := role
