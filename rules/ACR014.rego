# METADATA
# title: Registry has no audit logging
# description: |-
#   No diagnostic setting sends the registry's login and repository events anywhere: who authenticated,
#   and who pushed, pulled or deleted which image, goes unrecorded, so a leaked credential or a tampered
#   image cannot be traced. Add a diagnostic setting that collects ContainerRegistryLoginEvents and
#   ContainerRegistryRepositoryEvents (or the audit or allLogs category group).
# custom:
#   code: ACR014
#   name: registry-audit-logging-disabled
#   severity: medium
#   resource: registry
#   inputs: []
#   reads: [diagnostic_settings]
#   live_only: true
#   ja:
#     title: レジストリで監査ログが無効
#     description: |-
#       レジストリのログイン イベントとリポジトリ イベントを送信する診断設定がありません。誰が認証し、誰がどの
#       イメージをプッシュ・プル・削除したかが記録されず、漏えいした資格情報や改ざんされたイメージを追跡できません。
#       ContainerRegistryLoginEvents と ContainerRegistryRepositoryEvents（または audit か allLogs のカテゴリ
#       グループ）を収集する診断設定を追加してください。
#   messages:
#     pass:
#       en: "Login and repository events are collected by diagnostic setting(s) {settings}"
#       ja: "ログイン イベントとリポジトリ イベントは診断設定 {settings} で収集されています"
#     fail:
#       en: No diagnostic setting on the registry collects login and repository events
#       ja: ログイン イベントとリポジトリ イベントを収集する診断設定がレジストリにありません
#     fail-partial:
#       en: "Diagnostic settings do not collect {missing}"
#       ja: "診断設定で {missing} が収集されていません"
#     not-collected:
#       en: The registry's diagnostic settings were not collected (a live scan reads them)
#       ja: レジストリの診断設定は収集されていません（ライブ スキャンで読み取られます）
#   remediation:
#     en: |-
#       Azure portal: open the registry, select Monitoring > Diagnostic settings > Add diagnostic setting,
#       select the category group "audit" (or the categories "Login Events" and "RepositoryEvent logs"),
#       choose "Send to Log Analytics workspace" (or an archive storage account), and select Save.
#     ja: |-
#       Azure portal: レジストリを開き、[監視] > [診断設定] > [診断設定を追加する] を選び、カテゴリ グループ「audit」
#       （またはカテゴリ「Login Events」と「RepositoryEvent logs」）を選択して、「Log Analytics ワークスペースへの
#       送信」（またはアーカイブ用のストレージ アカウント）を指定し、[保存] を選びます。
#     cli: |-
#       az monitor diagnostic-settings create --name acr-audit \
#         --resource $(az acr show --name <registry> --query id -o tsv) \
#         --workspace <log-analytics-workspace-id> \
#         --logs '[{"category": "ContainerRegistryLoginEvents", "enabled": true},
#                  {"category": "ContainerRegistryRepositoryEvents", "enabled": true}]'
#     terraform: |-
#       resource "azurerm_monitor_diagnostic_setting" "acr_audit" {
#         name                       = "acr-audit"
#         target_resource_id         = azurerm_container_registry.acr.id
#         log_analytics_workspace_id = azurerm_log_analytics_workspace.law.id
#
#         enabled_log {
#           category = "ContainerRegistryLoginEvents"
#         }
#         enabled_log {
#           category = "ContainerRegistryRepositoryEvents"
#         }
#       }
#     bicep: |-
#       resource acrAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
#         name: 'acr-audit'
#         scope: acr // Microsoft.ContainerRegistry/registries@2025-11-01
#         properties: {
#           workspaceId: workspaceId
#           logs: [
#             {
#               category: 'ContainerRegistryLoginEvents'
#               enabled: true
#             }
#             {
#               category: 'ContainerRegistryRepositoryEvents'
#               enabled: true
#             }
#           ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/monitor-container-registry
#     - https://learn.microsoft.com/azure/container-registry/monitor-container-registry-reference
#     - https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings
#   xref:
#     mcsb: [LT-3]
#     psrule: [Azure.ACR.AuditLogs]
package acr_audit.rules.acr014

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "diagnosticSettings"

groups := {"audit", "alllogs"}

events := {"containerregistryloginevents", "containerregistryrepositoryevents"}

# The two event categories may be collected by the same setting or by different ones.
verdict(reg) := lib.result(reg, "unknown", "not-collected", path, null) if {
	reg.diagnostic_settings == null
} else := lib.result_args(reg, "pass", "pass", path, names, {"settings": concat(", ", names)}) if {
	names := sort([n | some n in lib.settings_enabling(reg, groups)])
	count(names) > 0
} else := lib.result_args(reg, "pass", "pass", path, names, {"settings": concat(", ", names)}) if {
	every e in events {
		e in lib.enabled_log_categories(reg)
	}
	names := sort([n | some n in lib.settings_enabling(reg, events)])
} else := lib.result(reg, "fail", "fail", path, []) if {
	count({e | some e in events; e in lib.enabled_log_categories(reg)}) == 0
} else := lib.result_args(reg, "fail", "fail-partial", path, sort([c | some c in lib.enabled_log_categories(reg)]), {"missing": concat(", ", missing)}) if {
	missing := sort([name |
		some e in events
		not e in lib.enabled_log_categories(reg)
		name := display[e]
	])
}

display := {
	"containerregistryloginevents": "ContainerRegistryLoginEvents",
	"containerregistryrepositoryevents": "ContainerRegistryRepositoryEvents",
}
