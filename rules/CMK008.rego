# METADATA
# title: CMK key expires soon
# description: |-
#   When the customer-managed key reaches its expiration date, Key Vault refuses to wrap with it and the
#   registry can lose access to its data: an expiring key is an outage warning. Rotate the key (a new
#   version with a later expiry; a registry on the versionless key identifier picks it up within an
#   hour) or extend the expiration date before it passes. A key that has already expired is past
#   warning: CMK004 reports it as unusable, and this rule answers n/a for it.
# custom:
#   code: CMK008
#   name: cmk-key-expiring-soon
#   severity: high
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, chain.key, chain.attrs]
#   live_only: false
#   parameters:
#     warn-days: 30
#   ja:
#     title: CMK のキーの有効期限が近い
#     description: |-
#       カスタマー マネージド キーが有効期限に達すると Key Vault はそのキーでの折り返しを拒否し、レジストリは
#       データにアクセスできなくなるおそれがあります。期限が近いキーは障害の予兆です。期限が過ぎる前にキーを
#       ローテーションする (より後の有効期限を持つ新しいバージョン。バージョンなしのキー識別子を使うレジストリは
#       1 時間以内に反映します) か、有効期限を延長してください。すでに期限切れのキーもここで失敗となり、
#       CMK004 でも使用不能として報告されます。
#   messages:
#     pass:
#       en: 'Key {key} expires on {date}, in {days} days'
#       ja: 'キー {key} の有効期限は {date} で、あと {days} 日です'
#     pass-no-expiry:
#       en: 'Key {key} has no expiration date (see CMK007)'
#       ja: 'キー {key} に有効期限はありません (CMK007 を参照)'
#     fail:
#       en: 'Key {key} expires on {date}, in {days} days (warning at {warn} days)'
#       ja: 'キー {key} の有効期限は {date} で、あと {days} 日です (警告は {warn} 日前から)'
#     na-expired:
#       en: 'Key {key} already expired on {date}: CMK004 reports it'
#       ja: 'キー {key} は {date} にすでに期限切れです (CMK004 で報告されます)'
#     unknown:
#       en: 'Cannot check the key expiry: {reason}'
#       ja: 'キーの有効期限を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Keys > the key > Rotate now to create a new version with a
#       later expiry (configure Rotation policy so this happens automatically), or open the current version
#       and set a later "Expiration date". A registry that pins a key version must then be moved to the new
#       version: Settings > Encryption > Change key.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[キー] > 対象のキー > [今すぐローテーション] で、より後の有効期限を持つ
#       新しいバージョンを作成します ([ローテーション ポリシー] を構成すると自動化できます)。または現在のバージョンを開き、
#       より後の「有効期限」を設定します。キーのバージョンを固定しているレジストリは、[設定] > [暗号化] >
#       [キーの変更] で新しいバージョンに切り替えてください。
#     cli: |-
#       az keyvault key rotate --vault-name <vault> --name <key>
#       # or extend the current version:
#       az keyvault key set-attributes --vault-name <vault> --name <key> --expires <yyyy-mm-ddT00:00:00Z>
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         # ...
#         rotation_policy {
#           expire_after         = "P1Y"
#           notify_before_expiry = "P30D"
#           automatic {
#             time_before_expiry = "P45D"
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
#               { action: { type: 'rotate' }, trigger: { timeBeforeExpiry: 'P45D' } }
#               { action: { type: 'notify' }, trigger: { timeBeforeExpiry: 'P30D' } }
#             ]
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
#     - https://learn.microsoft.com/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
#     - https://learn.microsoft.com/azure/key-vault/keys/about-keys
#   xref:
#     mcsb: [DP-6]
package acr_audit.rules.cmk008

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

warn_days := lib.param("CMK008", "warn-days")

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := unknown(reg, lib.link_reason(kl, "CMK004")) if {
	kl := reg.chain.key
	kl.state != "ok"
} else := key_verdict(reg, lib.chain_key(reg))

key_verdict(reg, key) := unknown(reg, reason) if {
	reason := lib.key_field_unknown(key, ["exp"])
} else := lib.result_args(reg, "pass", "pass-no-expiry", "attributes.exp", null, {"key": key.name}) if {
	reg.chain.attrs.exp == null
} else := lib.result_args(reg, "n/a", "na-expired", "attributes.exp", exp, {"key": key.name, "date": exp}) if {
	exp := reg.chain.attrs.exp
	exp < lib.now
} else := lib.result_args(reg, "fail", "fail", "attributes.exp", exp, args(key, exp)) if {
	exp := reg.chain.attrs.exp
	exp - lib.now <= warn_days * lib.day
} else := lib.result_args(reg, "pass", "pass", "attributes.exp", exp, args(key, exp)) if {
	exp := reg.chain.attrs.exp
}

args(key, exp) := {"key": key.name, "date": exp, "days": lib.days_between(lib.now, exp), "warn": warn_days}

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
