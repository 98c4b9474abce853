# METADATA
# title: CMK key or its vault is unusable
# description: |-
#   The registry unwraps its data encryption key with the customer-managed key. If the key's vault or
#   the key was deleted, the key (or the version the registry pins) is disabled, it has expired, or it is
#   not yet valid, the registry loses access to its own data: pulls and pushes fail. Recover the deleted
#   vault or key from soft delete, enable the key, or set a new expiry date; or rotate the registry to a
#   usable key.
# custom:
#   code: CMK004
#   name: cmk-key-unusable
#   severity: critical
#   resource: registry
#   inputs: [encryption.status, encryption.key_identifier]
#   reads: [encryption.status, encryption.key, encryption.key_identifier, chain.vault, chain.key, chain.attrs]
#   live_only: false
#   ja:
#     title: CMK のキーまたはそのコンテナーが使用できない
#     description: |-
#       レジストリはカスタマー マネージド キーでデータ暗号化キーの折り返しを解除します。キーのコンテナーやキーが
#       削除された、キー (またはレジストリが固定しているバージョン) が無効、期限切れ、またはまだ有効になっていない
#       場合、レジストリは自身のデータにアクセスできなくなり、プルとプッシュが失敗します。削除されたコンテナーや
#       キーを論理的な削除から復旧する、キーを有効にする、新しい有効期限を設定する、または使用可能なキーに
#       レジストリをローテーションしてください。
#   messages:
#     pass:
#       en: 'Key {key} in vault {vault} exists, is enabled and is within its validity period'
#       ja: 'コンテナー {vault} のキー {key} は存在し、有効で、有効期間内です'
#     fail-vault-missing:
#       en: 'Vault {vault} that holds the key does not exist'
#       ja: 'キーを保持するコンテナー {vault} が存在しません'
#     fail-key-missing:
#       en: 'Key {key} does not exist in vault {vault}'
#       ja: 'コンテナー {vault} にキー {key} が存在しません'
#     fail-disabled:
#       en: 'Key {key} (version {version}) in vault {vault} is disabled'
#       ja: 'コンテナー {vault} のキー {key} (バージョン {version}) は無効です'
#     fail-expired:
#       en: 'Key {key} in vault {vault} expired on {date}'
#       ja: 'コンテナー {vault} のキー {key} は {date} に期限切れになりました'
#     fail-not-yet-valid:
#       en: 'Key {key} in vault {vault} is not valid before {date}'
#       ja: 'コンテナー {vault} のキー {key} は {date} まで有効になりません'
#     unknown:
#       en: 'Cannot check the key: {reason}'
#       ja: 'キーを確認できません: {reason}'
#     na:
#       en: 'The registry does not use a customer-managed key'
#       ja: 'レジストリはカスタマー マネージド キーを使用していません'
#   remediation:
#     en: |-
#       Azure portal: a deleted vault is listed under Key vaults > Manage deleted vaults: select it and
#       Recover. A deleted key is listed in the vault under Keys > Manage deleted keys: Recover it. For a
#       disabled or expired key, open the vault, select Keys > the key > the current version, tick
#       "Enabled", and set a later "Expiration date"; then Save. If the key cannot be recovered, create a
#       new key and, in the registry, select Settings > Encryption > Change key.
#     ja: |-
#       Azure portal: 削除されたコンテナーは [キー コンテナー] > [削除されたコンテナーの管理] にあります。選択して
#       [回復] を実行します。削除されたキーはコンテナーの [キー] > [削除されたキーの管理] から回復します。
#       無効または期限切れのキーは、コンテナーの [キー] > 対象のキー > 現在のバージョンを開き、「有効」をオンにして
#       より後の「有効期限」を設定し、保存します。キーを回復できない場合は新しいキーを作成し、レジストリの
#       [設定] > [暗号化] > [キーの変更] で切り替えてください。
#     cli: |-
#       az keyvault recover --name <vault>                              # vault in soft delete
#       az keyvault key recover --vault-name <vault> --name <key>       # key in soft delete
#       az keyvault key set-attributes --vault-name <vault> --name <key> \
#         --enabled true --expires <yyyy-mm-ddT00:00:00Z>
#       # or move the registry to a usable key:
#       az acr encryption rotate-key --name <registry> \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key> --identity <identityClientId>
#     terraform: |-
#       resource "azurerm_key_vault_key" "acr" {
#         name            = "acr-cmk"
#         key_vault_id    = azurerm_key_vault.kv.id
#         key_type        = "RSA"
#         key_size        = 3072
#         key_opts        = ["wrapKey", "unwrapKey"]
#         expiration_date = "2027-06-01T00:00:00Z"
#         not_before_date = null
#       }
#     bicep: |-
#       resource key 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
#         parent: kv
#         name: 'acr-cmk'
#         properties: {
#           kty: 'RSA'
#           keySize: 3072
#           keyOps: [ 'wrapKey', 'unwrapKey' ]
#           attributes: {
#             enabled: true
#             exp: keyExpiry   // Unix seconds, a date in the future
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
#     - https://learn.microsoft.com/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
#     - https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery
#     - https://learn.microsoft.com/azure/key-vault/keys/about-keys
#   xref:
#     mcsb: [DP-5, DP-6]
package acr_audit.rules.cmk004

import data.acr_audit.lib
import rego.v1

results := [verdict(reg) | some reg in lib.registries]

path := "properties.encryption.keyVaultProperties.keyIdentifier"

verdict(reg) := lib.result(reg, "n/a", "na", "properties.encryption.status", reg.encryption.status) if {
	reg.encryption.status != "enabled"
} else := lib.result_args(reg, "fail", "fail-vault-missing", path, reg.encryption.key_identifier, {"vault": reg.encryption.key.vault}) if {
	reg.chain.vault.state == "broken"
} else := unknown(reg, reg.chain.vault.reason) if {
	reg.chain.vault.state == "unknown"
} else := lib.result_args(reg, "fail", "fail-key-missing", path, reg.encryption.key_identifier, names(reg)) if {
	reg.chain.key.state == "broken"
} else := unknown(reg, reg.chain.key.reason) if {
	reg.chain.key.state == "unknown"
} else := attribute_verdict(reg, lib.chain_key(reg))

attribute_verdict(reg, key) := unknown(reg, reason) if {
	reason := lib.key_field_unknown(key, ["enabled", "exp", "nbf"])
} else := unknown(reg, sprintf("whether version %s of key %s is enabled is not in the input", [a.version, key.name])) if {
	a := reg.chain.attrs
	a.enabled == null
} else := lib.result_args(reg, "fail", "fail-disabled", "attributes.enabled", false, object.union(names(reg), {"version": version_label(a)})) if {
	a := reg.chain.attrs
	a.enabled == false
} else := lib.result_args(reg, "fail", "fail-expired", "attributes.exp", a.exp, object.union(names(reg), {"date": a.exp})) if {
	a := reg.chain.attrs
	a.exp != null
	a.exp < lib.now
} else := lib.result_args(reg, "fail", "fail-not-yet-valid", "attributes.nbf", a.nbf, object.union(names(reg), {"date": a.nbf})) if {
	a := reg.chain.attrs
	a.nbf != null
	a.nbf > lib.now
} else := lib.result_args(reg, "pass", "pass", "attributes.enabled", true, names(reg))

names(reg) := {"key": reg.encryption.key.name, "vault": reg.encryption.key.vault}

version_label(a) := a.version if a.version != null

else := "current"

unknown(reg, reason) := lib.result_args(reg, "unknown", "unknown", path, reg.encryption.key_identifier, {"reason": reason})
