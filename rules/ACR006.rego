# METADATA
# title: Registry has no dedicated data endpoints
# description: |-
#   Without dedicated data endpoints, image layers are served from a shared storage domain
#   (*.blob.core.windows.net), so a client firewall that lets layers through must allow all of Azure
#   Storage, which opens a path for data exfiltration. Enable dedicated data endpoints
#   (<registry>.<region>.data.azurecr.io) and allow only those in client firewalls.
# custom:
#   code: ACR006
#   name: registry-data-endpoint-disabled
#   severity: low
#   resource: registry
#   inputs: [sku, data_endpoint_enabled]
#   reads: [sku, data_endpoint_enabled]
#   live_only: false
#   ja:
#     title: レジストリで専用データ エンドポイントが無効
#     description: |-
#       専用データ エンドポイントがないと、イメージ レイヤーは共有ストレージ ドメイン（*.blob.core.windows.net）から
#       配信されます。レイヤーを通すにはクライアント側のファイアウォールで Azure Storage 全体を許可する必要があり、
#       データ流出の経路になります。専用データ エンドポイント（<registry>.<region>.data.azurecr.io）を有効にし、
#       クライアントのファイアウォールではそれだけを許可してください。
#   messages:
#     pass:
#       en: Dedicated data endpoints are enabled
#       ja: 専用データ エンドポイントは有効です
#     fail:
#       en: Dedicated data endpoints are disabled
#       ja: 専用データ エンドポイントが無効です
#     not-premium:
#       en: Dedicated data endpoints need the Premium tier (the registry is {observed})
#       ja: 専用データ エンドポイントには Premium レベルが必要です（レジストリは {observed}）
#   remediation:
#     en: |-
#       Azure portal: open the registry (Premium), select Settings > Networking, and on the "Public access"
#       tab select "Enable dedicated data endpoint". Select Save. Then update client firewall rules to allow
#       <registry>.<region>.data.azurecr.io instead of *.blob.core.windows.net.
#     ja: |-
#       Azure portal: レジストリ（Premium）を開き、[設定] > [ネットワーク] の [パブリック アクセス] タブで
#       「専用データ エンドポイントを有効にする」を選択して [保存] を選びます。その後、クライアントのファイアウォール
#       規則で *.blob.core.windows.net の代わりに <registry>.<region>.data.azurecr.io を許可してください。
#     cli: |-
#       az acr update --name <registry> --data-endpoint-enabled true
#       az acr show-endpoints --name <registry>
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku                   = "Premium"
#         data_endpoint_enabled = true
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         sku: {
#           name: 'Premium'
#         }
#         properties: {
#           dataEndpointEnabled: true
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-dedicated-data-endpoints
#     - https://learn.microsoft.com/azure/container-registry/container-registry-firewall-access-rules
#   xref:
#     checkov: [CKV_AZURE_237]
package acr_audit.rules.acr006

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "n/a", "not-premium", "sku.name", reg.sku) if {
	reg.sku != "Premium"
} else := lib.result(reg, "pass", "pass", "properties.dataEndpointEnabled", true) if {
	reg.data_endpoint_enabled == true
} else := lib.result(reg, "fail", "fail", "properties.dataEndpointEnabled", false)
