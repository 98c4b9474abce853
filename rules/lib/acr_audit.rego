# Shared helpers for acr-audit rules: result construction, parameters, and the links of the
# customer-managed-key chain (registry → identity → vault permission → key → vault).
#
# Every link of the chain (reg.chain.identity, .vault, .key) has a `state`:
#   "ok"      the link holds;
#   "broken"  the link is established to be broken, with `reason`;
#   "unknown" the data needed to decide was not visible, with `reason`.
# A rule turns "broken" into fail and "unknown" into unknown, so an unreadable vault can never pass.
package acr_audit.lib

import rego.v1

# One result of a rule for one resource. `msg` names an entry of the rule's `custom.messages`;
# `args` fills its `{placeholders}` (and `{observed}` is always available).
result(res, status, msg, path, observed) := {
	"resource": res.id,
	"status": status,
	"message": msg,
	"path": path,
	"observed": observed,
	"args": {},
}

result_args(res, status, msg, path, observed, args) := {
	"resource": res.id,
	"status": status,
	"message": msg,
	"path": path,
	"observed": observed,
	"args": args,
}

# A rule parameter, as set in acr-audit.toml or else the default in the rule's metadata.
param(code, name) := input.context.params[code][name]

# Unix seconds of the moment the scan evaluates ("now", or --as-of).
now := input.context.now

day := 86400

# The registries and the vaults the rules evaluate.
registries := input.registries

audited_vaults := [v | some v in input.vaults; v.audited]

# ---- the chain's links, resolved once by the normaliser (src/normalise/chain.rs) ------------------
# Rules read them as data, which is what keeps a CMK rule cheap on a large estate:
#   reg.chain.identity  who keyVaultProperties.identity (a clientId) is; `identity` when ok
#   reg.chain.vault     the vault named by the key identifier's host
#   reg.chain.key       the key inside that vault
#   reg.chain.principal_id  the CMK identity's principal, when known
#   reg.chain.attrs     enabled/exp/nbf/created of the key version in use, when the key link is ok

# The key record the registry uses (defined when the key link is ok).
chain_key(reg) := input.vaults[reg.encryption.key.vault].keys[reg.encryption.key.name]

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

# Whether a role assignment on the vault's list applies to the registry's key: assignments at the
# vault or above apply to every key; one at a key's own scope applies to that key only.
assignment_applies(a, vault, reg) if not startswith(a.scope, concat("", [lower(vault.id), "/keys/"]))

assignment_applies(a, vault, reg) if a.scope == concat("/", [lower(vault.id), "keys", reg.encryption.key.name])

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

# A chain link's reason for rules that do not own the link: a broken link names the rule that
# reports it (`owner`, e.g. "CMK004"), so the same break is not reported as a failure twice.
link_reason(l, owner) := sprintf("%s (see %s)", [l.reason, owner]) if {
	l.state == "broken"
} else := l.reason

# Whole days from `a` to `b` (rounded down; negative when b is before a).
days_between(a, b) := floor((b - a) / 86400)
