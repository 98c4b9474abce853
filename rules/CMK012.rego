# METADATA
# title: CMK vault is in another region than the registry
# description: |-
#   Azure Container Registry expects the Key Vault that holds its customer-managed key in the registry's
#   region. A vault elsewhere adds a cross-region dependency: an outage or network problem in the other
#   region can cut the registry off from its key, and data-residency commitments may be broken. Create a
#   vault and key in the registry's region and rotate the registry to that key.
# custom:
#   code: CMK012
#   name: cmk-vault-region-mismatch
#   severity: low
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier, location]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, location]
#   live_only: false
#   ja:
#     title: CMK のコンテナーがレジストリと別のリージョンにある
#     description: |-
#       Azure Container Registry は、カスタマー マネージド キーを保持する Key Vault がレジストリと同じリージョンに
#       あることを前提としています。別リージョンのコンテナーはリージョンをまたぐ依存関係を生み、そのリージョンの障害や
#       ネットワークの問題でレジストリがキーにアクセスできなくなるおそれがあり、データ所在地の要件にも反する
#       可能性があります。レジストリのリージョンにコンテナーとキーを作成し、レジストリをそのキーにローテーションしてください。
#   messages:
#     pass:
#       en: 'Vault {vault} is in the registry region {region}'
#       ja: 'コンテナー {vault} はレジストリと同じリージョン {region} にあります'
#     fail:
#       en: 'Vault {vault} is in {vault_region}, the registry in {region}'
#       ja: 'コンテナー {vault} は {vault_region} に、レジストリは {region} にあります'
#     unknown:
#       en: 'Cannot compare regions: {reason}'
#       ja: 'リージョンを比較できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       A vault cannot be moved to another region. Azure portal: create a key vault in the registry's region
#       (with soft delete and purge protection), create an RSA key in it, give the registry's identity access
#       to the key, then in the registry select Settings > Encryption > Change key and select the new vault
#       and key.
#     ja: |-
#       コンテナーを別のリージョンに移動することはできません。Azure portal: レジストリのリージョンに (論理的な削除と
#       消去保護を有効にした) キー コンテナーを作成し、RSA キーを作成してレジストリの ID にアクセス権を付与し、
#       レジストリの [設定] > [暗号化] > [キーの変更] で新しいコンテナーとキーを選択してください。
#     cli: |-
#       az keyvault create --name <new-vault> --resource-group <rg> --location <registry-region> --enable-purge-protection true
#       az keyvault key create --vault-name <new-vault> --name <key> --kty RSA --size 3072 --expires <yyyy-mm-ddT00:00:00Z>
#       az role assignment create --role "Key Vault Crypto Service Encryption User" \
#         --assignee-object-id <identityPrincipalId> --assignee-principal-type ServicePrincipal \
#         --scope <newVaultResourceId>
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<new-vault>.vault.azure.net/keys/<key> --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_key_vault" "acr" {
#         name                     = "kv-acr-cmk"
#         location                 = azurerm_container_registry.acr.location   # same region
#         resource_group_name      = var.resource_group_name
#         tenant_id                = data.azurerm_client_config.current.tenant_id
#         sku_name                 = "premium"
#         purge_protection_enabled = true
#         rbac_authorization_enabled = true
#       }
#     bicep: |-
#       resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {
#         name: vaultName
#         location: acr.location   // same region as the registry
#         properties: {
#           tenantId: subscription().tenantId
#           sku: { family: 'A', name: 'premium' }
#           enableRbacAuthorization: true
#           enablePurgeProtection: true
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys
#   xref:
#     mcsb: [DP-5]
package acr_audit.rules.cmk012

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := unknown(reg, lib.link_reason(vl, "CMK004")) if {
	vl := reg.chain.vault
	vl.state != "ok"
} else := unknown(reg, sprintf("the location of vault %s is not in the input", [reg.encryption.key.vault])) if {
	input.vaults[reg.encryption.key.vault].location == null
} else := unknown(reg, "the location of the registry is not in the input") if {
	reg.location == ""
} else := lib.result_args(reg, "fail", "fail", "location", v.location, {"vault": v.name, "vault_region": v.location, "region": reg.location}) if {
	v := input.vaults[reg.encryption.key.vault]
	v.location != reg.location
} else := lib.result_args(reg, "pass", "pass", "location", reg.location, {"vault": input.vaults[reg.encryption.key.vault].name, "region": reg.location})

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
