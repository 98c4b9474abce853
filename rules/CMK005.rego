# METADATA
# title: CMK key type is not supported by Azure Container Registry
# description: |-
#   Azure Container Registry wraps its data encryption key with an RSA key only. A registry pointed at an
#   elliptic-curve (EC) or other non-RSA key cannot use it, so the encryption set-up or a later key
#   rotation fails. Use an RSA or RSA-HSM key of 2048 bits or more.
# custom:
#   code: CMK005
#   name: cmk-key-type-unsupported
#   severity: high
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, chain.key]
#   live_only: false
#   ja:
#     title: CMK のキーの種類が Azure Container Registry でサポートされていない
#     description: |-
#       Azure Container Registry は RSA キーでのみデータ暗号化キーを折り返します。楕円曲線 (EC) などの RSA 以外の
#       キーを指定したレジストリはそのキーを使用できず、暗号化の設定や後のキー ローテーションが失敗します。
#       2048 ビット以上の RSA または RSA-HSM キーを使用してください。
#   messages:
#     pass:
#       en: 'Key {key} is of type {kty}'
#       ja: 'キー {key} の種類は {kty} です'
#     fail:
#       en: 'Key {key} is of type {kty}; ACR supports only RSA and RSA-HSM keys'
#       ja: 'キー {key} の種類は {kty} です。ACR は RSA と RSA-HSM のキーのみをサポートします'
#     unknown:
#       en: 'Cannot check the key type: {reason}'
#       ja: 'キーの種類を確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Keys > Generate/Import, choose Key type RSA and RSA key
#       size 3072 (or 2048/4096), and create the key. Give the registry's identity access to it, then in
#       the registry select Settings > Encryption > Change key and select the new key.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[キー] > [生成/インポート] で キーの種類に RSA、RSA キーのサイズに
#       3072 (または 2048/4096) を選んでキーを作成します。レジストリの ID にアクセス権を付与し、レジストリの
#       [設定] > [暗号化] > [キーの変更] で新しいキーを選択してください。
#     cli: |-
#       az keyvault key create --vault-name <vault> --name <key> --kty RSA --size 3072 --expires <yyyy-mm-ddT00:00:00Z>
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key> --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         name         = "acr-cmk"
#         key_vault_id = azurerm_key_vault.kv.id
#         key_type     = "RSA"   # or "RSA-HSM" on a Premium vault
#         key_size     = 3072
#         key_opts     = ["wrapKey", "unwrapKey"]
#       }
#     bicep: |-
#       resource key 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
#         parent: kv
#         name: 'acr-cmk'
#         properties: {
#           kty: 'RSA'
#           keySize: 3072
#           keyOps: [ 'wrapKey', 'unwrapKey' ]
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys
#     - https://learn.microsoft.com/azure/key-vault/keys/about-keys
#   xref:
#     mcsb: [DP-5]
package acr_audit.rules.cmk005

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

supported := {"RSA", "RSA-HSM"}

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := unknown(reg, lib.link_reason(kl, "CMK004")) if {
	kl := reg.chain.key
	kl.state != "ok"
} else := key_verdict(reg, lib.chain_key(reg))

key_verdict(reg, key) := unknown(reg, reason) if {
	reason := lib.key_field_unknown(key, ["kty"])
} else := unknown(reg, sprintf("the type of key %s is not in the input", [key.name])) if {
	key.kty == null
} else := lib.result_args(reg, "pass", "pass", "kty", key.kty, {"key": key.name, "kty": key.kty}) if {
	upper(key.kty) in supported
} else := lib.result_args(reg, "fail", "fail", "kty", key.kty, {"key": key.name, "kty": key.kty})

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
