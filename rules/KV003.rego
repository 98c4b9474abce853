# METADATA
# title: Key vault holding a registry key is open to public networks
# description: |-
#   The vault that holds a registry's encryption key accepts connections from any public network:
#   its key management endpoints are exposed to password spraying, token replay and data-plane attacks
#   from anywhere. Disable public network access (reach the vault through a private endpoint), or set
#   the firewall's default action to Deny and allow only the addresses that need it.
# custom:
#   code: KV003
#   name: vault-public-network-access-enabled
#   severity: medium
#   resource: vault
#   inputs: [public_network_access, network_default_action]
#   live_only: false
#   ja:
#     title: レジストリのキーを保持するキー コンテナーがパブリック ネットワークに公開されている
#     description: |-
#       レジストリの暗号化キーを保持するキー コンテナーが、あらゆるパブリック ネットワークからの接続を受け付けます。
#       キー管理のエンドポイントが、どこからでもパスワード スプレー、トークンの再利用、データ プレーンへの攻撃に
#       さらされます。パブリック ネットワーク アクセスを無効にする（プライベート エンドポイント経由で接続する）か、
#       ファイアウォールの既定のアクションを Deny にして必要なアドレスだけを許可してください。
#   messages:
#     pass:
#       en: "Public network access is restricted (publicNetworkAccess {public}, defaultAction {action})"
#       ja: "パブリック ネットワーク アクセスは制限されています（publicNetworkAccess {public}、defaultAction {action}）"
#     fail:
#       en: Public network access is enabled and the firewall's default action is Allow
#       ja: パブリック ネットワーク アクセスが有効で、ファイアウォールの既定のアクションが Allow です
#     unknown:
#       en: "Cannot judge the vault: {reason}"
#       ja: "キー コンテナーを判定できません: {reason}"
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Settings > Networking, and on the "Firewalls and virtual
#       networks" tab choose "Disable public access" (with a private endpoint), or "Allow public access
#       from specific virtual networks and IP addresses" and add only the networks that need the vault.
#       Keep "Allow trusted Microsoft services to bypass this firewall" selected so the registry can reach
#       its key. Select Apply.
#     ja: |-
#       Azure portal: キー コンテナーを開き、[設定] > [ネットワーク] の [ファイアウォールと仮想ネットワーク] タブで
#       「パブリック アクセスを無効にする」（プライベート エンドポイントと併用）を選ぶか、「特定の仮想ネットワークと
#       IP アドレスからのパブリック アクセスを許可する」を選んで必要なネットワークだけを追加します。
#       レジストリがキーに到達できるよう「信頼された Microsoft サービスがこのファイアウォールをバイパスすることを
#       許可する」はオンのままにし、[適用] を選びます。
#     cli: |-
#       # Either close public access entirely (use a private endpoint) ...
#       az keyvault update --name <vault> --resource-group <rg> --public-network-access Disabled
#       # ... or deny by default, keep trusted services, and allow selected addresses
#       az keyvault update --name <vault> --resource-group <rg> --default-action Deny --bypass AzureServices
#       az keyvault network-rule add --name <vault> --resource-group <rg> --ip-address 203.0.113.0/24
#     terraform: |-
#       resource "azurerm_key_vault" "kv" {
#         # ...
#         public_network_access_enabled = false
#         network_acls {
#           default_action = "Deny"
#           bypass         = "AzureServices"
#           ip_rules       = []
#         }
#       }
#     bicep: |-
#       resource kv 'Microsoft.KeyVault/vaults@2024-11-01' = {
#         // ...
#         properties: {
#           publicNetworkAccess: 'Disabled'
#           networkAcls: {
#             defaultAction: 'Deny'
#             bypass: 'AzureServices'
#             ipRules: []
#             virtualNetworkRules: []
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/key-vault/general/network-security
#     - https://learn.microsoft.com/azure/key-vault/general/private-link-service
#   xref:
#     azure_policy: [55615ac9-af46-4a59-874e-391cc3dfb490, 405c5871-3e91-4644-8a63-58e19d68ff5b]
#     mcsb: [NS-2]
#     checkov: [CKV_AZURE_109, CKV_AZURE_189]
package acr_audit.rules.kv003

import data.acr_audit.lib
import rego.v1

results := [verdict(v) | some v in lib.audited_vaults]

verdict(v) := lib.result_args(v, "unknown", "unknown", "properties.publicNetworkAccess", null, {"reason": reason}) if {
	reason := lib.vault_unreadable_reason(v)
} else := lib.result_args(v, "pass", "pass", "properties.publicNetworkAccess", v.public_network_access, args) if {
	lib.network_restricted(v)
	args := {"public": v.public_network_access, "action": v.network_default_action}
} else := lib.result(v, "fail", "fail", "properties.networkAcls.defaultAction", v.network_default_action)
