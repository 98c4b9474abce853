# METADATA
# title: Key vault firewall blocks the registry's access to its key
# description: |-
#   The vault restricts network access but does not let trusted Azure services through its firewall.
#   A registry encrypted with a key from this vault reaches a firewalled vault only as a trusted service
#   (with its system-assigned identity), so it cannot unwrap its data: pulls and pushes fail. Set the
#   vault's firewall bypass to AzureServices ("Allow trusted Microsoft services to bypass this firewall").
# custom:
#   code: KV004
#   name: vault-firewall-blocks-trusted-services
#   severity: high
#   resource: vault
#   inputs: [public_network_access, network_default_action, network_bypass]
#   live_only: false
#   ja:
#     title: キー コンテナーのファイアウォールがレジストリからのキーへのアクセスを遮断している
#     description: |-
#       キー コンテナーはネットワーク アクセスを制限していますが、信頼された Azure サービスにファイアウォールの
#       バイパスを許可していません。このコンテナーのキーで暗号化されたレジストリは信頼されたサービスとして
#       コンテナーに接続するため、データをラップ解除できず、プルとプッシュが失敗します。ファイアウォールの
#       バイパスを AzureServices（「信頼された Microsoft サービスがこのファイアウォールをバイパスすることを許可する」）
#       に設定してください。
#   messages:
#     pass:
#       en: Trusted Azure services may bypass the vault firewall
#       ja: 信頼された Azure サービスはキー コンテナーのファイアウォールをバイパスできます
#     fail:
#       en: The vault restricts network access and its firewall bypass is {observed}, not AzureServices
#       ja: キー コンテナーはネットワーク アクセスを制限しており、ファイアウォールのバイパスが AzureServices ではなく {observed} です
#     not-restricted:
#       en: The vault does not restrict network access
#       ja: キー コンテナーはネットワーク アクセスを制限していません
#     unknown:
#       en: "Cannot judge the vault: {reason}"
#       ja: "キー コンテナーを判定できません: {reason}"
#   remediation:
#     en: |-
#       Azure portal: open the key vault, select Settings > Networking, and on the "Firewalls and virtual
#       networks" tab select "Allow trusted Microsoft services to bypass this firewall". Select Apply.
#       A registry passes the firewall as a trusted service only with its system-assigned identity: enable
#       that identity on the registry, grant it get, wrapKey and unwrapKey on the key, and switch the
#       registry's encryption to it (Registry > Settings > Encryption > Change key, Identity: System assigned).
#     ja: |-
#       Azure portal: キー コンテナーを開き、[設定] > [ネットワーク] の [ファイアウォールと仮想ネットワーク] タブで
#       「信頼された Microsoft サービスがこのファイアウォールをバイパスすることを許可する」を選択し、[適用] を
#       選びます。レジストリが信頼されたサービスとしてファイアウォールを通過できるのはシステム割り当てマネージド ID
#       を使う場合だけです。レジストリでシステム割り当て ID を有効にし、キーに対する get、wrapKey、unwrapKey の
#       権限を付与して、暗号化に使う ID をそれに切り替えてください（レジストリ > [設定] > [暗号化] > [キーの変更]、
#       ID: システム割り当て）。
#     cli: |-
#       az keyvault update --name <vault> --resource-group <rg> --bypass AzureServices
#       # the registry must use its system-assigned identity to pass as a trusted service:
#       az acr identity assign --name <registry> --identities [system]
#       az keyvault set-policy --name <vault> --key-permissions get wrapKey unwrapKey \
#         --object-id $(az acr identity show --name <registry> --query principalId -o tsv)
#       az acr encryption rotate-key --name <registry> --identity [system] \
#         --key-encryption-key https://<vault>.vault.azure.net/keys/<key>
#     terraform: |-
#       resource "azurerm_key_vault" "kv" {
#         # ...
#         network_acls {
#           default_action = "Deny"
#           bypass         = "AzureServices"
#         }
#       }
#     bicep: |-
#       resource kv 'Microsoft.KeyVault/vaults@2024-11-01' = {
#         // ...
#         properties: {
#           networkAcls: {
#             defaultAction: 'Deny'
#             bypass: 'AzureServices'
#           }
#         }
#       }
#   references:
#     - https://learn.microsoft.com/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
#     - https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints#trusted-services
#   xref:
#     mcsb: [NS-2]
package acr_audit.rules.kv004

import data.acr_audit.lib
import rego.v1

results := [verdict(v) | some v in lib.audited_vaults]

verdict(v) := lib.result_args(v, "unknown", "unknown", "properties.networkAcls.bypass", null, {"reason": reason}) if {
	reason := lib.vault_unreadable_reason(v)
} else := lib.result(v, "n/a", "not-restricted", "properties.networkAcls.defaultAction", v.network_default_action) if {
	not lib.network_restricted(v)
} else := lib.result(v, "pass", "pass", "properties.networkAcls.bypass", v.network_bypass) if {
	v.network_bypass == "AzureServices"
} else := lib.result(v, "fail", "fail", "properties.networkAcls.bypass", v.network_bypass)
