# METADATA
# title: Registry firewall blocks trusted Azure services
# description: |-
#   The registry restricts network access but does not let trusted Azure services through
#   (networkRuleBypassOptions is None). Services such as Microsoft Defender for Cloud image scanning,
#   ACR Tasks and Azure Machine Learning then cannot reach it, and failures surface far from the cause.
#   Allow trusted services (AzureServices) unless you have decided to block them.
# custom:
#   code: ACR012
#   name: registry-trusted-services-bypass-disabled
#   severity: info
#   resource: registry
#   inputs: [public_network_access, network_default_action, network_bypass]
#   reads: [public_network_access, network_default_action, network_bypass]
#   live_only: false
#   ja:
#     title: レジストリのファイアウォールが信頼された Azure サービスを遮断している
#     description: |-
#       レジストリはネットワーク アクセスを制限していますが、信頼された Azure サービスの通過を許可していません
#       （networkRuleBypassOptions が None）。Microsoft Defender for Cloud のイメージ スキャン、ACR タスク、
#       Azure Machine Learning などのサービスがレジストリに到達できず、原因から離れた場所で障害が起きます。
#       意図して遮断している場合を除き、信頼されたサービス（AzureServices）を許可してください。
#   messages:
#     pass:
#       en: Trusted Azure services may bypass the registry firewall
#       ja: 信頼された Azure サービスはレジストリのファイアウォールをバイパスできます
#     fail:
#       en: The registry restricts network access and its bypass option is {observed}, not AzureServices
#       ja: レジストリはネットワーク アクセスを制限しており、バイパス オプションが AzureServices ではなく {observed} です
#     not-restricted:
#       en: The registry does not restrict network access
#       ja: レジストリはネットワーク アクセスを制限していません
#   remediation:
#     en: |-
#       Azure portal: open the registry, select Settings > Networking, and on the "Public access" tab select
#       "Allow trusted Microsoft services to access this container registry". Select Save.
#     ja: |-
#       Azure portal: レジストリを開き、[設定] > [ネットワーク] の [パブリック アクセス] タブで「信頼された Microsoft
#       サービスにこのコンテナー レジストリへのアクセスを許可する」を選択して [保存] を選びます。
#     cli: |-
#       az acr update --name <registry> --allow-trusted-services true
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         network_rule_bypass_option = "AzureServices"
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           networkRuleBypassOptions: 'AzureServices'
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/allow-access-trusted-services
#   xref:
#     mcsb: [NS-2]
package acr_audit.rules.acr012

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "n/a", "not-restricted", "properties.networkRuleSet.defaultAction", reg.network_default_action) if {
	not lib.network_restricted(reg)
} else := lib.result(reg, "pass", "pass", "properties.networkRuleBypassOptions", reg.network_bypass) if {
	reg.network_bypass == "AzureServices"
} else := lib.result(reg, "fail", "fail", "properties.networkRuleBypassOptions", reg.network_bypass)
