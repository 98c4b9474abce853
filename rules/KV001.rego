# METADATA
# title: Key vault holding a registry key has soft delete disabled
# description: |-
#   Without soft delete, a deleted key vault or key is gone at once: a registry encrypted with a key
#   from that vault can no longer unwrap its data, and every pull and push fails for good. Soft delete
#   keeps deleted vaults and keys recoverable for the retention period. Turn soft delete on (vaults
#   created today always have it, and it cannot be turned off again).
# custom:
#   code: KV001
#   name: vault-soft-delete-disabled
#   severity: high
#   resource: vault
#   inputs: [soft_delete]
#   live_only: false
#   ja:
#     title: レジストリのキーを保持するキー コンテナーで論理的な削除が無効
#     description: |-
#       論理的な削除が無効だと、削除されたキー コンテナーやキーは即座に失われます。そのキーで暗号化された
#       レジストリはデータをラップ解除できなくなり、プルとプッシュがすべて恒久的に失敗します。論理的な削除を
#       有効にすると、削除されたコンテナーとキーを保持期間中は復旧できます。論理的な削除を有効にしてください
#       （現在作成されるコンテナーでは常に有効で、一度有効にすると無効に戻せません）。
#   messages:
#     pass:
#       en: Soft delete is enabled
#       ja: 論理的な削除は有効です
#     fail:
#       en: Soft delete is disabled (enableSoftDelete is false)
#       ja: 論理的な削除が無効です（enableSoftDelete が false）
#     unknown:
#       en: "Cannot judge the vault: {reason}"
#       ja: "キー コンテナーを判定できません: {reason}"
#   remediation:
#     en: |-
#       Azure portal: soft delete has no switch on the vault's pages; enable it with the Azure CLI or
#       PowerShell command below, then check Settings > Properties, which shows "Soft-delete" enabled
#       and the retention period. Vaults created today always have soft delete.
#     ja: |-
#       Azure portal: キー コンテナーの画面には論理的な削除の切り替えがないため、下記の Azure CLI または
#       PowerShell コマンドで有効にし、[設定] > [プロパティ] で「論理的な削除」が有効になり保持期間が
#       表示されていることを確認します。現在作成されるキー コンテナーでは常に有効です。
#     cli: |-
#       az resource update --ids $(az keyvault show --name <vault> --query id -o tsv) \
#         --set properties.enableSoftDelete=true
#     terraform: |-
#       resource "azurerm_key_vault" "kv" {
#         # ...
#         soft_delete_retention_days = 90 # soft delete is always on with azurerm 3.x and later
#         purge_protection_enabled   = true
#       }
#     bicep: |-
#       resource kv 'Microsoft.KeyVault/vaults@2024-11-01' = {
#         // ...
#         properties: {
#           enableSoftDelete: true
#           softDeleteRetentionInDays: 90
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
#     - https://learn.microsoft.com/azure/key-vault/general/soft-delete-change
#     - https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys
#   xref:
#     azure_policy: [1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d]
#     mcsb: [DP-8]
#     cis: ["v2.0.0 8.5"]
#     checkov: [CKV_AZURE_111]
#     psrule: [Azure.KeyVault.SoftDelete]
package acr_audit.rules.kv001

import data.acr_audit.lib
import rego.v1

results := [verdict(v) | some v in lib.audited_vaults]

verdict(v) := lib.result_args(v, "unknown", "unknown", "properties.enableSoftDelete", null, {"reason": reason}) if {
	reason := lib.vault_unreadable_reason(v)
} else := lib.result(v, "fail", "fail", "properties.enableSoftDelete", false) if {
	v.soft_delete == false
} else := lib.result(v, "pass", "pass", "properties.enableSoftDelete", true)
