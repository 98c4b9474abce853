# METADATA
# title: Registry is not zone redundant
# description: |-
#   The registry is not spread across availability zones: a zone outage can make it unavailable, and with
#   it every deployment that pulls from it. Zone redundancy can only be chosen when a registry or a
#   replica is created: create a zone-redundant registry (or add zone-redundant replicas) in a region
#   with availability zones and move the images there.
# custom:
#   code: ACR009
#   name: registry-zone-redundancy-disabled
#   severity: low
#   resource: registry
#   inputs: [zone_redundancy]
#   reads: [zone_redundancy]
#   live_only: false
#   ja:
#     title: レジストリがゾーン冗長ではない
#     description: |-
#       レジストリが可用性ゾーンに分散されていないため、ゾーンの障害でレジストリが利用できなくなり、そこから
#       プルするすべてのデプロイも止まります。ゾーン冗長はレジストリまたはレプリカの作成時にしか選べません。
#       可用性ゾーンのあるリージョンにゾーン冗長のレジストリを作成する（またはゾーン冗長のレプリカを追加する）
#       か、イメージを移行してください。
#   messages:
#     pass:
#       en: Zone redundancy is enabled
#       ja: ゾーン冗長は有効です
#     fail:
#       en: Zone redundancy is {observed}
#       ja: ゾーン冗長が {observed} です
#   remediation:
#     en: |-
#       Azure portal: zone redundancy cannot be changed on an existing registry. Create a registry with
#       Create a resource > Container Registry, select "Availability zones" (Enabled) on the Basics tab in a
#       region that supports them, and import the images (az acr import). For a Premium registry you can
#       instead open Services > Geo-replications, add a replica, and select "Availability zones" for it.
#     ja: |-
#       Azure portal: 既存のレジストリではゾーン冗長を変更できません。[リソースの作成] > [Container Registry] で、
#       可用性ゾーンをサポートするリージョンを選び [基本] タブの「可用性ゾーン」を有効にしてレジストリを作成し、
#       イメージをインポートします（az acr import）。Premium レジストリでは [サービス] > [geo レプリケーション] で
#       レプリカを追加し、そのレプリカの「可用性ゾーン」を有効にする方法もあります。
#     cli: |-
#       az acr create --name <new-registry> --resource-group <rg> --location <region> --sku Premium --zone-redundancy Enabled
#       az acr import --name <new-registry> --source <registry>.azurecr.io/<repository>:<tag>
#       # or add a zone-redundant replica to a Premium registry:
#       az acr replication create --registry <registry> --location <other-region> --zone-redundancy Enabled
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku                     = "Premium"
#         zone_redundancy_enabled = true # forces a new registry
#
#         georeplications {
#           location                = "westeurope"
#           zone_redundancy_enabled = true
#         }
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ... (set at creation only)
#         properties: {
#           zoneRedundancy: 'Enabled'
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/zone-redundancy
#     - https://learn.microsoft.com/azure/container-registry/container-registry-geo-replication
#   xref:
#     checkov: [CKV_AZURE_233]
package acr_audit.rules.acr009

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "pass", "pass", "properties.zoneRedundancy", reg.zone_redundancy) if {
	reg.zone_redundancy == "Enabled"
} else := lib.result(reg, "fail", "fail", "properties.zoneRedundancy", reg.zone_redundancy)
