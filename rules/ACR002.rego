# METADATA
# title: Registry accepts connections from public networks
# description: |-
#   The registry's endpoints are reachable from any network on the internet (publicNetworkAccess is
#   Enabled, its default when absent): leaked credentials or tokens can be used from anywhere to pull or
#   push images. Disable public network access and reach the registry through private endpoints.
# custom:
#   code: ACR002
#   name: registry-public-network-access-enabled
#   severity: high
#   resource: registry
#   inputs: [public_network_access]
#   reads: [public_network_access]
#   live_only: false
#   ja:
#     title: レジストリがパブリック ネットワークからの接続を受け付ける
#     description: |-
#       レジストリのエンドポイントにインターネット上のあらゆるネットワークから到達できます（publicNetworkAccess が
#       Enabled、省略時の既定値）。漏えいした資格情報やトークンを使って、どこからでもイメージをプル・プッシュできます。
#       パブリック ネットワーク アクセスを無効にし、プライベート エンドポイント経由でレジストリに接続してください。
#   messages:
#     pass:
#       en: Public network access is disabled
#       ja: パブリック ネットワーク アクセスは無効です
#     fail:
#       en: Public network access is {observed}
#       ja: パブリック ネットワーク アクセスが {observed} です
#   remediation:
#     en: |-
#       Azure portal: open the registry (Premium), select Settings > Networking, and on the "Public access"
#       tab choose "Disabled". Select Save. Create a private endpoint first (Networking > "Private access")
#       so that your clients keep access.
#     ja: |-
#       Azure portal: レジストリ（Premium）を開き、[設定] > [ネットワーク] の [パブリック アクセス] タブで「無効」を
#       選び、[保存] を選びます。クライアントがアクセスを失わないよう、先にプライベート エンドポイントを
#       作成してください（[ネットワーク] > [プライベート アクセス]）。
#     cli: |-
#       az acr update --name <registry> --public-network-enabled false
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku                           = "Premium"
#         public_network_access_enabled = false
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           publicNetworkAccess: 'Disabled'
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-private-link#disable-public-access
#     - https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks
#   xref:
#     azure_policy: [0fdf0491-d080-4575-b627-ad0e843cba0f]
#     mcsb: [NS-2]
#     checkov: [CKV_AZURE_139]
#     prowler: [containerregistry_not_publicly_accessible]
package acr_audit.rules.acr002

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "pass", "pass", "properties.publicNetworkAccess", reg.public_network_access) if {
	reg.public_network_access == "Disabled"
} else := lib.result(reg, "fail", "fail", "properties.publicNetworkAccess", reg.public_network_access)
