# METADATA
# title: Registry admin user is enabled
# description: |-
#   The admin user is a single shared account with full push and pull rights whose two passwords
#   never expire and cannot be scoped or attributed to a person. Anyone who obtains them can replace
#   images in the registry. Disable the admin user and use Microsoft Entra identities with RBAC.
# custom:
#   code: ACR007
#   name: registry-admin-user-enabled
#   severity: high
#   resource: registry
#   inputs: [admin_user_enabled]
#   reads: [admin_user_enabled]
#   live_only: false
#   ja:
#     title: レジストリの管理者ユーザーが有効
#     description: |-
#       管理者ユーザーはプッシュとプルの全権限を持つ単一の共有アカウントで、2 つのパスワードには有効期限がなく、
#       権限を絞ることも個人に紐付けることもできません。パスワードを入手した者はレジストリ内のイメージを置き換えられます。
#       管理者ユーザーを無効にし、Microsoft Entra ID の ID と RBAC を使用してください。
#   messages:
#     pass:
#       en: The admin user is disabled
#       ja: 管理者ユーザーは無効です
#     fail:
#       en: The admin user is enabled
#       ja: 管理者ユーザーが有効です
#   remediation:
#     en: |-
#       Azure portal: open the registry, select Settings > Access keys, and clear "Admin user".
#       Then move every client that used the admin credentials to a Microsoft Entra identity
#       (a managed identity or service principal with the AcrPull/AcrPush role).
#     ja: |-
#       Azure portal: レジストリを開き、[設定] > [アクセス キー] で「管理者ユーザー」をオフにします。
#       管理者資格情報を使っていたクライアントは、Microsoft Entra ID の ID（AcrPull/AcrPush ロールを
#       付与したマネージド ID またはサービス プリンシパル）に切り替えてください。
#     cli: |-
#       az acr update --name <registry> --admin-enabled false
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         # ...
#         admin_enabled = false
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         // ...
#         properties: {
#           adminUserEnabled: false
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account
#   xref:
#     azure_policy: [dc921057-6b28-4fbe-9b83-f7bec05db6c2]
#     mcsb: [IM-1]
#     checkov: [CKV_AZURE_137]
#     psrule: [Azure.ACR.AdminUser]
#     prowler: [containerregistry_admin_user_disabled]
package acr_audit.rules.acr007

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "fail", "fail", "properties.adminUserEnabled", true) if {
	reg.admin_user_enabled == true
} else := lib.result(reg, "pass", "pass", "properties.adminUserEnabled", false)
