# Shared helpers for acr-audit rules: result construction, parameters, and the links of the
# customer-managed-key chain (registry → identity → vault permission → key → vault).
#
# Every chain helper answers an object with a `state`:
#   "ok"      the link holds, with the linked record (`identity`, `vault`, `key`);
#   "broken"  the link is established to be broken, with `reason`;
#   "unknown" the data needed to decide was not visible, with `reason`.
# A rule turns "broken" into fail and "unknown" into unknown, so an unreadable vault can never pass.
package acr_audit.lib

import rego.v1

# One result of a rule for one resource. `msg` names an entry of the rule's `custom.messages`;
# `args` fills its `{placeholders}` (and `{observed}` is always available).
result(res, status, msg, path, observed) := {
	"resource": resource_id(res),
	"status": status,
	"message": msg,
	"path": path,
	"observed": observed,
	"args": {},
}

result_args(res, status, msg, path, observed, args) := {
	"resource": resource_id(res),
	"status": status,
	"message": msg,
	"path": path,
	"observed": observed,
	"args": args,
}

# A vault known only by name (a key identifier names it, nothing described it) has no ARM ID.
resource_id(res) := res.id if res.id != null

else := res.name

# A rule parameter, as set in acr-audit.toml or else the default in the rule's metadata.
param(code, name) := input.context.params[code][name]

# Unix seconds of the moment the scan evaluates ("now", or --as-of).
now := input.context.now

day := 86400

# The registries and the vaults the rules evaluate.
registries := input.registries

audited_vaults := [v | some v in input.vaults; v.audited]

cmk_enabled(reg) if reg.encryption.status == "enabled"

# ---- link 1: the identity named by keyVaultProperties.identity (a clientId) ----------------------
identity_link(reg) := {"state": "unknown", "reason": "the registry's identity block is not in the input"} if {
	reg.identity == null
} else := {"state": "broken", "reason": "keyVaultProperties.identity (the clientId of the CMK identity) is not set"} if {
	reg.encryption.identity_client_id == null
} else := {"state": "ok", "identity": {"kind": "user-assigned", "id": u.id, "principal_id": u.principal_id, "client_id": u.client_id}} if {
	some u in reg.identity.user_assigned
	u.client_id != null
	u.client_id == reg.encryption.identity_client_id
} else := {"state": "ok", "identity": {"kind": "system-assigned", "id": "system", "principal_id": reg.identity.system_principal_id, "client_id": reg.encryption.identity_client_id}} if {
	reg.identity.system_assigned
	reg.identity.system_principal_id != null
	reg.encryption.identity_client_id == reg.identity.system_principal_id
} else := {"state": "unknown", "reason": "the registry has a system-assigned identity whose clientId ARM does not report"} if {
	reg.identity.system_assigned
} else := {"state": "unknown", "reason": sprintf("the clientId of user-assigned identity %s is not in the input", [u.id])} if {
	some u in reg.identity.user_assigned
	u.client_id == null
} else := {"state": "broken", "reason": sprintf("no identity attached to the registry has clientId %v", [reg.encryption.identity_client_id])}

# ---- link 2: the vault named by the key identifier's host -----------------------------------------
vault_link(reg) := {"state": "unknown", "reason": "the key identifier is not a Key Vault key URI"} if {
	reg.encryption.key == null
} else := {"state": "unknown", "reason": sprintf("vault %s is not in the scanned data: outside what could be read", [reg.encryption.key.vault])} if {
	not input.vaults[reg.encryption.key.vault]
} else := {"state": "broken", "reason": sprintf("vault %s does not exist", [reg.encryption.key.vault]), "vault": v} if {
	v := input.vaults[reg.encryption.key.vault]
	v.exists == false
} else := {"state": "unknown", "reason": sprintf("vault %s not readable: %s", [reg.encryption.key.vault, v.unreadable])} if {
	v := input.vaults[reg.encryption.key.vault]
	v.unreadable != null
} else := {"state": "unknown", "reason": sprintf("vault %s is not in the scanned data: outside what could be read", [reg.encryption.key.vault])} if {
	v := input.vaults[reg.encryption.key.vault]
	not v.described
} else := {"state": "ok", "vault": input.vaults[reg.encryption.key.vault]}

# ---- link 3: the key inside that vault ------------------------------------------------------------
# Only meaningful where vault_link(reg).state == "ok" or "broken" (a missing vault has no key).
key_link(reg) := {"state": "broken", "reason": vl.reason} if {
	vl := vault_link(reg)
	vl.state == "broken"
} else := {"state": "unknown", "reason": vl.reason} if {
	vl := vault_link(reg)
	vl.state == "unknown"
} else := {"state": "unknown", "reason": sprintf("key %s in vault %s is not in the scanned data", [reg.encryption.key.name, reg.encryption.key.vault])} if {
	not input.vaults[reg.encryption.key.vault].keys[reg.encryption.key.name]
} else := {"state": "broken", "reason": sprintf("key %s does not exist in vault %s", [reg.encryption.key.name, reg.encryption.key.vault])} if {
	input.vaults[reg.encryption.key.vault].keys[reg.encryption.key.name].exists == false
} else := {"state": "unknown", "reason": sprintf("key %s not readable: %s", [reg.encryption.key.name, k.unreadable])} if {
	k := input.vaults[reg.encryption.key.vault].keys[reg.encryption.key.name]
	k.unreadable != null
} else := {"state": "unknown", "reason": sprintf("key %s in vault %s was not read", [reg.encryption.key.name, reg.encryption.key.vault])} if {
	k := input.vaults[reg.encryption.key.vault].keys[reg.encryption.key.name]
	k.exists == null
} else := {"state": "ok", "key": input.vaults[reg.encryption.key.vault].keys[reg.encryption.key.name]}

# The key version the registry uses: the pinned one, else the key's current version. Undefined when
# that version is not in the scanned data.
version_in_use(reg, key) := key.versions[reg.encryption.key.version] if {
	reg.encryption.key.version != null
} else := key.versions[key.current_version] if {
	reg.encryption.key.version == null
	key.current_version != null
}

# ---- RBAC: data actions granted by a role, with wildcards ----------------------------------------
# Built-in roles that grant keys read + wrap + unwrap, for when the role definitions were not read.
cmk_builtin_roles := {
	"e147488a-f6f5-4113-8e2d-b22465e65bf6", # Key Vault Crypto Service Encryption User
	"14b46e9e-c2b7-41b4-b07b-48a6ebf60603", # Key Vault Crypto Officer
	"00482a5a-887f-4fb3-b363-3b7fe8e74483", # Key Vault Administrator
}

cmk_data_actions := [
	"microsoft.keyvault/vaults/keys/read",
	"microsoft.keyvault/vaults/keys/wrap/action",
	"microsoft.keyvault/vaults/keys/unwrap/action",
]

# Whether a granted action pattern (lower-case, `*` wildcards) covers an action.
action_matches(pattern, action) if pattern == action

action_matches(pattern, action) if {
	contains(pattern, "*")
	glob.match(pattern, [], action)
}

grants(def, action) if {
	some p in def.data_actions
	action_matches(p, action)
	not denied(def, action)
}

denied(def, action) if {
	some p in def.not_data_actions
	action_matches(p, action)
}

# "yes", "no", or "unknown" (a custom role whose definition was not read).
role_grants_cmk(role) := "yes" if {
	role in cmk_builtin_roles
} else := "yes" if {
	def := input.role_definitions[role]
	every a in cmk_data_actions {
		grants(def, a)
	}
} else := "no" if {
	input.role_definitions[role]
} else := "unknown"

# ---- CMK helpers used by several CMK rules ---------------------------------------------------------

# The attributes that govern the key version the registry uses: the pinned version's when the
# registry pins one and that version was read, else the key's own (those of its current version).
# A pinned version's `nbf` is only known when it is the current version.
key_attrs(reg, key) := {"source": "version", "version": ver, "enabled": v.enabled, "exp": v.exp, "nbf": nbf} if {
	ver := reg.encryption.key.version
	ver != null
	v := key.versions[ver]
	nbf := pinned_nbf(ver, key)
} else := {"source": "key", "version": key.current_version, "enabled": key.enabled, "exp": key.exp, "nbf": key.nbf}

pinned_nbf(ver, key) := key.nbf if ver == key.current_version

else := null

# The first of `fields` that the key's `unknown` map lists, as a reason; undefined when none is.
key_field_unknown(key, fields) := sprintf("key %s: %s", [key.name, key.unknown[f]]) if {
	some f in fields
	key.unknown[f]
}

# Key permissions an access policy needs for CMK (lower-case, as the inventory holds them).
cmk_key_permissions := {"get", "wrapkey", "unwrapkey"}

# The key permissions that the vault's access policies give a principal (all its entries merged).
policy_key_permissions(vault, principal) := {k |
	some ap in vault.access_policies
	ap.object_id == principal
	some k in ap.keys
}

# Whether a set of access-policy key permissions covers get + wrapKey + unwrapKey ("all" counts).
key_perms_cover_cmk(perms) if "all" in perms

key_perms_cover_cmk(perms) if {
	every p in cmk_key_permissions {
		p in perms
	}
}

# The vault a CMK registry's key identifier names (defined whenever vault_link found it).
cmk_vault(reg) := input.vaults[reg.encryption.key.vault]

# A chain link's reason for rules that do not own the link: a broken link names the rule that
# reports it (`owner`, e.g. "CMK004"), so the same break is not reported as a failure twice.
link_reason(l, owner) := sprintf("%s (see %s)", [l.reason, owner]) if {
	l.state == "broken"
} else := l.reason

# The CMK identity's principal ID (lower-case), when the identity link holds and it is known.
cmk_principal(reg) := p if {
	il := identity_link(reg)
	il.state == "ok"
	p := il.identity.principal_id
	p != null
}

# A Unix time as an ISO date (UTC), for messages: "2026-06-15".
date(ts) := sprintf("%d-%s-%s", [civil_year(y, m), pad2(m), pad2(d)]) if {
	z := floor(ts / 86400) + 719468
	era := floor(z / 146097)
	doe := z - era * 146097
	yoe := floor((((doe - floor(doe / 1460)) + floor(doe / 36524)) - floor(doe / 146096)) / 365)
	y := yoe + era * 400
	doy := doe - ((365 * yoe + floor(yoe / 4)) - floor(yoe / 100))
	mp := floor((5 * doy + 2) / 153)
	d := (doy - floor((153 * mp + 2) / 5)) + 1
	m := month(mp)
}

civil_year(y, m) := y + 1 if m <= 2

else := y

month(mp) := mp + 3 if mp < 10

else := mp - 9

pad2(n) := sprintf("0%d", [n]) if n < 10

else := sprintf("%d", [n])

# Whole days from `a` to `b` (rounded down; negative when b is before a).
days_between(a, b) := floor((b - a) / 86400)
