# METADATA
# title: CMK key has no automatic rotation policy
# description: |-
#   Without a rotation policy that has a Rotate action, the key is only rotated when someone remembers
#   to, and it eventually expires or outlives the organisation's cryptoperiod. Add a rotation policy that
#   creates a new key version on a schedule (for example 30 days before expiry); a registry on the
#   versionless key identifier picks up each new version automatically.
# custom:
#   code: CMK010
#   name: cmk-key-rotation-policy-missing
#   severity: medium
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, chain.key]
#   live_only: false
#   ja:
#     title: CMK のキーに自動ローテーション ポリシーがない
#     description: |-
#       Rotate アクションを持つローテーション ポリシーがないと、キーは誰かが思い出したときにしかローテーション
#       されず、いずれ期限切れになるか、組織の暗号期間を超えて使われます。スケジュールに従って新しいキー バージョンを
#       作成するローテーション ポリシー (例: 期限の 30 日前) を追加してください。バージョンなしのキー識別子を使う
#       レジストリは新しいバージョンを自動的に使用します。
#   messages:
#     pass:
#       en: 'Key {key} has a rotation policy with a Rotate action'
#       ja: 'キー {key} には Rotate アクションを持つローテーション ポリシーがあります'
#     fail:
#       en: 'Key {key} has no rotation policy with a Rotate action'
#       ja: 'キー {key} に Rotate アクションを持つローテーション ポリシーがありません'
#     unknown:
#       en: 'Cannot check the rotation policy: {reason}'
#       ja: 'ローテーション ポリシーを確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Keys > the key > Rotation policy, turn on "Enable auto
#       rotation", set "Rotation time" (for example 30 days before expiry) and "Set key expiration time"
#       (for example 1 year), and Save.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[キー] > 対象のキー > [ローテーション ポリシー] で「自動ローテーションを
#       有効にする」をオンにし、「ローテーション時間」(例: 期限の 30 日前) と「キーの有効期限」(例: 1 年) を設定して
#       保存してください。
#     cli: |-
#       cat > rotation-policy.json <<'JSON'
#       {
#         "lifetimeActions": [
#           { "trigger": { "timeBeforeExpiry": "P30D" }, "action": { "type": "Rotate" } },
#           { "trigger": { "timeBeforeExpiry": "P30D" }, "action": { "type": "Notify" } }
#         ],
#         "attributes": { "expiryTime": "P1Y" }
#       }
#       JSON
#       az keyvault key rotation-policy update --vault-name <vault> --name <key> --value rotation-policy.json
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         # ...
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
#           rotationPolicy: {
#             attributes: { expiryTime: 'P1Y' }
#             lifetimeActions: [
#               { action: { type: 'rotate' }, trigger: { timeBeforeExpiry: 'P30D' } }
#               { action: { type: 'notify' }, trigger: { timeBeforeExpiry: 'P30D' } }
#             ]
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
#     - https://learn.microsoft.com/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
#   xref:
#     azure_policy: [d8cf8476-a2ec-4916-896e-992351803c44]
#     mcsb: [DP-6]
#     psrule: [Azure.KeyVault.AutoRotationPolicy]
#     prowler: [keyvault_key_rotation_enabled]
package acr_audit.rules.cmk010

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
	reason := lib.key_field_unknown(key, ["rotation_policy"])
} else := lib.result_args(reg, "pass", "pass", "rotationPolicy.lifetimeActions", true, {"key": key.name}) if {
	key.rotation_policy_rotates == true
} else := lib.result_args(reg, "fail", "fail", "rotationPolicy.lifetimeActions", false, {"key": key.name}) if {
	key.rotation_policy_rotates == false
} else := unknown(reg, sprintf("the rotation policy of key %s was not read (az keyvault key show does not include it)", [key.name]))

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
