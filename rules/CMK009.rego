# METADATA
# title: Registry does not rotate its CMK automatically
# description: |-
#   A registry whose key identifier names a specific key version (or whose keyRotationEnabled is false)
#   keeps using that version when the key is rotated in Key Vault: the old version must stay enabled and
#   unexpired, and every rotation needs a manual change on the registry. With a versionless key
#   identifier the registry picks up a new key version automatically within an hour. Rotate the registry
#   to the versionless key identifier.
# custom:
#   code: CMK009
#   name: cmk-auto-rotation-disabled
#   severity: low
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, encryption.key_rotation_enabled]
#   live_only: false
#   ja:
#     title: レジストリが CMK を自動でローテーションしない
#     description: |-
#       キー識別子が特定のキー バージョンを指す (または keyRotationEnabled が false の) レジストリは、Key Vault で
#       キーをローテーションしても同じバージョンを使い続けます。古いバージョンを有効かつ期限内に保つ必要があり、
#       ローテーションのたびにレジストリを手動で変更しなければなりません。バージョンなしのキー識別子なら、
#       レジストリは 1 時間以内に新しいキー バージョンを自動的に使用します。バージョンなしのキー識別子に切り替えてください。
#   messages:
#     pass:
#       en: 'The registry uses the versionless key identifier and rotates automatically'
#       ja: 'レジストリはバージョンなしのキー識別子を使用し、自動でローテーションします'
#     fail-pinned:
#       en: 'The key identifier pins key version {version}'
#       ja: 'キー識別子がキー バージョン {version} に固定されています'
#     fail-rotation-disabled:
#       en: 'Automatic key rotation is disabled (keyRotationEnabled is false)'
#       ja: 'キーの自動ローテーションが無効です (keyRotationEnabled が false)'
#     unknown:
#       en: 'The key identifier is not a Key Vault key URI: {identifier}'
#       ja: 'キー識別子が Key Vault のキー URI ではありません: {identifier}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the registry, select Settings > Encryption > Change key, choose "Select from Key
#       Vault", pick the vault and the key, and leave the version empty (or tick automatic rotation) so the
#       versionless key identifier is used; then Save.
#     ja: |-
#       Azure portal: レジストリを開き、[設定] > [暗号化] > [キーの変更] で「Key Vault から選択」を選び、
#       コンテナーとキーを選択して、バージョンを空のまま (または自動ローテーションをオン) にし、バージョンなしの
#       キー識別子を使うようにして保存してください。
#     cli: |-
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key> \
#         --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         encryption {
#           key_vault_key_id   = azurerm_key_vault_key.acr.versionless_id   # not .id (versioned)
#           identity_client_id = azurerm_user_assigned_identity.acr.client_id
#         }
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           encryption: {
#             status: 'enabled'
#             keyVaultProperties: {
#               identity: uami.properties.clientId
#               keyIdentifier: key.properties.keyUri   // not keyUriWithVersion
#             }
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys
#   xref:
#     mcsb: [DP-6]
package acr_audit.rules.cmk009

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"identifier": sprintf("%v", [reg.encryption.key_identifier])}) if {
	reg.encryption.key == null
} else := lib.result_args(reg, "fail", "fail-pinned", path, reg.encryption.key_identifier, {"version": reg.encryption.key.version}) if {
	reg.encryption.key.version != null
} else := lib.result(reg, "fail", "fail-rotation-disabled", "properties.encryption.keyVaultProperties.keyRotationEnabled", false) if {
	reg.encryption.key_rotation_enabled == false
} else := lib.result(reg, "pass", "pass", path, reg.encryption.key_identifier)
