# METADATA
# title: Registry allows anonymous pull
# description: |-
#   Anonymous (unauthenticated) pull access lets anyone who can reach the registry list and pull every
#   image, including internal code, configuration and any secret baked into a layer. Disable anonymous pull
#   and give readers an identity with the AcrPull role.
# custom:
#   code: ACR008
#   name: registry-anonymous-pull-enabled
#   severity: high
#   resource: registry
#   inputs: [anonymous_pull_enabled]
#   reads: [anonymous_pull_enabled]
#   live_only: false
#   ja:
#     title: レジストリで匿名プルが有効
#     description: |-
#       匿名（未認証）のプル アクセスでは、レジストリに到達できる誰もがすべてのイメージを一覧表示してプルできます。
#       社内のコード、構成、レイヤーに含まれたシークレットも取得されます。匿名プルを無効にし、読み取る側には
#       AcrPull ロールを持つ ID を与えてください。
#   messages:
#     pass:
#       en: Anonymous pull is disabled
#       ja: 匿名プルは無効です
#     fail:
#       en: Anonymous pull is enabled
#       ja: 匿名プルが有効です
#   remediation:
#     en: |-
#       Azure portal: Microsoft documents this setting for the Azure CLI only; run the command below (Cloud
#       Shell in the portal works), then confirm on the registry's Overview > JSON View that
#       anonymousPullEnabled is false. Give every client that pulled anonymously an identity with the
#       AcrPull role.
#     ja: |-
#       Azure portal: この設定は Azure CLI での手順のみが公開されています。下記のコマンドを実行し（ポータルの
#       Cloud Shell でも実行できます）、レジストリの [概要] > [JSON ビュー] で anonymousPullEnabled が false に
#       なったことを確認します。匿名でプルしていたクライアントには AcrPull ロールを持つ ID を与えてください。
#     cli: |-
#       az acr update --name <registry> --anonymous-pull-enabled false
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         anonymous_pull_enabled = false
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           anonymousPullEnabled: false
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/anonymous-pull-access
#   xref:
#     azure_policy: [9f2dea28-e834-476c-99c5-3507b4728395]
#     checkov: [CKV_AZURE_138]
#     psrule: [Azure.ACR.AnonymousAccess]
package acr_audit.rules.acr008

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "fail", "fail", "properties.anonymousPullEnabled", true) if {
	reg.anonymous_pull_enabled == true
} else := lib.result(reg, "pass", "pass", "properties.anonymousPullEnabled", false)
