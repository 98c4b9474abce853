# Shared helpers for the network, private-link, logging and vault-posture rules (ACR0xx, KV0xx).
# Same package as acr_audit.rego, so rules call them as `lib.<name>`.
package acr_audit.lib

import rego.v1

# Whether a registry or a vault restricts network access: public access is off, or the firewall's
# default action denies (both records use the same field names and canonical values).
network_restricted(res) if res.public_network_access == "Disabled"

network_restricted(res) if res.network_default_action == "Deny"

# Why an audited vault's own properties cannot be judged; undefined when they can. An audited vault
# holds a scanned registry's key and may lie outside what could be read: its KV results are then
# unknown, never a pass.
vault_unreadable_reason(v) := sprintf("vault %s does not exist", [v.name]) if {
	v.exists == false
} else := sprintf("vault %s could not be read: %s", [v.name, v.unreadable]) if {
	v.unreadable != null
} else := sprintf("vault %s is not in the scanned data: outside what could be read", [v.name]) if {
	not v.described
}

# The private endpoint connections of a registry or vault that are approved (Pending, Rejected and
# Disconnected ones carry no traffic).
approved_connections(res) := [c | some c in res.private_endpoint_connections; c.status == "Approved"]

# The statuses of all of a resource's private endpoint connections, for evidence.
connection_statuses(res) := [c.status | some c in res.private_endpoint_connections]

# Every enabled log category and category group (lower-case) over all of a resource's diagnostic
# settings. Only meaningful when `diagnostic_settings` is not null (they were collected).
enabled_log_categories(res) := {c | some s in res.diagnostic_settings; some c in s.enabled_categories}

# Names of the diagnostic settings that enable any of `wanted` (lower-case).
settings_enabling(res, wanted) := {s.name |
	some s in res.diagnostic_settings
	some c in s.enabled_categories
	c in wanted
}

# The private DNS zone an approved endpoint of a registry must be linked to (lower-case).
registry_private_dns_zone := lower(input.context.private_dns_zone)
