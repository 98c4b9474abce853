# METADATA
# title: Registry has no approved private endpoint
# description: |-
#   No approved private endpoint connects the registry to a virtual network, so every client pulls and
#   pushes over the public endpoint and public access cannot be switched off. A Pending or Rejected
#   connection carries no traffic. Create a private endpoint for the registry (Premium tier) with a private
#   DNS zone group for privatelink.azurecr.io, and approve its connection.
# custom:
#   code: ACR004
#   name: registry-private-endpoint-missing
#   severity: medium
#   resource: registry
#   inputs: [private_endpoint_connections]
#   reads: [private_endpoint_connections]
#   live_only: false
#   ja:
#     title: レジストリに承認済みのプライベート エンドポイントがない
#     description: |-
#       レジストリを仮想ネットワークに接続する承認済みのプライベート エンドポイントがないため、すべてのクライアントが
#       パブリック エンドポイント経由でプル・プッシュし、パブリック アクセスを無効にできません。保留中や拒否済みの接続は
#       通信に使われません。privatelink.azurecr.io のプライベート DNS ゾーン グループとともにレジストリ（Premium レベル）の
#       プライベート エンドポイントを作成し、接続を承認してください。
#   messages:
#     pass:
#       en: The registry has {count} approved private endpoint connection(s)
#       ja: レジストリには承認済みのプライベート エンドポイント接続が {count} 件あります
#     fail:
#       en: The registry has no private endpoint connection
#       ja: レジストリにプライベート エンドポイント接続がありません
#     fail-not-approved:
#       en: "No private endpoint connection of the registry is approved (statuses: {statuses})"
#       ja: "承認済みのプライベート エンドポイント接続がありません（状態: {statuses}）"
#   remediation:
#     en: |-
#       Azure portal: open the registry (Premium), select Settings > Networking > "Private access" >
#       "+ Create a private endpoint connection". Choose the virtual network and subnet, the target
#       sub-resource "registry", and "Integrate with private DNS zone" (privatelink.azurecr.io). A connection
#       left Pending must be approved on the same tab (select it, then Approve).
#     ja: |-
#       Azure portal: レジストリ（Premium）を開き、[設定] > [ネットワーク] > [プライベート アクセス] >
#       [+ プライベート エンドポイント接続の作成] を選びます。仮想ネットワークとサブネット、ターゲット サブリソース
#       「registry」を選び、「プライベート DNS ゾーンと統合する」（privatelink.azurecr.io）を有効にします。
#       保留中の接続は同じタブで選択して [承認] してください。
#     cli: |-
#       az network private-endpoint create --name pe-<registry> --resource-group <rg> \
#         --vnet-name <vnet> --subnet <subnet> --connection-name <registry>-conn --group-ids registry \
#         --private-connection-resource-id $(az acr show --name <registry> --query id -o tsv)
#       az network private-dns zone create --resource-group <rg> --name privatelink.azurecr.io
#       az network private-dns link vnet create --resource-group <rg> --zone-name privatelink.azurecr.io \
#         --name <vnet>-link --virtual-network <vnet> --registration-enabled false
#       az network private-endpoint dns-zone-group create --resource-group <rg> --endpoint-name pe-<registry> \
#         --name default --private-dns-zone privatelink.azurecr.io --zone-name registry
#       # a Pending connection:
#       az acr private-endpoint-connection approve --registry-name <registry> --name <connection>
#     terraform: |-
#       resource "azurerm_private_endpoint" "acr" {
#         name                = "pe-acr"
#         location            = azurerm_resource_group.rg.location
#         resource_group_name = azurerm_resource_group.rg.name
#         subnet_id           = azurerm_subnet.pe.id
#
#         private_service_connection {
#           name                           = "acr"
#           private_connection_resource_id = azurerm_container_registry.acr.id
#           subresource_names              = ["registry"]
#           is_manual_connection           = false
#         }
#
#         private_dns_zone_group {
#           name                 = "default"
#           private_dns_zone_ids = [azurerm_private_dns_zone.acr.id] # privatelink.azurecr.io
#         }
#       }
#     bicep: |-
#       resource pe 'Microsoft.Network/privateEndpoints@2024-05-01' = {
#         name: 'pe-acr'
#         location: location
#         properties: {
#           subnet: { id: subnetId }
#           privateLinkServiceConnections: [
#             {
#               name: 'acr'
#               properties: {
#                 privateLinkServiceId: acr.id // Microsoft.ContainerRegistry/registries@2025-11-01
#                 groupIds: [ 'registry' ]
#               }
#             }
#           ]
#         }
#       }
#
#       resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
#         parent: pe
#         name: 'default'
#         properties: {
#           privateDnsZoneConfigs: [
#             {
#               name: 'registry'
#               properties: { privateDnsZoneId: acrZone.id } // privatelink.azurecr.io
#             }
#           ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-private-link
#   xref:
#     azure_policy: [e8eef0a8-67cf-4eb4-9386-14b0e78733d4]
#     mcsb: [NS-2]
#     prowler: [containerregistry_uses_private_link]
package acr_audit.rules.acr004

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result_args(reg, "pass", "pass", "properties.privateEndpointConnections", statuses, {"count": count(approved)}) if {
	approved := lib.approved_connections(reg)
	count(approved) > 0
	statuses := lib.connection_statuses(reg)
} else := lib.result(reg, "fail", "fail", "properties.privateEndpointConnections", []) if {
	count(reg.private_endpoint_connections) == 0
} else := lib.result_args(reg, "fail", "fail-not-approved", "properties.privateEndpointConnections", statuses, {"statuses": concat(", ", statuses)}) if {
	statuses := lib.connection_statuses(reg)
}
