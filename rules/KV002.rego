# METADATA
# title: Key vault holding a registry key has purge protection disabled
# description: |-
#   Without purge protection, anyone with purge rights (or a compromised account) can permanently erase
#   a soft-deleted vault or key before its retention period ends. The registry encrypted with that key
#   then loses its data for good. Enable purge protection on the vault; once on, it cannot be turned off.
# custom:
#   code: KV002
#   name: vault-purge-protection-disabled
#   severity: high
#   resource: vault
#   inputs: [purge_protection]
#   live_only: false
#   ja:
#     title: レジストリのキーを保持するキー コンテナーで消去保護が無効
#     description: |-
#       消去保護が無効だと、消去権限を持つ者（または侵害されたアカウント）が、論理的に削除されたコンテナーや
#       キーを保持期間の終了前に完全に消去できます。そのキーで暗号化されたレジストリはデータを永久に失います。
#       キー コンテナーの消去保護を有効にしてください。一度有効にすると無効に戻せません。
#   messages:
#     pass:
#       en: Purge protection is enabled
#       ja: 消去保護は有効です
#     fail:
#       en: Purge protection is not enabled (enablePurgeProtection is not true; absent means off)
#       ja: 消去保護が有効になっていません（enablePurgeProtection が true ではありません。未設定は無効と同じです）
#     unknown:
#       en: "Cannot judge the vault: {reason}"
#       ja: "キー コンテナーを判定できません: {reason}"
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Settings > Properties, choose "Enable purge protection
#       (enforce a mandatory retention period for deleted vaults and vault objects)", and select Save.
#       Purge protection cannot be disabled afterwards.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[設定] > [プロパティ] で「消去保護を有効にする（削除された
#       コンテナーとコンテナー オブジェクトの必須の保持期間を適用する）」を選択して [保存] を選びます。
#       消去保護は後から無効にできません。
#     cli: |-
#       az keyvault update --name <vault> --resource-group <rg> --enable-purge-protection true
#     terraform: |-
#       resource "azurerm_key_vault" "kv" {
#         # ...
#         purge_protection_enabled   = true
#         soft_delete_retention_days = 90
#       }
#     bicep: |-
#       resource kv 'Microsoft.KeyVault/vaults@2024-11-01' = {
#         // ...
#         properties: {
#           enableSoftDelete: true
#           enablePurgeProtection: true
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview#purge-protection
#     - https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery
#     - https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys
#   xref:
#     azure_policy: [0b60c0b2-2dc2-4e1c-b5c9-abbed971de53]
#     mcsb: [DP-8]
#     cis: ["v2.0.0 8.5"]
#     checkov: [CKV_AZURE_110]
#     psrule: [Azure.KeyVault.PurgeProtect]
#     prowler: [keyvault_recoverable]
package acr_audit.rules.kv002

import data.acr_audit.lib
import rego.v1

results := [verdict(v) | some v in lib.audited_vaults]

verdict(v) := lib.result_args(v, "unknown", "unknown", "properties.enablePurgeProtection", null, {"reason": reason}) if {
	reason := lib.vault_unreadable_reason(v)
} else := lib.result(v, "pass", "pass", "properties.enablePurgeProtection", true) if {
	v.purge_protection == true
} else := lib.result(v, "fail", "fail", "properties.enablePurgeProtection", false)
