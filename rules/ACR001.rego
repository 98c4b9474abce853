# METADATA
# title: Registry is not on the Premium tier
# description: |-
#   Only Premium registries support customer-managed keys, private endpoints, dedicated data endpoints,
#   IP firewall rules, retention policies and geo-replication. A Basic or Standard registry cannot be
#   closed to the public internet or encrypted with your own key. Upgrade the registry to Premium.
# custom:
#   code: ACR001
#   name: registry-sku-not-premium
#   severity: high
#   resource: registry
#   inputs: [sku]
#   reads: [sku]
#   live_only: false
#   ja:
#     title: レジストリが Premium レベルではない
#     description: |-
#       カスタマー マネージド キー、プライベート エンドポイント、専用データ エンドポイント、IP ファイアウォール規則、
#       保持ポリシー、geo レプリケーションを使えるのは Premium レジストリだけです。Basic や Standard のレジストリは
#       パブリック インターネットから切り離すことも、独自のキーで暗号化することもできません。レジストリを Premium に
#       アップグレードしてください。
#   messages:
#     pass:
#       en: The registry is Premium
#       ja: レジストリは Premium です
#     fail:
#       en: The registry is {observed}, not Premium
#       ja: レジストリは Premium ではなく {observed} です
#   remediation:
#     en: |-
#       Azure portal: open the registry's Overview, select Update, choose Premium in the SKU list, and
#       select Save. The change keeps all images and takes effect without downtime; Premium is billed at a
#       higher daily rate.
#     ja: |-
#       Azure portal: レジストリの [概要] で [更新] を選び、SKU の一覧で Premium を選んで [保存] を選びます。
#       イメージはすべて保持され、ダウンタイムなしで反映されます。Premium は日額料金が高くなります。
#     cli: |-
#       az acr update --name <registry> --sku Premium
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku = "Premium"
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         sku: {
#           name: 'Premium'
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-skus
#     - https://learn.microsoft.com/azure/container-registry/container-registry-skus#changing-tiers
#   xref:
#     azure_policy: [bd560fc0-3c69-498a-ae9f-aa8eb7de0e13]
package acr_audit.rules.acr001

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "pass", "pass", "sku.name", reg.sku) if {
	reg.sku == "Premium"
} else := lib.result(reg, "fail", "fail", "sku.name", reg.sku)
