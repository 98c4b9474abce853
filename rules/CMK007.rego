# METADATA
# title: CMK key has no expiration date
# description: |-
#   A key without an expiration date can stay in use indefinitely, so nothing forces its rotation and a
#   compromised key keeps protecting data. Set an expiration date (Microsoft recommends at most a year)
#   together with a rotation policy that creates a new version before the key expires; a registry that
#   uses the versionless key identifier picks up the new version automatically.
# custom:
#   code: CMK007
#   name: cmk-key-without-expiry
#   severity: medium
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, chain.key, chain.attrs]
#   live_only: false
#   ja:
#     title: CMK のキーに有効期限がない
#     description: |-
#       有効期限のないキーはいつまでも使用でき、ローテーションが強制されないため、漏えいしたキーがデータを
#       保護し続けることになります。有効期限 (Microsoft の推奨は最長 1 年) を設定し、期限前に新しいバージョンを
#       作成するローテーション ポリシーと組み合わせてください。バージョンなしのキー識別子を使うレジストリは
#       新しいバージョンを自動的に使用します。
#   messages:
#     pass:
#       en: 'Key {key} expires on {date}'
#       ja: 'キー {key} の有効期限は {date} です'
#     fail:
#       en: 'Key {key} has no expiration date'
#       ja: 'キー {key} に有効期限が設定されていません'
#     unknown:
#       en: 'Cannot check the key expiry: {reason}'
#       ja: 'キーの有効期限を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Keys > the key > the current version, tick "Set expiration
#       date", pick a date no more than a year ahead, and Save. Then add a rotation policy (Keys > the key >
#       Rotation policy) that rotates before the expiry, so the key never lapses.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[キー] > 対象のキー > 現在のバージョンで「有効期限を設定する」を
#       オンにし、1 年以内の日付を選んで保存します。続けて、期限前にローテーションするローテーション ポリシー
#       ([キー] > 対象のキー > [ローテーション ポリシー]) を追加し、キーが期限切れにならないようにしてください。
#     cli: |-
#       az keyvault key set-attributes --vault-name <vault> --name <key> --expires <yyyy-mm-ddT00:00:00Z>
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         # ...
#         expiration_date = "2027-06-01T00:00:00Z"
#         rotation_policy {
#           expire_after         = "P1Y"
#           notify_before_expiry = "P30D"
#           automatic {
#             time_before_expiry = "P30D"
#           }
#         }
#       }
#     bicep: |-
#       resource key 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
#         parent: kv
#         name: 'acr-cmk'
#         properties: {
#           kty: 'RSA'
#           keySize: 3072
#           attributes: {
#             exp: keyExpiry   // Unix seconds, at most a year ahead
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/keys/about-keys
#     - https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
#   xref:
#     azure_policy: [152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0]
#     mcsb: [DP-6]
#     checkov: [CKV_AZURE_40]
package acr_audit.rules.cmk007

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := unknown(reg, lib.link_reason(kl, "CMK004")) if {
	kl := reg.chain.key
	kl.state != "ok"
} else := key_verdict(reg, lib.chain_key(reg))

key_verdict(reg, key) := unknown(reg, reason) if {
	reason := lib.key_field_unknown(key, ["exp"])
} else := lib.result_args(reg, "fail", "fail", "attributes.exp", null, {"key": key.name}) if {
	reg.chain.attrs.exp == null
} else := lib.result_args(reg, "pass", "pass", "attributes.exp", exp, {"key": key.name, "date": exp}) if {
	exp := reg.chain.attrs.exp
}

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
