# METADATA
# title: CMK identity lacks access to the key
# description: |-
#   The registry's CMK identity must be able to get, wrap and unwrap with the key in Key Vault. If the
#   access policy or role assignment is missing or was revoked, the registry cannot unwrap its data
#   encryption key and every pull and push fails. Give the identity's principal Get, Wrap Key and Unwrap
#   Key on keys (access-policy vaults) or the Key Vault Crypto Service Encryption User role on the key or
#   vault (Azure RBAC vaults). On RBAC vaults the check needs the role assignments at and above the
#   vault, which only a live scan (or a snapshot that lists them) provides.
# custom:
#   code: CMK003
#   name: cmk-key-access-missing
#   severity: critical
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier, encryption.identity, identity]
#   reads: [encryption.status, encryption.identity_client_id, encryption.key, chain.identity.state, chain.identity.reason, chain.identity.identity.principal_id, chain.vault, chain.principal_id]
#   live_only: false
#   ja:
#     title: CMK の ID にキーへのアクセス権がない
#     description: |-
#       レジストリの CMK の ID は、Key Vault のキーに対して取得、折り返し、折り返しの解除を行える必要があります。
#       アクセス ポリシーやロールの割り当てがない、または取り消された場合、レジストリはデータ暗号化キーの
#       折り返しを解除できず、すべてのプルとプッシュが失敗します。ID のプリンシパルに、キーの「取得」「キーを折り返す」
#       「キーの折り返しを解除」(アクセス ポリシーのコンテナー) または Key Vault Crypto Service Encryption User ロール
#       (Azure RBAC のコンテナー) を付与してください。RBAC のコンテナーでは、コンテナーとその上位スコープの
#       ロールの割り当てが必要で、ライブ スキャン (またはそれを含むスナップショット) でのみ取得できます。
#   messages:
#     pass-policy:
#       en: 'An access policy on vault {vault} gives the CMK identity get, wrapKey and unwrapKey on keys'
#       ja: 'コンテナー {vault} のアクセス ポリシーが CMK の ID にキーの get、wrapKey、unwrapKey を許可しています'
#     pass-role:
#       en: 'Role {role} gives the CMK identity key access on vault {vault} (scope {scope})'
#       ja: 'ロール {role} が コンテナー {vault} のキーへのアクセスを CMK の ID に許可しています (スコープ {scope})'
#     fail-no-policy:
#       en: 'No access policy on vault {vault} names the CMK identity (principal {principal})'
#       ja: 'コンテナー {vault} に CMK の ID (プリンシパル {principal}) のアクセス ポリシーがありません'
#     fail-policy-incomplete:
#       en: 'The access policy of the CMK identity on vault {vault} lacks key permissions: {missing}'
#       ja: 'コンテナー {vault} の CMK の ID のアクセス ポリシーにキーのアクセス許可が不足しています: {missing}'
#     fail-no-role:
#       en: 'No role assignment gives the CMK identity (principal {principal}) get, wrap and unwrap on keys of vault {vault}'
#       ja: 'コンテナー {vault} のキーの取得、折り返し、折り返し解除を CMK の ID (プリンシパル {principal}) に許可するロールの割り当てがありません'
#     unknown:
#       en: 'Cannot check key access: {reason}'
#       ja: 'キーへのアクセス権を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal, access-policy vault: open the key vault, select Access policies > Create, tick Get,
#       Wrap Key and Unwrap Key under Key permissions, select the registry's managed identity as the
#       principal, and create the policy.
#       Azure RBAC vault: open the key vault (or the key), select Access control (IAM) > Add role assignment,
#       choose "Key Vault Crypto Service Encryption User", select Managed identity and the registry's identity,
#       and assign. Check the vault's Networking settings allow trusted Microsoft services as well.
#     ja: |-
#       Azure portal (アクセス ポリシーのコンテナー): キー コンテナーを開き、[アクセス ポリシー] > [作成] で、
#       キーのアクセス許可の「取得」「キーを折り返す」「キーの折り返しを解除」を選択し、プリンシパルにレジストリの
#       マネージド ID を選んでポリシーを作成します。
#       Azure RBAC のコンテナー: キー コンテナー (またはキー) を開き、[アクセス制御 (IAM)] > [ロールの割り当ての追加] で
#       「Key Vault Crypto Service Encryption User」を選択し、[マネージド ID] からレジストリの ID を選んで割り当てます。
#       コンテナーの [ネットワーク] で信頼された Microsoft サービスが許可されていることも確認してください。
#     cli: |-
#       # access-policy vault
#       az keyvault set-policy --name <vault> --object-id <identityPrincipalId> \
#         --key-permissions get wrapKey unwrapKey
#       # Azure RBAC vault
#       az role assignment create --role "Key Vault Crypto Service Encryption User" \
#         --assignee-object-id <identityPrincipalId> --assignee-principal-type ServicePrincipal \
#         --scope <vaultResourceId>
#     terraform: |-
#       # access-policy vault
#       resource "azurerm_key_vault_access_policy" "acr_cmk" {
#         key_vault_id    = azurerm_key_vault.kv.id
#         tenant_id       = azurerm_user_assigned_identity.acr.tenant_id
#         object_id       = azurerm_user_assigned_identity.acr.principal_id
#         key_permissions = ["Get", "WrapKey", "UnwrapKey"]
#       }
#
#       # Azure RBAC vault
#       resource "azurerm_role_assignment" "acr_cmk" {
#         scope                = azurerm_key_vault.kv.id
#         role_definition_name = "Key Vault Crypto Service Encryption User"
#         principal_id         = azurerm_user_assigned_identity.acr.principal_id
#         principal_type       = "ServicePrincipal"
#       }
#     bicep: |-
#       // access-policy vault
#       resource cmkPolicy 'Microsoft.KeyVault/vaults/accessPolicies@2023-07-01' = {
#         parent: kv
#         name: 'add'
#         properties: {
#           accessPolicies: [
#             {
#               tenantId: uami.properties.tenantId
#               objectId: uami.properties.principalId
#               permissions: { keys: [ 'get', 'wrapKey', 'unwrapKey' ] }
#             }
#           ]
#         }
#       }
#
#       // Azure RBAC vault
#       resource cmkRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
#         name: guid(kv.id, uami.id, 'e147488a-f6f5-4113-8e2d-b22465e65bf6')
#         scope: kv
#         properties: {
#           roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'e147488a-f6f5-4113-8e2d-b22465e65bf6')
#           principalId: uami.properties.principalId
#           principalType: 'ServicePrincipal'
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
#     - https://learn.microsoft.com/azure/key-vault/general/assign-access-policy
#     - https://learn.microsoft.com/azure/key-vault/general/rbac-guide
#   xref:
#     mcsb: [DP-5, DP-6]
package acr_audit.rules.cmk003

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

policy_verdict(reg, vault, principal) := lib.result_args(reg, "pass", "pass-policy", "properties.accessPolicies", sort(perms), {"vault": vault.name}) if {
	perms := lib.policy_key_permissions(vault, principal)
	lib.key_perms_cover_cmk(perms)
} else := lib.result_args(reg, "fail", "fail-policy-incomplete", "properties.accessPolicies", sort(perms), {"vault": vault.name, "missing": concat(", ", missing)}) if {
	some ap in vault.access_policies
	ap.object_id == principal
	perms := lib.policy_key_permissions(vault, principal)
	missing := [p | some p in ["get", "wrapKey", "unwrapKey"]; not lower(p) in perms]
} else := lib.result_args(reg, "fail", "fail-no-policy", "properties.accessPolicies", null, {"vault": vault.name, "principal": principal})

# ---- Azure RBAC vaults ---------------------------------------------------------------------------

rbac_verdict(reg, vault, principal) := unknown(reg, sprintf("vault %s uses Azure RBAC and its role assignments were not collected (a live scan lists them)", [vault.name])) if {
	vault.role_assignments == null
} else := lib.result_args(reg, "pass", "pass-role", "properties.enableRbacAuthorization", a.role_definition, {"vault": vault.name, "role": role_name(a.role_definition), "scope": a.scope}) if {
	some a in vault.role_assignments
	a.principal_id == principal
	lib.assignment_applies(a, vault, reg)
	lib.role_grants_cmk(a.role_definition) == "yes"
} else := unknown(reg, sprintf("the definition of role %s assigned to the CMK identity was not read", [a.role_definition])) if {
	some a in vault.role_assignments
	a.principal_id == principal
	lib.assignment_applies(a, vault, reg)
	lib.role_grants_cmk(a.role_definition) == "unknown"
} else := lib.result_args(reg, "fail", "fail-no-role", "properties.enableRbacAuthorization", null, {"vault": vault.name, "principal": principal})

builtin_names := {
	"e147488a-f6f5-4113-8e2d-b22465e65bf6": "Key Vault Crypto Service Encryption User",
	"14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
	"00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
}

role_name(role) := n if n := builtin_names[role]

else := n if {
	n := input.role_definitions[role].name
	n != ""
}

else := role
