//! `azurerm_private_endpoint` → `Microsoft.Network/privateEndpoints`, its `private_dns_zone_group` →
//! `Microsoft.Network/privateEndpoints/privateDnsZoneGroups`, and the connection it makes to its
//! target (a registry or vault of the plan gets a `privateEndpointConnections` entry: `Approved` for
//! an automatic connection, `Pending` for `is_manual_connection = true`, as Azure sets them).

use super::arm::{Arm, Block, Mapper, same};
use super::plan::Resource;
use super::references::{ANY_ID, Accept, Resolved, Resolver, marker};
use serde_json::{Value, json};

pub const TYPE: &str = "Microsoft.Network/privateEndpoints";
pub const ZONE_GROUP_TYPE: &str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";

const ZONE_ID: Accept<'static> = Accept { kinds: &["azurerm_private_dns_zone"], attrs: &["id"] };

pub struct Endpoint {
    pub endpoint: Arm,
    /// The zone group, unless a zone ID is known only after apply (the zones are then unknown).
    pub zone_group: Option<Arm>,
    /// Whether the endpoint's zone groups are all here (the plan declares all of them).
    pub zones_complete: bool,
    /// The connections: target resource ID (or why it is unknown), status, line in the plan.
    pub connections: Vec<(Result<String, String>, &'static str, Option<usize>)>,
}

pub fn map(rs: &Resolver, r: &Resource) -> Endpoint {
    let mut m = Mapper::top_level(rs, r, TYPE);
    let id = m.arm.id().to_string();
    let subnet = m.value("subnet_id", Accept { kinds: &["azurerm_subnet"], attrs: &["id"] });
    m.put("properties.subnet.id", "subnet_id", subnet, same, None);
    let mut connections = Vec::new();
    let (mut automatic, mut manual) = (Vec::new(), Vec::new());
    if let Block::Entries(n) = m.block("private_service_connection") {
        for i in 0..n {
            let at = |attr: &str| format!("private_service_connection.{i}.{attr}");
            let is_manual =
                matches!(m.value(&at("is_manual_connection"), Accept::NONE), Resolved::Value(Value::Bool(true)));
            let status = if is_manual { "Pending" } else { "Approved" };
            let target = rs.string(r, &at("private_connection_resource_id"), ANY_ID);
            let conn_name = m.value(&at("name"), Accept::NONE).into_arm(same);
            let groups = m.value(&at("subresource_names"), Accept::NONE).into_arm(same);
            let entry = json!({
                "name": conn_name,
                "properties": {
                    "privateLinkServiceId": match &target { Ok(t) => json!(t), Err(why) => marker(why) },
                    "groupIds": groups,
                    "privateLinkServiceConnectionState": {"status": status},
                }
            });
            if is_manual {
                manual.push(entry)
            } else {
                automatic.push(entry)
            }
            connections.push((target, status, m.line_of(&at("private_connection_resource_id"))));
        }
    }
    m.arm.set("properties.privateLinkServiceConnections", Value::Array(automatic));
    m.arm.set("properties.manualPrivateLinkServiceConnections", Value::Array(manual));

    let (zone_group, zones_complete) = match m.block("private_dns_zone_group") {
        Block::Absent => (None, true),
        Block::Unresolved(_) => (None, false),
        Block::Entries(_) => zone_group(&m, &id),
    };
    Endpoint { endpoint: m.arm, zone_group, zones_complete, connections }
}

/// `private_dns_zone_group { name, private_dns_zone_ids }` → the zone group resource, with one
/// `privateDnsZoneConfigs` entry per zone (named after the zone, as the portal names them).
fn zone_group(m: &Mapper, endpoint_id: &str) -> (Option<Arm>, bool) {
    let zones = match m.rs.list(m.r, "private_dns_zone_group.0.private_dns_zone_ids", ZONE_ID) {
        Resolved::Value(Value::Array(z)) if z.iter().all(Value::is_string) => z,
        Resolved::Absent => Vec::new(),
        _ => return (None, false),
    };
    let name = match m.value("private_dns_zone_group.0.name", Accept::NONE) {
        Resolved::Value(Value::String(s)) => s,
        _ => "default".to_string(),
    };
    let mut arm = Arm::new(&format!("{endpoint_id}/privateDnsZoneGroups/{name}"), &name, ZONE_GROUP_TYPE);
    let configs: Vec<Value> = zones
        .iter()
        .filter_map(Value::as_str)
        .map(|z| {
            let zone = z.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            json!({"name": zone.replace('.', "-"), "properties": {"privateDnsZoneId": z}})
        })
        .collect();
    arm.set("properties.privateDnsZoneConfigs", Value::Array(configs));
    arm.line("properties.privateDnsZoneConfigs", m.line_of("private_dns_zone_group.0.private_dns_zone_ids"));
    (Some(arm), true)
}
