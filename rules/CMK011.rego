# METADATA
# title: CMK key version in use is overdue for rotation
# description: |-
#   The longer one key version protects the registry's data, the more data a compromised key exposes and
#   the further the key drifts from the organisation's cryptoperiod. The key version the registry uses
#   (or, when its creation time is not known, the registry's last key rotation) is older than the
#   maximum age (365 days by default). Rotate the key, and add a rotation policy so that it happens on
#   schedule.
# custom:
#   code: CMK011
#   name: cmk-key-rotation-overdue
#   severity: medium
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, encryption.last_key_rotation, chain.vault, chain.key]
#   live_only: false
#   parameters:
#     max-age-days: 365
#   ja:
#     title: 使用中の CMK のキー バージョンのローテーション期限を過ぎている
#     description: |-
#       1 つのキー バージョンがレジストリのデータを保護する期間が長いほど、キーが漏えいしたときに露出するデータが増え、
#       組織の暗号期間からも外れていきます。レジストリが使用しているキー バージョン (作成日時が不明な場合は
#       レジストリの最後のキー ローテーション) が最大経過日数 (既定は 365 日) を超えています。キーをローテーションし、
#       スケジュールどおりに行われるようローテーション ポリシーを追加してください。
#   messages:
#     pass-version:
#       en: 'Key version {version} in use was created on {date}, {days} days ago (maximum {max})'
#       ja: '使用中のキー バージョン {version} は {date} に作成され、{days} 日経過しています (最大 {max} 日)'
#     fail-version:
#       en: 'Key version {version} in use was created on {date}, {days} days ago, more than {max} days'
#       ja: '使用中のキー バージョン {version} は {date} に作成され、{days} 日経過しています ({max} 日を超過)'
#     pass-rotation:
#       en: 'The registry last rotated its key on {date}, {days} days ago (maximum {max})'
#       ja: 'レジストリの最後のキー ローテーションは {date} で、{days} 日経過しています (最大 {max} 日)'
#     fail-rotation:
#       en: 'The registry last rotated its key on {date}, {days} days ago, more than {max} days'
#       ja: 'レジストリの最後のキー ローテーションは {date} で、{days} 日経過しています ({max} 日を超過)'
#     unknown:
#       en: 'Cannot tell the age of the key in use: {reason}'
#       ja: '使用中のキーの経過日数を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Keys > the key > Rotate now, and configure Rotation policy
#       so that the key rotates automatically before it reaches the maximum age. A registry on the
#       versionless key identifier uses the new version within an hour; a registry that pins a version must
#       be moved to it under Settings > Encryption > Change key.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[キー] > 対象のキー > [今すぐローテーション] を実行し、最大経過日数に
#       達する前に自動でローテーションされるよう [ローテーション ポリシー] を構成します。バージョンなしのキー識別子を
#       使うレジストリは 1 時間以内に新しいバージョンを使用します。バージョンを固定しているレジストリは
#       [設定] > [暗号化] > [キーの変更] で新しいバージョンに切り替えてください。
#     cli: |-
#       az keyvault key rotate --vault-name <vault> --name <key>
#       # a registry that pins a version:
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key> --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         # ...
#         rotation_policy {
#           expire_after         = "P1Y"
#           notify_before_expiry = "P30D"
#           automatic {
#             time_after_create = "P11M"
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
#               { action: { type: 'rotate' }, trigger: { timeAfterCreate: 'P11M' } }
#             ]
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
#     - https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
#   xref:
#     mcsb: [DP-6]
package acr_audit.rules.cmk011

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

max_days := lib.param("CMK011", "max-age-days")

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := aged(reg, r) if {
	r := reference(reg)
} else := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": unknown_reason(reg)})

# The time the age counts from: the creation of the key version in use, else the registry's last key
# rotation.
reference(reg) := {"kind": "version", "t": v.created, "version": ver, "path": "attributes.created"} if {
	kl := reg.chain.key
	kl.state == "ok"
	key := lib.chain_key(reg)
	v := lib.version_in_use(reg, key)
	v.created != null
	ver := version_of(reg, key)
} else := {"kind": "rotation", "t": t, "version": null, "path": "properties.encryption.keyVaultProperties.lastKeyRotationTimestamp"} if {
	not reg.unknown["encryption.last_key_rotation"]
	t := reg.encryption.last_key_rotation
	t != null
}

version_of(reg, key) := reg.encryption.key.version if reg.encryption.key.version != null

else := key.current_version

aged(reg, r) := lib.result_args(reg, "fail", sprintf("fail-%s", [r.kind]), r.path, r.t, args(r)) if {
	lib.now - r.t > max_days * lib.day
} else := lib.result_args(reg, "pass", sprintf("pass-%s", [r.kind]), r.path, r.t, args(r))

args(r) := {"version": r.version, "date": r.t, "days": lib.days_between(r.t, lib.now), "max": max_days}

unknown_reason(reg) := lib.link_reason(kl, "CMK004") if {
	kl := reg.chain.key
	kl.state != "ok"
} else := r if {
	r := reg.unknown["encryption.last_key_rotation"]
} else := "the creation time of the key version in use is not in the input, and the registry reports no lastKeyRotationTimestamp"
