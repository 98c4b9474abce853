# METADATA
# title: Registry accepts Azure Resource Manager audience tokens
# description: |-
#   With authentication-as-ARM enabled (its default), the registry accepts Microsoft Entra tokens issued
#   for Azure Resource Manager, not only tokens issued for the registry itself: any token stolen for
#   management work also opens the registry. Disable authentication-as-ARM so that only registry-audience
#   tokens are accepted.
# custom:
#   code: ACR011
#   name: registry-arm-audience-tokens-enabled
#   severity: low
#   resource: registry
#   inputs: [arm_audience_policy]
#   reads: [arm_audience_policy]
#   live_only: false
#   ja:
#     title: レジストリが Azure Resource Manager 対象のトークンを受け付ける
#     description: |-
#       ARM としての認証が有効（既定値）だと、レジストリは自身を対象とするトークンだけでなく、Azure Resource Manager
#       向けに発行された Microsoft Entra トークンも受け付けます。管理作業用に盗まれたトークンでレジストリにも
#       アクセスできてしまいます。ARM としての認証を無効にし、レジストリ対象のトークンだけを受け付けてください。
#   messages:
#     pass:
#       en: Authentication as ARM is disabled
#       ja: ARM としての認証は無効です
#     fail:
#       en: Authentication as ARM is {observed}
#       ja: ARM としての認証が {observed} です
#   remediation:
#     en: |-
#       The Azure portal has no switch for this policy on the registry: run the Azure CLI command below
#       or deploy the Bicep/ARM snippet (Azure Policy can also audit or enforce the setting). Clients then
#       need registry-audience tokens, which az acr login obtains.
#     ja: |-
#       Azure portal のレジストリ画面にはこのポリシーの設定項目がありません。下記の Azure CLI コマンドを実行するか、
#       Bicep/ARM のスニペットをデプロイしてください（Azure Policy で監査・強制することもできます）。クライアントには
#       レジストリ対象のトークンが必要になり、az acr login で取得できます。
#     cli: |-
#       az acr config authentication-as-arm update --registry <registry> --status disabled
#     terraform: |-
#       # azurerm_container_registry has no attribute for this policy; use azapi (2.x)
#       resource "azapi_update_resource" "acr_no_arm_audience" {
#         type        = "Microsoft.ContainerRegistry/registries@2025-11-01"
#         resource_id = azurerm_container_registry.acr.id
#         body = {
#           properties = {
#             policies = {
#               azureADAuthenticationAsArmPolicy = { status = "disabled" }
#             }
#           }
#         }
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           policies: {
#             azureADAuthenticationAsArmPolicy: {
#               status: 'disabled'
#             }
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-disable-authentication-as-arm
#   xref:
#     azure_policy: [42781ec6-6127-4c30-bdfa-fb423a0047d3]
package acr_audit.rules.acr011

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "pass", "pass", "properties.policies.azureADAuthenticationAsArmPolicy.status", reg.arm_audience_policy) if {
	reg.arm_audience_policy == "disabled"
} else := lib.result(reg, "fail", "fail", "properties.policies.azureADAuthenticationAsArmPolicy.status", reg.arm_audience_policy)
