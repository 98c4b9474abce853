# METADATA
# title: Registry retention policy for untagged manifests is disabled
# description: |-
#   Without a retention policy, untagged manifests (left behind whenever a tag is pushed again) pile up
#   for ever: storage grows, and old vulnerable images stay pullable by digest. Enable the retention
#   policy so that untagged manifests are deleted after a set number of days (Premium tier).
# custom:
#   code: ACR013
#   name: registry-retention-policy-disabled
#   severity: low
#   resource: registry
#   inputs: [sku, retention_policy]
#   reads: [sku, retention_policy]
#   live_only: false
#   ja:
#     title: レジストリでタグなしマニフェストの保持ポリシーが無効
#     description: |-
#       保持ポリシーがないと、タグを再プッシュするたびに残るタグなしマニフェストが際限なく蓄積します。ストレージが
#       増え続け、脆弱性のある古いイメージもダイジェスト指定でプルできるままになります。保持ポリシーを有効にし、
#       タグなしマニフェストが一定日数後に削除されるようにしてください（Premium レベル）。
#   messages:
#     pass:
#       en: The retention policy for untagged manifests is enabled
#       ja: タグなしマニフェストの保持ポリシーは有効です
#     fail:
#       en: The retention policy for untagged manifests is {observed}
#       ja: タグなしマニフェストの保持ポリシーが {observed} です
#     not-premium:
#       en: Retention policies need the Premium tier (the registry is {observed})
#       ja: 保持ポリシーには Premium レベルが必要です（レジストリは {observed}）
#   remediation:
#     en: |-
#       Azure portal: open the registry (Premium), select Policies > Retention, set Status to Enabled, enter
#       the number of days to keep untagged manifests (for example 7), and select Save.
#     ja: |-
#       Azure portal: レジストリ（Premium）を開き、[ポリシー] > [保持] で状態を「有効」にし、タグなしマニフェストを
#       保持する日数（例: 7）を入力して [保存] を選びます。
#     cli: |-
#       az acr config retention update --registry <registry> --status enabled --days 7 --type UntaggedManifests
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         sku                      = "Premium"
#         retention_policy_in_days = 7 # azurerm 4.x; 3.x used a retention_policy block
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           policies: {
#             retentionPolicy: {
#               status: 'enabled'
#               days: 7
#             }
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-retention-policy
#   xref:
#     checkov: [CKV_AZURE_167]
#     psrule: [Azure.ACR.Retention]
package acr_audit.rules.acr013

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "n/a", "not-premium", "sku.name", reg.sku) if {
	reg.sku != "Premium"
} else := lib.result(reg, "pass", "pass", "properties.policies.retentionPolicy.status", reg.retention_policy) if {
	reg.retention_policy == "enabled"
} else := lib.result(reg, "fail", "fail", "properties.policies.retentionPolicy.status", reg.retention_policy)
