# METADATA
# title: Key vault holding a registry key has no private endpoint
# description: |-
#   No approved private endpoint connects the vault to a virtual network, so every client, including the
#   registry's own key operations, reaches it over its public endpoint. A private endpoint keeps key traffic
#   on the Microsoft backbone and lets you close public access. Create a private endpoint (sub-resource
#   "vault") with a private DNS zone group for privatelink.vaultcore.azure.net, and approve its connection.
# custom:
#   code: KV006
#   name: vault-private-endpoint-missing
#   severity: low
#   resource: vault
#   inputs: [private_endpoint_connections]
#   live_only: false
#   ja:
#     title: レジストリのキーを保持するキー コンテナーにプライベート エンドポイントがない
#     description: |-
#       キー コンテナーを仮想ネットワークに接続する承認済みのプライベート エンドポイントがないため、レジストリ自身の
#       キー操作を含むすべてのクライアントがパブリック エンドポイント経由で接続します。プライベート エンドポイントを
#       使うとキーの通信を Microsoft のバックボーン内に留め、パブリック アクセスを閉じられます。サブリソース「vault」の
#       プライベート エンドポイントを privatelink.vaultcore.azure.net のプライベート DNS ゾーン グループとともに作成し、
#       接続を承認してください。
#   messages:
#     pass:
#       en: The vault has {count} approved private endpoint connection(s)
#       ja: キー コンテナーには承認済みのプライベート エンドポイント接続が {count} 件あります
#     fail:
#       en: The vault has no private endpoint connection
#       ja: キー コンテナーにプライベート エンドポイント接続がありません
#     fail-not-approved:
#       en: "No private endpoint connection of the vault is approved (statuses: {statuses})"
#       ja: "承認済みのプライベート エンドポイント接続がありません（状態: {statuses}）"
#     unknown:
#       en: "Cannot judge the vault: {reason}"
#       ja: "キー コンテナーを判定できません: {reason}"
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Settings > Networking > "Private endpoint connections" >
#       "+ Create". Choose the virtual network and subnet, the target sub-resource "vault", and "Integrate
#       with private DNS zone" (privatelink.vaultcore.azure.net). A connection left Pending must be
#       approved on the same page (select it, then Approve).
#     ja: |-
#       Azure portal: キー コンテナーを開き、[設定] > [ネットワーク] > [プライベート エンドポイント接続] >
#       [+ 作成] を選びます。仮想ネットワークとサブネット、ターゲット サブリソース「vault」を選び、「プライベート
#       DNS ゾーンと統合する」（privatelink.vaultcore.azure.net）を有効にします。保留中の接続は同じ画面で
#       選択して [承認] してください。
#     cli: |-
#       az network private-endpoint create --name pe-<vault> --resource-group <rg> \
#         --vnet-name <vnet> --subnet <subnet> --connection-name <vault>-conn --group-ids vault \
#         --private-connection-resource-id $(az keyvault show --name <vault> --query id -o tsv)
#       az network private-dns zone create --resource-group <rg> --name privatelink.vaultcore.azure.net
#       az network private-dns link vnet create --resource-group <rg> --zone-name privatelink.vaultcore.azure.net \
#         --name <vnet>-link --virtual-network <vnet> --registration-enabled false
#       az network private-endpoint dns-zone-group create --resource-group <rg> --endpoint-name pe-<vault> \
#         --name default --private-dns-zone privatelink.vaultcore.azure.net --zone-name vault
#       # a Pending connection:
#       az keyvault private-endpoint-connection approve --vault-name <vault> --resource-group <rg> --name <connection>
#     terraform: |-
#       resource "azurerm_private_endpoint" "kv" {
#         name                = "pe-kv"
#         location            = azurerm_resource_group.rg.location
#         resource_group_name = azurerm_resource_group.rg.name
#         subnet_id           = azurerm_subnet.pe.id
#
#         private_service_connection {
#           name                           = "kv"
#           private_connection_resource_id = azurerm_key_vault.kv.id
#           subresource_names              = ["vault"]
#           is_manual_connection           = false
#         }
#
#         private_dns_zone_group {
#           name                 = "default"
#           private_dns_zone_ids = [azurerm_private_dns_zone.vault.id] # privatelink.vaultcore.azure.net
#         }
#       }
#     bicep: |-
#       resource pe 'Microsoft.Network/privateEndpoints@2024-05-01' = {
#         name: 'pe-kv'
#         location: location
#         properties: {
#           subnet: { id: subnetId }
#           privateLinkServiceConnections: [
#             {
#               name: 'kv'
#               properties: {
#                 privateLinkServiceId: kv.id // Microsoft.KeyVault/vaults@2024-11-01
#                 groupIds: [ 'vault' ]
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
#               name: 'vault'
#               properties: { privateDnsZoneId: vaultZone.id } // privatelink.vaultcore.azure.net
#             }
#           ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/general/private-link-service
#     - https://learn.microsoft.com/azure/private-link/private-endpoint-dns
#   xref:
#     azure_policy: [a6abeaec-4d90-4a02-805f-6b26c4d3fbe9]
#     mcsb: [NS-2]
#     cis: ["v2.0.0 8.7"]
#     prowler: [keyvault_private_endpoints]
package acr_audit.rules.kv006

import data.acr_audit.lib
import rego.v1

results := [verdict(v) | some v in lib.audited_vaults]

verdict(v) := lib.result_args(v, "unknown", "unknown", "properties.privateEndpointConnections", null, {"reason": reason}) if {
	reason := lib.vault_unreadable_reason(v)
} else := lib.result_args(v, "pass", "pass", "properties.privateEndpointConnections", statuses, {"count": count(approved)}) if {
	approved := lib.approved_connections(v)
	count(approved) > 0
	statuses := lib.connection_statuses(v)
} else := lib.result(v, "fail", "fail", "properties.privateEndpointConnections", []) if {
	count(v.private_endpoint_connections) == 0
} else := lib.result_args(v, "fail", "fail-not-approved", "properties.privateEndpointConnections", statuses, {"statuses": concat(", ", statuses)}) if {
	statuses := lib.connection_statuses(v)
}
