# METADATA
# title: Key vault holding a registry key has no audit logging
# description: |-
#   No diagnostic setting on the vault sends its AuditEvent logs anywhere: who read, wrapped, unwrapped,
#   deleted or changed the registry's encryption key goes unrecorded, and an attack on the key or an
#   accidental revocation cannot be investigated. Add a diagnostic setting that collects the AuditEvent
#   category (or the audit or allLogs category group) into a Log Analytics workspace or storage account.
# custom:
#   code: KV005
#   name: vault-audit-logging-disabled
#   severity: medium
#   resource: vault
#   inputs: []
#   live_only: true
#   ja:
#     title: レジストリのキーを保持するキー コンテナーで監査ログが無効
#     description: |-
#       キー コンテナーに AuditEvent ログを送信する診断設定がありません。レジストリの暗号化キーを誰が読み取り、
#       ラップ、ラップ解除、削除、変更したかが記録されず、キーへの攻撃や誤った取り消しを調査できません。
#       AuditEvent カテゴリ（または audit か allLogs のカテゴリ グループ）を Log Analytics ワークスペースや
#       ストレージ アカウントに収集する診断設定を追加してください。
#   messages:
#     pass:
#       en: "Audit events are collected by diagnostic setting(s) {settings}"
#       ja: "監査イベントは診断設定 {settings} で収集されています"
#     fail:
#       en: No diagnostic setting on the vault collects AuditEvent (or the audit or allLogs group)
#       ja: AuditEvent（または audit か allLogs のグループ）を収集する診断設定がキー コンテナーにありません
#     not-collected:
#       en: The vault's diagnostic settings were not collected (a live scan reads them)
#       ja: キー コンテナーの診断設定は収集されていません（ライブ スキャンで読み取られます）
#     unknown:
#       en: "Cannot judge the vault: {reason}"
#       ja: "キー コンテナーを判定できません: {reason}"
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Monitoring > Diagnostic settings > Add diagnostic
#       setting, select the category group "audit" (or the category "Audit Logs"), choose "Send to Log
#       Analytics workspace" (or an archive storage account), and select Save.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[監視] > [診断設定] > [診断設定を追加する] を選び、カテゴリ グループ
#       「audit」（またはカテゴリ「Audit Logs」）を選択して、「Log Analytics ワークスペースへの送信」（または
#       アーカイブ用のストレージ アカウント）を指定し、[保存] を選びます。
#     cli: |-
#       az monitor diagnostic-settings create --name kv-audit \
#         --resource $(az keyvault show --name <vault> --query id -o tsv) \
#         --workspace <log-analytics-workspace-id> \
#         --logs '[{"categoryGroup": "audit", "enabled": true}]'
#     terraform: |-
#       resource "azurerm_monitor_diagnostic_setting" "kv_audit" {
#         name                       = "kv-audit"
#         target_resource_id         = azurerm_key_vault.kv.id
#         log_analytics_workspace_id = azurerm_log_analytics_workspace.law.id
#
#         enabled_log {
#           category_group = "audit"
#         }
#       }
#     bicep: |-
#       resource kvAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
#         name: 'kv-audit'
#         scope: kv
#         properties: {
#           workspaceId: workspaceId
#           logs: [
#             {
#               categoryGroup: 'audit'
#               enabled: true
#             }
#           ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/general/logging
#     - https://learn.microsoft.com/azure/key-vault/general/howto-logging
#     - https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings
#   xref:
#     mcsb: [LT-3]
#     cis: ["v2.0.0 5.1.5"]
#     psrule: [Azure.KeyVault.Logs]
#     prowler: [keyvault_logging_enabled]
package acr_audit.rules.kv005

import data.acr_audit.lib
import rego.v1

results := [verdict(v) | some v in lib.audited_vaults]

audit_categories := {"auditevent", "audit", "alllogs"}

verdict(v) := lib.result_args(v, "unknown", "unknown", "diagnosticSettings", null, {"reason": reason}) if {
	reason := lib.vault_unreadable_reason(v)
} else := lib.result(v, "unknown", "not-collected", "diagnosticSettings", null) if {
	v.diagnostic_settings == null
} else := lib.result_args(v, "pass", "pass", "diagnosticSettings", names, {"settings": concat(", ", names)}) if {
	names := sort([n | some n in lib.settings_enabling(v, audit_categories)])
	count(names) > 0
} else := lib.result(v, "fail", "fail", "diagnosticSettings", sort([c | some c in lib.enabled_log_categories(v)]))
