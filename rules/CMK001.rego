# METADATA
# title: Registry is not encrypted with a customer-managed key
# description: |-
#   Without a customer-managed key (CMK) the registry's content is encrypted only with a
#   Microsoft-managed key: you cannot revoke access to the data, prove key custody, or rotate the key
#   on your own schedule, which many compliance regimes require. CMK can only be enabled when a
#   registry is created (Premium SKU): create a new Premium registry with a customer-managed key in
#   Azure Key Vault and import the images into it.
# custom:
#   code: CMK001
#   name: cmk-encryption-disabled
#   severity: high
#   resource: registry
#   inputs: [encryption.status]
#   reads: [encryption.status, encryption.key_identifier]
#   live_only: false
#   ja:
#     title: レジストリがカスタマー マネージド キーで暗号化されていない
#     description: |-
#       カスタマー マネージド キー (CMK) がない場合、レジストリの内容は Microsoft マネージド キーでのみ暗号化されます。
#       データへのアクセスを取り消すことも、キーの管理を証明することも、独自のスケジュールでキーをローテーションすることもできず、
#       多くのコンプライアンス要件を満たせません。CMK はレジストリの作成時 (Premium SKU) にしか有効にできません。
#       Azure Key Vault のカスタマー マネージド キーを使う Premium レジストリを新しく作成し、イメージをインポートしてください。
#   messages:
#     pass:
#       en: 'The registry is encrypted with a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーで暗号化されています'
#     fail:
#       en: 'The registry is encrypted only with a Microsoft-managed key (encryption status: {observed})'
#       ja: 'レジストリは Microsoft マネージド キーでのみ暗号化されています (暗号化の状態: {observed})'
#     unknown:
#       en: 'Encryption is not enabled, but the key identifier cannot be determined: {reason}'
#       ja: '暗号化は有効ではありませんが、キー識別子を特定できません: {reason}'
#   remediation:
#     en: |-
#       CMK cannot be turned on for an existing registry. Azure portal: create a user-assigned managed
#       identity; in Key Vault create an RSA key (2048 bits or more) and give the identity Get, Wrap Key
#       and Unwrap Key on keys (access policy) or the "Key Vault Crypto Service Encryption User" role (RBAC).
#       Then create a new registry (Create a resource > Container Registry) with SKU Premium and, on the
#       Encryption tab, select "Customer-managed key", the identity and the key (versionless, for automatic
#       rotation). Import the images from the old registry (az acr import), switch clients to the new
#       login server, and delete the old registry.
#     ja: |-
#       既存のレジストリで CMK を有効にすることはできません。Azure portal: ユーザー割り当てマネージド ID を作成し、
#       Key Vault で RSA キー (2048 ビット以上) を作成して、その ID にキーの「取得」「キーを折り返す」「キーの折り返しを解除」
#       (アクセス ポリシー) または「Key Vault Crypto Service Encryption User」ロール (RBAC) を付与します。
#       次に [リソースの作成] > [Container Registry] で SKU を Premium にして新しいレジストリを作成し、[暗号化] タブで
#       「カスタマー マネージド キー」、ID、キー (自動ローテーションのためバージョンなし) を選択します。
#       旧レジストリからイメージをインポート (az acr import) し、クライアントを新しいログイン サーバーに切り替えてから、
#       旧レジストリを削除してください。
#     cli: |-
#       az identity create --resource-group <rg> --name <identity>
#       az keyvault key create --vault-name <vault> --name <key> --kty RSA --size 3072 --expires <yyyy-mm-ddT00:00:00Z>
#       az keyvault set-policy --name <vault> --object-id <identityPrincipalId> --key-permissions get wrapKey unwrapKey
#       az acr create --resource-group <rg> --name <new-registry> --sku Premium \
#         --identity <identityResourceId> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key>
#       az acr import --name <new-registry> --source <old-registry>.azurecr.io/<repo>:<tag> --image <repo>:<tag>
#     terraform: |-
#       resource "azurerm_container_registry" "acr" {
#         name                = var.registry_name
#         resource_group_name = var.resource_group_name
#         location            = var.location
#         sku                 = "Premium"
#
#         identity {
#           type         = "UserAssigned"
#           identity_ids = [azurerm_user_assigned_identity.acr.id]
#         }
#
#         encryption {
#           key_vault_key_id   = azurerm_key_vault_key.acr.versionless_id
#           identity_client_id = azurerm_user_assigned_identity.acr.client_id
#         }
#       }
#     bicep: |-
#       resource acr 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
#         name: registryName
#         location: location
#         sku: { name: 'Premium' }
#         identity: {
#           type: 'UserAssigned'
#           userAssignedIdentities: { '${uami.id}': {} }
#         }
#         properties: {
#           encryption: {
#             status: 'enabled'
#             keyVaultProperties: {
#               identity: uami.properties.clientId
#               keyIdentifier: key.properties.keyUri
#             }
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/container-registry-import-images
#   xref:
#     azure_policy: [5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580]
#     mcsb: [DP-5]
#     steampipe: [container_registry_encrypted_with_cmk]
package acr_audit.rules.cmk001

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

verdict(reg) := lib.result(reg, "pass", "pass", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status == "enabled"
} else := lib.result_args(reg, "unknown", "unknown", "properties.encryption.keyVaultProperties.keyIdentifier", null, {"reason": reason}) if {
	# A key identifier makes the registry a CMK registry whatever its status says; an unresolved one
	# leaves the answer open.
	reason := reg.unknown["encryption.key_identifier"]
} else := lib.result(reg, "fail", "fail", "properties.encryption.status", reg.encryption.status)
