# METADATA
# title: Registry allows exporting artifacts
# description: |-
#   With the export policy enabled (its default), anyone with sufficient rights can copy images out of
#   the registry with import or transfer pipelines, even when the registry is reachable only through
#   private endpoints: a path for data exfiltration. Disable the export policy; this requires public
#   network access to be disabled first (Premium tier).
# custom:
#   code: ACR010
#   name: registry-export-enabled
#   severity: medium
#   resource: registry
#   inputs: [export_policy]
#   reads: [export_policy]
#   live_only: false
#   ja:
#     title: レジストリで成果物のエクスポートが許可されている
#     description: |-
#       エクスポート ポリシーが有効（既定値）だと、十分な権限を持つ者はインポートや転送パイプラインでイメージを
#       レジストリの外にコピーできます。レジストリにプライベート エンドポイント経由でしか到達できない場合でも、
#       データ流出の経路になります。エクスポート ポリシーを無効にしてください。無効にするには先にパブリック
#       ネットワーク アクセスを無効にする必要があります（Premium レベル）。
#   messages:
#     pass:
#       en: The export policy is disabled
#       ja: エクスポート ポリシーは無効です
#     fail:
#       en: The export policy is {observed}
#       ja: エクスポート ポリシーが {observed} です
#   remediation:
#     en: |-
#       The Azure portal has no switch for the export policy: disable public network access (Settings >
#       Networking > Public access > Disabled, then Save), then run the Azure CLI command below or deploy
#       the Bicep/ARM snippet.
#     ja: |-
#       Azure portal にはエクスポート ポリシーの設定項目がありません。パブリック ネットワーク アクセスを無効にしてから
#       （[設定] > [ネットワーク] > [パブリック アクセス] で「無効」を選び [保存]）、下記の Azure CLI コマンドを実行するか
#       Bicep/ARM のスニペットをデプロイしてください。
#     cli: |-
#       az acr update --name <registry> --public-network-enabled false
#       az acr update --name <registry> --allow-exports false
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku                           = "Premium"
#         public_network_access_enabled = false
#         export_policy_enabled         = false
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           publicNetworkAccess: 'Disabled'
#           policies: {
#             exportPolicy: {
#               status: 'disabled'
#             }
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/data-loss-prevention
#   xref:
#     azure_policy: [524b0254-c285-4903-bee6-bb8126cde579]
#     psrule: [Azure.ACR.ExportPolicy]
package acr_audit.rules.acr010

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "pass", "pass", "properties.policies.exportPolicy.status", reg.export_policy) if {
	reg.export_policy == "disabled"
} else := lib.result(reg, "fail", "fail", "properties.policies.exportPolicy.status", reg.export_policy)
