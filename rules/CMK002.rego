# METADATA
# title: CMK identity is not attached to the registry
# description: |-
#   A registry encrypted with a customer-managed key reaches its key through the managed identity whose
#   clientId is in encryption.keyVaultProperties.identity. When that identity is no longer attached to
#   the registry (it was removed from the registry or deleted), the registry cannot unwrap its data
#   encryption key: pulls and pushes fail. Attach the identity again, or switch the encryption to an
#   identity that is attached and has access to the key.
# custom:
#   code: CMK002
#   name: cmk-identity-not-attached
#   severity: critical
#   resource: registry
#   inputs: [encryption.status, encryption.identity, identity]
#   reads: [encryption.status, encryption.identity_client_id, chain.identity]
#   live_only: false
#   ja:
#     title: CMK の ID がレジストリに割り当てられていない
#     description: |-
#       カスタマー マネージド キーで暗号化されたレジストリは、encryption.keyVaultProperties.identity に
#       clientId が記録されたマネージド ID を通じてキーにアクセスします。その ID がレジストリから外された、または
#       削除された場合、レジストリはデータ暗号化キーの折り返しを解除できず、プルとプッシュが失敗します。
#       ID をもう一度割り当てるか、割り当て済みでキーにアクセスできる ID に暗号化の設定を切り替えてください。
#   messages:
#     pass:
#       en: 'The CMK identity {identity} is attached to the registry'
#       ja: 'CMK の ID {identity} はレジストリに割り当てられています'
#     fail:
#       en: 'The CMK identity is not attached: {reason}'
#       ja: 'CMK の ID が割り当てられていません: {reason}'
#     unknown:
#       en: 'Cannot check the CMK identity: {reason}'
#       ja: 'CMK の ID を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the registry, select Settings > Identity > User assigned, and add the identity
#       whose client ID the encryption settings name. If that identity was deleted, create a new
#       user-assigned identity, give it access to the key in Key Vault (Get, Wrap Key, Unwrap Key, or the
#       "Key Vault Crypto Service Encryption User" role), attach it to the registry, and then under
#       Settings > Encryption select "Change key" and choose the new identity and the key.
#     ja: |-
#       Azure portal: レジストリを開き、[設定] > [ID] > [ユーザー割り当て] で、暗号化の設定が指すクライアント ID の
#       ID を追加します。その ID が削除されている場合は、新しいユーザー割り当てマネージド ID を作成し、Key Vault の
#       キーへのアクセス (「取得」「キーを折り返す」「キーの折り返しを解除」、または「Key Vault Crypto Service Encryption User」
#       ロール) を付与してレジストリに割り当て、[設定] > [暗号化] の「キーの変更」で新しい ID とキーを選択してください。
#     cli: |-
#       az acr identity assign --name <registry> --identities <identityResourceId>
#       # if the identity was replaced by a new one:
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key> --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         identity {
#           type         = "UserAssigned"
#           identity_ids = [azurerm_user_assigned_identity.acr.id]
#         }
#         encryption {
#           key_vault_key_id   = azurerm_key_vault_key.acr.versionless_id
#           identity_client_id = azurerm_user_assigned_identity.acr.client_id
#         }
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         identity: {
#           type: 'UserAssigned'
#           userAssignedIdentities: { '${uami.id}': {} }
#         }
#         properties: {
#           encryption: {
#             status: 'enabled'
#             keyVaultProperties: {
#               identity: uami.properties.clientId
#               keyIdentifier: key.properties.keyUri
#             }
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
#   xref:
#     mcsb: [DP-5]
package acr_audit.rules.cmk002

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.identity"

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := lib.result_args(reg, "pass", "pass", path, reg.encryption.identity_client_id, {"identity": identity_name(il.identity)}) if {
	il := reg.chain.identity
	il.state == "ok"
} else := lib.result_args(reg, "fail", "fail", path, reg.encryption.identity_client_id, {"reason": il.reason}) if {
	il := reg.chain.identity
	il.state == "broken"
} else := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.identity_client_id, {"reason": reg.chain.identity.reason})

identity_name(ident) := "(system-assigned)" if ident.kind == "system-assigned"

else := ident.id
