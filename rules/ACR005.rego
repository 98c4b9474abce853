# METADATA
# title: Registry private endpoint has no private DNS zone
# description: |-
#   An approved private endpoint of the registry has no private DNS zone group linking it to the
#   privatelink.azurecr.io zone (or the sovereign cloud's equivalent). Clients in the network then resolve
#   the registry's login server and data endpoints to public addresses: traffic leaves the private path,
#   and fails outright once public access is disabled. Add a private DNS zone group for the zone to the
#   endpoint, and link the zone to the virtual networks that pull images.
# custom:
#   code: ACR005
#   name: registry-private-dns-zone-missing
#   severity: medium
#   resource: registry
#   inputs: [private_endpoint_connections]
#   reads: [private_endpoint_connections]
#   live_only: false
#   ja:
#     title: レジストリのプライベート エンドポイントにプライベート DNS ゾーンがない
#     description: |-
#       レジストリの承認済みプライベート エンドポイントに、privatelink.azurecr.io ゾーン（ソブリン クラウドでは対応する
#       ゾーン）に関連付けるプライベート DNS ゾーン グループがありません。ネットワーク内のクライアントはログイン サーバーと
#       データ エンドポイントをパブリック アドレスに解決するため、通信がプライベート経路から外れ、パブリック アクセスを
#       無効にすると接続できなくなります。エンドポイントにこのゾーンのプライベート DNS ゾーン グループを追加し、
#       イメージをプルする仮想ネットワークにゾーンをリンクしてください。
#   messages:
#     pass:
#       en: "Every approved private endpoint is linked to the {zone} zone"
#       ja: "承認済みのすべてのプライベート エンドポイントが {zone} ゾーンに関連付けられています"
#     fail:
#       en: "Private endpoint {endpoint} has no private DNS zone group for {zone}"
#       ja: "プライベート エンドポイント {endpoint} に {zone} のプライベート DNS ゾーン グループがありません"
#     unknown:
#       en: "The private DNS zone groups of private endpoint {endpoint} were not read"
#       ja: "プライベート エンドポイント {endpoint} のプライベート DNS ゾーン グループは読み取られていません"
#     unknown-endpoint-unnamed:
#       en: An approved private endpoint connection does not name its private endpoint
#       ja: 承認済みのプライベート エンドポイント接続にプライベート エンドポイントの ID がありません
#     no-private-endpoint:
#       en: The registry has no approved private endpoint
#       ja: レジストリに承認済みのプライベート エンドポイントはありません
#   remediation:
#     en: |-
#       Azure portal: open the private endpoint (Registry > Settings > Networking > "Private access", select
#       the endpoint), select Settings > DNS configuration > "+ Add configuration", and choose the private DNS
#       zone privatelink.azurecr.io. Make sure the zone has a virtual network link to each network whose
#       clients use the registry (Private DNS zone > "Virtual network links").
#     ja: |-
#       Azure portal: プライベート エンドポイントを開き（レジストリの [設定] > [ネットワーク] > [プライベート アクセス] で
#       エンドポイントを選択）、[設定] > [DNS の構成] > [+ 構成の追加] でプライベート DNS ゾーン privatelink.azurecr.io を
#       選びます。レジストリを使うクライアントの各仮想ネットワークにゾーンの仮想ネットワーク リンクがあることも
#       確認してください（プライベート DNS ゾーン > [仮想ネットワーク リンク]）。
#     cli: |-
#       az network private-dns zone create --resource-group <rg> --name privatelink.azurecr.io
#       az network private-dns link vnet create --resource-group <rg> --zone-name privatelink.azurecr.io \
#         --name <vnet>-link --virtual-network <vnet> --registration-enabled false
#       az network private-endpoint dns-zone-group create --resource-group <rg> --endpoint-name <private-endpoint> \
#         --name default --private-dns-zone privatelink.azurecr.io --zone-name registry
#     terraform: |-
#       resource "azurerm_private_dns_zone" "acr" {
#         name                = "privatelink.azurecr.io"
#         resource_group_name = azurerm_resource_group.rg.name
#       }
#
#       resource "azurerm_private_endpoint" "acr" {
#         # ...
#         private_dns_zone_group {
#           name                 = "default"
#           private_dns_zone_ids = [azurerm_private_dns_zone.acr.id]
#         }
#       }
#     bicep: |-
#       resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
#         parent: pe // the registry's private endpoint
#         name: 'default'
#         properties: {
#           privateDnsZoneConfigs: [
#             {
#               name: 'registry'
#               properties: { privateDnsZoneId: acrZone.id } // Microsoft.Network/privateDnsZones 'privatelink.azurecr.io'
#             }
#           ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-private-link
#     - https://learn.microsoft.com/azure/private-link/private-endpoint-dns#containers
#   xref:
#     mcsb: [NS-2]
package acr_audit.rules.acr005

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.privateEndpointConnections"

# For each approved connection: "ok", "missing" (zone groups read, none for the zone), "unread" (the
# endpoint or its zone groups were not read) or "unnamed" (the connection names no endpoint).
endpoint_state(c) := "unnamed" if {
	c.private_endpoint_id == null
} else := "unread" if {
	not input.private_endpoints[c.private_endpoint_id]
} else := "unread" if {
	input.private_endpoints[c.private_endpoint_id].dns_zones == null
} else := "ok" if {
	lib.registry_private_dns_zone in input.private_endpoints[c.private_endpoint_id].dns_zones
} else := "missing"

zones_of(c) := input.private_endpoints[c.private_endpoint_id].dns_zones if {
	c.private_endpoint_id != null
	input.private_endpoints[c.private_endpoint_id].dns_zones != null
} else := []

# The approved endpoints (lower-case IDs, sorted) in a given state.
endpoints_in(reg, state) := sort([c.private_endpoint_id |
	some c in lib.approved_connections(reg)
	endpoint_state(c) == state
])

# The endpoints' names (the last segment of each ID), for messages; the IDs are the evidence.
endpoint_names(ids) := concat(", ", [name |
	some id in ids
	parts := split(id, "/")
	name := parts[count(parts) - 1]
])

# A zone established to be missing is a fail even when other endpoints could not be read.
verdict(reg) := lib.result(reg, "n/a", "no-private-endpoint", path, lib.connection_statuses(reg)) if {
	count(lib.approved_connections(reg)) == 0
} else := lib.result_args(reg, "fail", "fail", path, missing, args) if {
	missing := endpoints_in(reg, "missing")
	count(missing) > 0
	args := {"endpoint": endpoint_names(missing), "zone": lib.registry_private_dns_zone}
} else := lib.result_args(reg, "unknown", "unknown", path, unread, {"endpoint": endpoint_names(unread)}) if {
	unread := endpoints_in(reg, "unread")
	count(unread) > 0
} else := lib.result(reg, "unknown", "unknown-endpoint-unnamed", path, null) if {
	some c in lib.approved_connections(reg)
	endpoint_state(c) == "unnamed"
} else := lib.result_args(reg, "pass", "pass", path, zones, {"zone": lib.registry_private_dns_zone}) if {
	zones := sort({z | some c in lib.approved_connections(reg); some z in zones_of(c)})
}
