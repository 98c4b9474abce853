//! ARM's answers to GETs, from the estate: subscriptions, resources, lists by type, child collections,
//! extension resources (diagnostic settings, role assignments), role definitions; paging with nextLink.

use bytes::Bytes;
use serde_json::{Value, json};

use super::estate::{Subscription, subscription_of};
use super::faults;
use super::handler::State;
use super::reply::Reply;
use super::urlencoded;

const ROLE_ASSIGNMENTS: &str = "/providers/microsoft.authorization/roleassignments";
const DIAGNOSTIC_SETTINGS: &str = "/providers/microsoft.insights/diagnosticsettings";
/// Marks our `$skiptoken` values; what follows is the offset of the next page, in hex.
const SKIP_TOKEN_PREFIX: &str = "lbpage.";

/// The answer to an authenticated, unfaulted GET. `path` is as sent; `lower` is its lower-case form
/// without a trailing slash.
pub(super) fn get(state: &State, path: &str, lower: &str, query: &str) -> Reply {
    let estate = &state.estate;
    let segments: Vec<&str> = lower.split('/').skip(1).collect();

    if lower == "/subscriptions" {
        let items: Vec<Bytes> =
            estate.listed_subscriptions().map(|s| to_bytes(&subscription_json(s, &state.config.tenant_id))).collect();
        let count = json!({"type": "Total", "value": items.len()});
        return page(state, path, query, &items, Some(("count", count)));
    }
    if let ["subscriptions", subscription, rest @ ..] = segments.as_slice() {
        let Some(found) = estate.subscription(subscription) else {
            let as_sent = subscription_of(path).unwrap_or(subscription);
            return Reply::arm_error(
                404,
                "SubscriptionNotFound",
                format!("The subscription '{as_sent}' could not be found."),
            );
        };
        if rest.is_empty() {
            return Reply::value(200, &subscription_json(found, &state.config.tenant_id));
        }
    }

    // Extension resources, which hang off any scope.
    if let Some(scope) = lower.strip_suffix(ROLE_ASSIGNMENTS) {
        // `$filter=atScope()` or not, the assignments at the scope and above: the client asks for nothing
        // else, and below-scope assignments would not apply to the scope anyway.
        let scope = if scope.is_empty() { "/" } else { scope };
        if !estate.scope_exists(scope) {
            return faults::not_found(path);
        }
        return page(state, path, query, &estate.role_assignments_at(scope), None);
    }
    if let [.., "providers", "microsoft.authorization", "roledefinitions", name] = segments.as_slice() {
        return role_definition(state, path, name);
    }
    if let Some(parent) = lower.strip_suffix(DIAGNOSTIC_SETTINGS) {
        if !estate.scope_exists(parent) {
            return faults::not_found(path);
        }
        // Not paged: ARM returns every diagnostic setting of a resource at once, without nextLink.
        return list(estate.children(lower).unwrap_or_default());
    }

    if let Some(resource) = estate.resource(lower) {
        return Reply::json(200, resource.clone());
    }
    match segments.as_slice() {
        ["subscriptions", _, "resourcegroups", name] => {
            return match estate.resource_group(lower) {
                Some(id) => Reply::value(
                    200,
                    &json!({
                        "id": id,
                        "name": id.rsplit('/').next().unwrap_or(name),
                        "type": "Microsoft.Resources/resourceGroups",
                        "location": "japaneast",
                        "properties": {"provisioningState": "Succeeded"}
                    }),
                ),
                None => {
                    let as_sent = path.trim_end_matches('/').rsplit('/').next().unwrap_or(name);
                    Reply::arm_error(
                        404,
                        "ResourceGroupNotFound",
                        format!("Resource group '{as_sent}' could not be found."),
                    )
                }
            };
        }
        ["subscriptions", subscription, "providers", namespace, kind] => {
            return page(state, path, query, estate.of_type(subscription, &format!("{namespace}/{kind}")), None);
        }
        _ => {}
    }
    if let Some(members) = estate.children(lower) {
        return page(state, path, query, members, None);
    }
    // A list with nothing in it: a resource type in a resource group, or a child collection of an
    // existing resource (`…/privateEndpoints/pe1/privateDnsZoneGroups` of an endpoint without any).
    let empty_type_list = matches!(segments.as_slice(), ["subscriptions", _, "resourcegroups", _, "providers", _, _]);
    let parent_exists =
        lower.rsplit_once('/').is_some_and(|(parent, _)| !parent.is_empty() && estate.scope_exists(parent));
    if empty_type_list || parent_exists { list(&[]) } else { faults::not_found(path) }
}

/// A role definition by name at any scope, with the id ARM gives it at that scope.
fn role_definition(state: &State, path: &str, lower_name: &str) -> Reply {
    let as_sent = path.trim_end_matches('/').rsplit('/').next().unwrap_or(lower_name);
    let Some(definition) = state.estate.role_definition(lower_name) else {
        return Reply::arm_error(
            404,
            "RoleDefinitionDoesNotExist",
            format!("The specified role definition with ID '{as_sent}' does not exist."),
        );
    };
    let name = definition["name"].as_str().unwrap_or(as_sent);
    let mut definition = definition.clone();
    definition["id"] = Value::String(match subscription_of(path) {
        Some(subscription) => {
            format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{name}")
        }
        None => format!("/providers/Microsoft.Authorization/roleDefinitions/{name}"),
    });
    Reply::value(200, &definition)
}

/// ARM's subscription shape.
fn subscription_json(subscription: &Subscription, default_tenant: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{}", subscription.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": subscription.id,
        "tenantId": subscription.tenant_id.as_deref().unwrap_or(default_tenant),
        "displayName": subscription.display_name,
        "state": subscription.state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off"
        }
    })
}

/// `{"value":[…]}`, whole.
fn list(items: &[Bytes]) -> Reply {
    Reply::json(200, envelope(items, None, None))
}

/// One page of a list, from the `$skiptoken` in the query; a `nextLink` unless it is the last. `extra`
/// is a member added to every page (`count` in the subscription list).
fn page(state: &State, path: &str, query: &str, items: &[Bytes], extra: Option<(&str, Value)>) -> Reply {
    let start = match skip_token(query) {
        Ok(start) => start.min(items.len()),
        Err(token) => {
            return Reply::arm_error(
                400,
                "InvalidSkipToken",
                format!("The skip token '{token}' is not valid for this request."),
            );
        }
    };
    let end = start.saturating_add(state.config.page_size.max(1)).min(items.len());
    let next_link = (end < items.len()).then(|| next_link(state, path, query, end));
    Reply::json(200, envelope(&items[start..end], next_link.as_deref(), extra))
}

/// The list body, built from the resources' serialised bytes without parsing them again.
fn envelope(items: &[Bytes], next_link: Option<&str>, extra: Option<(&str, Value)>) -> Vec<u8> {
    let mut body = Vec::with_capacity(items.iter().map(|item| item.len() + 1).sum::<usize>() + 256);
    body.extend_from_slice(b"{\"value\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.push(b']');
    if let Some(link) = next_link {
        body.extend_from_slice(b",\"nextLink\":");
        body.extend_from_slice(&serde_json::to_vec(link).expect("armserver: serialise a string"));
    }
    if let Some((key, value)) = extra {
        body.push(b',');
        body.extend_from_slice(&serde_json::to_vec(key).expect("armserver: serialise a string"));
        body.push(b':');
        body.extend_from_slice(&serde_json::to_vec(&value).expect("armserver: serialise a JSON value"));
    }
    body.push(b'}');
    body
}

/// The same path and query (api-version, `$filter`, …) with the `$skiptoken` of the page at `offset`.
fn next_link(state: &State, path: &str, query: &str, offset: usize) -> String {
    let kept: Vec<&str> = query.split('&').filter(|pair| !pair.is_empty() && !is_skip_token(pair)).collect();
    let token = format!("$skiptoken={SKIP_TOKEN_PREFIX}{offset:x}");
    let query = kept.into_iter().chain([token.as_str()]).collect::<Vec<_>>().join("&");
    format!("{}{path}?{query}", state.base_url)
}

/// The offset a `$skiptoken` points at; 0 without one. `Err` carries a token that is not ours.
fn skip_token(query: &str) -> Result<usize, String> {
    let Some(token) = urlencoded::value(query, "$skiptoken") else { return Ok(0) };
    token.strip_prefix(SKIP_TOKEN_PREFIX).and_then(|hex| usize::from_str_radix(hex, 16).ok()).ok_or(token)
}

fn is_skip_token(pair: &str) -> bool {
    let key = pair.split_once('=').map_or(pair, |(key, _)| key);
    urlencoded::decode(key).eq_ignore_ascii_case("$skiptoken")
}

fn to_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("armserver: serialise a JSON value"))
}
