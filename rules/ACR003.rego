# METADATA
# title: Registry network access is unrestricted
# description: |-
#   Public network access is enabled and the registry firewall's default action is Allow, so any address
#   on the internet can reach the registry. Either disable public network access, or set the default
#   action to Deny and allow only the IP ranges that need the registry (Premium tier).
# custom:
#   code: ACR003
#   name: registry-network-unrestricted
#   severity: high
#   resource: registry
#   inputs: [public_network_access, network_default_action]
#   reads: [public_network_access, network_default_action]
#   live_only: false
#   ja:
#     title: レジストリへのネットワーク アクセスが制限されていない
#     description: |-
#       パブリック ネットワーク アクセスが有効で、レジストリのファイアウォールの既定のアクションが Allow のため、
#       インターネット上のあらゆるアドレスからレジストリに到達できます。パブリック ネットワーク アクセスを無効にするか、
#       既定のアクションを Deny にして必要な IP 範囲だけを許可してください（Premium レベル）。
#   messages:
#     pass:
#       en: "Network access is restricted (publicNetworkAccess {public}, defaultAction {action})"
#       ja: "ネットワーク アクセスは制限されています（publicNetworkAccess {public}、defaultAction {action}）"
#     fail:
#       en: Public network access is enabled and the firewall's default action is Allow
#       ja: パブリック ネットワーク アクセスが有効で、ファイアウォールの既定のアクションが Allow です
#   remediation:
#     en: |-
#       Azure portal: open the registry (Premium), select Settings > Networking, and on the "Public access"
#       tab choose "Selected networks" and add the allowed address ranges under Firewall, or choose
#       "Disabled" and use private endpoints. Select Save.
#     ja: |-
#       Azure portal: レジストリ（Premium）を開き、[設定] > [ネットワーク] の [パブリック アクセス] タブで
#       「選択されたネットワーク」を選んでファイアウォールに許可するアドレス範囲を追加するか、「無効」を選んで
#       プライベート エンドポイントを使います。[保存] を選びます。
#     cli: |-
#       az acr update --name <registry> --default-action Deny
#       az acr network-rule add --name <registry> --ip-address 203.0.113.0/24
#       # or close public access entirely:
#       az acr update --name <registry> --public-network-enabled false
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku = "Premium"
#         network_rule_set {
#           default_action = "Deny"
#           ip_rule {
#             action   = "Allow"
#             ip_range = "203.0.113.0/24"
#           }
#         }
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           networkRuleSet: {
#             defaultAction: 'Deny'
#             ipRules: [
#               {
#                 action: 'Allow'
#                 value: '203.0.113.0/24'
#               }
#             ]
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks
#   xref:
#     azure_policy: [d0793b48-0edc-4296-a390-4c75d1bdfd71]
#     mcsb: [NS-2]
#     psrule: [Azure.ACR.Firewall]
package acr_audit.rules.acr003

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result_args(reg, "pass", "pass", path(reg), observed(reg), args) if {
	lib.network_restricted(reg)
	args := {"public": reg.public_network_access, "action": reg.network_default_action}
} else := lib.result(reg, "fail", "fail", "properties.networkRuleSet.defaultAction", reg.network_default_action)

path(reg) := "properties.publicNetworkAccess" if reg.public_network_access == "Disabled"
else := "properties.networkRuleSet.defaultAction"

observed(reg) := reg.public_network_access if reg.public_network_access == "Disabled"
else := reg.network_default_action
