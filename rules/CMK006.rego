# METADATA
# title: CMK RSA key is too small
# description: |-
#   An RSA key shorter than the organisation's minimum (2048 bits by default) gives less protection than
#   current guidance requires for keys that guard data at rest, and Azure Policy flags it. Create an RSA
#   key of at least the minimum size (2048, 3072 or 4096 bits) and rotate the registry to it.
# custom:
#   code: CMK006
#   name: cmk-key-size-too-small
#   severity: medium
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, chain.key]
#   live_only: false
#   parameters:
#     min-key-size: 2048
#   ja:
#     title: CMK の RSA キーのサイズが小さすぎる
#     description: |-
#       組織の最小値 (既定は 2048 ビット) より短い RSA キーは、保存データを保護するキーとして現在の推奨より
#       弱く、Azure Policy でも検出されます。最小サイズ以上 (2048、3072、4096 ビット) の RSA キーを作成し、
#       レジストリをそのキーにローテーションしてください。
#   messages:
#     pass:
#       en: 'Key {key} is {size} bits (minimum {min})'
#       ja: 'キー {key} は {size} ビットです (最小 {min})'
#     fail:
#       en: 'Key {key} is {size} bits, below the minimum of {min}'
#       ja: 'キー {key} は {size} ビットで、最小値 {min} を下回っています'
#     unknown:
#       en: 'Cannot check the key size: {reason}'
#       ja: 'キーのサイズを確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#     na-not-rsa:
#       en: 'Key {key} is not an RSA key ({kty}); see CMK005'
#       ja: 'キー {key} は RSA キーではありません ({kty})。CMK005 を参照してください'
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Keys > Generate/Import, choose Key type RSA and RSA key
#       size 3072 or 4096, and create the key. Give the registry's identity access to it, then in the
#       registry select Settings > Encryption > Change key and select the new key.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[キー] > [生成/インポート] で キーの種類に RSA、RSA キーのサイズに
#       3072 または 4096 を選んでキーを作成します。レジストリの ID にアクセス権を付与し、レジストリの
#       [設定] > [暗号化] > [キーの変更] で新しいキーを選択してください。
#     cli: |-
#       az keyvault key create --vault-name <vault> --name <new-key> --kty RSA --size 3072 --expires <yyyy-mm-ddT00:00:00Z>
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<new-key> --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         name         = "acr-cmk"
#         key_vault_id = azurerm_key_vault.kv.id
#         key_type     = "RSA"
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
#     azure_policy: [82067dbb-e53b-4e06-b631-546d197452d9]
#     mcsb: [DP-6]
package acr_audit.rules.cmk006

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

min_size := lib.param("CMK006", "min-key-size")

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := unknown(reg, lib.link_reason(kl, "CMK004")) if {
	kl := reg.chain.key
	kl.state != "ok"
} else := key_verdict(reg, lib.chain_key(reg))

key_verdict(reg, key) := unknown(reg, reason) if {
	reason := lib.key_field_unknown(key, ["kty", "key_size"])
} else := unknown(reg, sprintf("the type of key %s is not in the input", [key.name])) if {
	key.kty == null
} else := lib.result_args(reg, "n/a", "na-not-rsa", "kty", key.kty, {"key": key.name, "kty": key.kty}) if {
	not upper(key.kty) in {"RSA", "RSA-HSM"}
} else := unknown(reg, sprintf("the size of key %s is not in the input", [key.name])) if {
	key.key_size == null
} else := lib.result_args(reg, "fail", "fail", "keySize", key.key_size, {"key": key.name, "size": key.key_size, "min": min_size}) if {
	key.key_size < min_size
} else := lib.result_args(reg, "pass", "pass", "keySize", key.key_size, {"key": key.name, "size": key.key_size, "min": min_size})

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
